import { defineOptions } from '../../../plugin-api/index.js';

export const statsdOptions = defineOptions({
  address: { type: 'string', doc: 'UDP listen address, host:port (":8125" = all interfaces).', default: '127.0.0.1:8125' },
  stat_accum_name: { type: 'string', doc: 'Name of the StatAccumInput section that aggregates the stats.', default: 'StatAccumInput' },
  max_msg_size: { type: 'uint', doc: 'Largest datagram read in full, in bytes; longer ones are truncated and counted (Heka: 512).', default: 65507 },
  tcp_address: { type: 'string', doc: 'Also accept newline-separated metrics over TCP on this host:port (empty = no TCP listener).', default: '' },
  accept_sets: { type: 'bool', doc: 'Accept sets (`|s`), emitted as <set_prefix>.<key>.count; false rejects them as bad lines, as Heka does.', default: true },
  gauge_deltas: { type: 'bool', doc: 'A gauge value with an explicit sign (`+3`, `-3`) changes the gauge, as in Etsy statsd; false sets it, as Heka does.', default: true },
  receive_buffer_bytes: { type: 'uint', doc: 'Requested UDP socket receive buffer (SO_RCVBUF), so bursts are not dropped by the kernel; capped by net.core.rmem_max.', default: 8388608 },
  bad_lines_logged_per_second: { type: 'uint', doc: 'At most this many bad lines are logged per second; the rest are counted and summarised.', default: 100 },
});

export interface StatsdConfig {
  address: string;
  stat_accum_name: string;
  max_msg_size: number;
  tcp_address: string;
  accept_sets: boolean;
  gauge_deltas: boolean;
  receive_buffer_bytes: number;
  bad_lines_logged_per_second: number;
}
