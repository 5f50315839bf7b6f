import { defineOptions } from '../../../plugin-api/index.js';

export const statAccumOptions = defineOptions({
  ticker_interval: { type: 'uint', doc: 'Seconds between flushes (one heka.statmetric message per flush); must be > 0.', default: 10 },
  emit_in_payload: { type: 'bool', doc: 'Write Graphite plaintext lines into the Payload.', default: true },
  emit_in_fields: { type: 'bool', doc: 'Also add one message field per metric.', default: false },
  percent_threshold: { type: 'int', doc: 'The percentile used for the timers\' mean_N and upper_N (a single integer, as in Heka 0.10).', default: 90 },
  message_type: { type: 'string', doc: 'Type of the emitted messages.', default: 'heka.statmetric' },
  legacy_namespaces: { type: 'bool', doc: 'Use the old Etsy layout for counters (stats.<key> rate, stats_counts.<key> count).', default: false },
  global_prefix: { type: 'string', doc: 'Prefix of every metric name.', default: 'stats' },
  counter_prefix: { type: 'string', doc: 'Namespace of counters (not used in legacy mode).', default: 'counters' },
  timer_prefix: { type: 'string', doc: 'Namespace of timers.', default: 'timers' },
  gauge_prefix: { type: 'string', doc: 'Namespace of gauges.', default: 'gauges' },
  set_prefix: { type: 'string', doc: 'Namespace of sets (an extension: Heka has no sets).', default: 'sets' },
  statsd_prefix: { type: 'string', doc: 'Namespace of the numStats metric.', default: 'statsd' },
  delete_idle_stats: { type: 'bool', doc: 'Forget every stat after each flush instead of re-emitting zeros and last values.', default: false },
});

export interface StatAccumConfig {
  ticker_interval: number;
  emit_in_payload: boolean;
  emit_in_fields: boolean;
  percent_threshold: number;
  message_type: string;
  legacy_namespaces: boolean;
  global_prefix: string;
  counter_prefix: string;
  timer_prefix: string;
  gauge_prefix: string;
  set_prefix: string;
  statsd_prefix: string;
  delete_idle_stats: boolean;
}
