import { definePlugin } from '../../../plugin-api/index.js';
import { statsdOptions, type StatsdConfig } from './config.js';
import { splitHostPort } from '../../../net/host-port.js';
import { StatsdInput } from './statsd-input.js';

export default definePlugin({
  kind: 'input',
  type: 'StatsdInput',
  summary: 'Statsd server: parses metrics from UDP (and optionally TCP) and feeds them to a StatAccumInput.',
  feedable: true,
  options: statsdOptions,
  validate(config) {
    const issues: Array<{ option: string; reason: string }> = [];
    for (const opt of ['address', 'tcp_address'] as const) {
      const v = config[opt];
      if (typeof v === 'string' && v !== '' && splitHostPort(v) === null) issues.push({ option: opt, reason: `ResolveUDPAddr failed: invalid address '${v}' (want host:port).` });
    }
    if (config['max_msg_size'] === 0) issues.push({ option: 'max_msg_size', reason: 'max_msg_size must be greater than 0.' });
    return issues;
  },
  create: (config: StatsdConfig) => new StatsdInput(config),
});
