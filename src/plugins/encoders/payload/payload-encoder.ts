/**
 * PayloadEncoder: the message Payload, optionally with a timestamp prefix and a trailing newline
 * (spec/outputs.md §7).
 */
import type { Clock } from '../../../core/clock.js';
import type { Message } from '../../../core/message.js';
import { Strftime, nsToUnixSeconds, type TimeZone } from '../../../core/strftime.js';
import type { Encoder } from '../../../plugin-api/index.js';
import type { PayloadEncoderConfig } from './config.js';

export class PayloadEncoder implements Encoder {
  private readonly ts: Strftime | null;

  constructor(
    private readonly config: PayloadEncoderConfig,
    private readonly clock: Clock,
    /** The zone of the prefix; the process's local zone (Go's time.Local) unless a test says otherwise. */
    zone?: TimeZone,
  ) {
    if (config.prefix_ts) {
      const f = config.ts_format.endsWith(' ') ? config.ts_format : config.ts_format + ' ';
      this.ts = new Strftime(f, zone);
    } else {
      this.ts = null;
    }
  }

  // Returns a string: the runner turns it into bytes once, and no Buffer is built here.
  encode(msg: Message): string {
    let out = msg.payload ?? '';
    if (this.ts !== null) {
      // Absent Timestamp = 0 = the epoch, as Go's time.Unix(0, 0).
      const sec = this.config.ts_from_message
        ? nsToUnixSeconds(msg.timestamp ?? 0, msg.timestampExact)
        : Math.floor(this.clock.nowMs() / 1000);
      out = this.ts.format(sec) + out;
    }
    return this.config.append_newlines ? out + '\n' : out;
  }
}
