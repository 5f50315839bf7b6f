import { defineOptions } from '../../../plugin-api/index.js';

export const carbonOptions = defineOptions({
  address: { type: 'string', doc: 'Carbon line receiver, host:port.', default: 'localhost:2003' },
  protocol: { type: 'string', doc: 'Transport: "tcp" (empty means tcp) or "udp".', default: 'tcp' },
  tcp_keep_alive: { type: 'bool', doc: 'Accepted for Heka compatibility; the TCP connection is always kept open and re-established.', default: false },
  max_batch_bytes: { type: 'uint', doc: 'Largest single write (TCP) or datagram (UDP); lines are never split.', default: 63488 },
  max_buffer_bytes: { type: 'uint', doc: 'TCP only: bound on the data held while carbon is unreachable or slow; lines beyond it are dropped and counted.', default: 67108864 },
  reconnect_delay: { type: 'duration', doc: 'First wait before reconnecting after a failed or lost TCP connection; doubles per failure.', default: '100ms' },
  max_reconnect_delay: { type: 'duration', doc: 'Cap of the doubling reconnect delay.', default: '2s' },
  resend_window: { type: 'duration', doc: 'TCP only: data written this long before a connection broke is sent again after reconnecting (whisper keeps one value per metric and second, so a repeat is harmless).', default: '2s' },
  stop_timeout: { type: 'duration', doc: 'At shutdown, how long to keep trying to deliver buffered data.', default: '5s' },
});

export interface CarbonConfig {
  address: string;
  protocol: string;
  tcp_keep_alive: boolean;
  max_batch_bytes: number;
  max_buffer_bytes: number;
  reconnect_delay: number;
  max_reconnect_delay: number;
  resend_window: number;
  stop_timeout: number;
}
