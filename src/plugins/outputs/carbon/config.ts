import { defineOptions } from '../../../plugin-api/index.js';

export const carbonOptions = defineOptions({
  address: { type: 'string', doc: 'Carbon line receiver, host:port.', default: 'localhost:2003' },
  protocol: { type: 'string', doc: 'Transport: "tcp" (empty means tcp) or "udp".', default: 'tcp' },
  tcp_keep_alive: { type: 'bool', doc: 'TCP keep-alive probes on the connection (every 30 s idle); the connection itself is always kept open and re-established.', default: false },
  max_batch_bytes: { type: 'uint', doc: 'Largest single write (TCP) or datagram (UDP); lines are never split.', default: 63488 },
  max_buffer_bytes: { type: 'uint', doc: 'Bound on the bytes held in memory while carbon is unreachable, slow or not yet confirmed; beyond it the output stops taking messages (backpressure, or the disk queue with use_buffering).', default: 67108864 },
  reconnect_delay: { type: 'duration', doc: 'First wait before reconnecting after a failed or lost TCP connection; doubles per failure.', default: '100ms' },
  max_reconnect_delay: { type: 'duration', doc: 'Cap of the doubling reconnect delay.', default: '2s' },
  resend_window: { type: 'duration', doc: 'TCP only: a batch is acknowledged once the connection stayed up this long after its write; a loss before that sends it again (whisper keeps one value per metric and second, so a repeat is harmless).', default: '2s' },
  stop_timeout: { type: 'duration', doc: 'At shutdown, how long to keep trying to deliver what is held; the rest stays unacknowledged.', default: '5s' },
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
