import { definePlugin } from '../../../plugin-api/index.js';
import { statAccumOptions, type StatAccumConfig } from './config.js';
import { StatAccumInput } from './stat-accum-input.js';

export default definePlugin({
  kind: 'input',
  type: 'StatAccumInput',
  summary: 'Aggregates statsd stats (counters, timers, gauges, sets) and emits one heka.statmetric message per ticker_interval.',
  options: statAccumOptions,
  internal: true,
  validate(config) {
    const issues: Array<{ option: string; reason: string }> = [];
    if (config['emit_in_payload'] === false && config['emit_in_fields'] === false) {
      issues.push({ option: '', reason: 'One of either `EmitInPayload` or `EmitInFields` must be set to true.' });
    }
    if (config['ticker_interval'] === 0) issues.push({ option: 'ticker_interval', reason: 'TickerInterval must be greater than 0.' });
    return issues;
  },
  create: (config: StatAccumConfig) => new StatAccumInput(config),
});
