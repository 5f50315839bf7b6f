/**
 * The window that identifies a position in a stream: the 500 bytes before it, hashed with SHA-1
 * (Heka's LogstreamerInput journal `last_hash`). Kept by the splitter runner, written and checked
 * by the logstreamer's journal.
 */
import { createHash } from 'node:crypto';

/** Bytes of already-consumed data kept before a position, so its window is always at hand. */
export const HISTORY_BYTES = 500;
const ZERO_WINDOW = Buffer.alloc(HISTORY_BYTES);

/** SHA-1 hex of a 500-byte window (shorter input is left-padded with zeros). */
export function hashWindow(tail: Uint8Array): string {
  const h = createHash('sha1');
  if (tail.length < HISTORY_BYTES) h.update(ZERO_WINDOW.subarray(0, HISTORY_BYTES - tail.length));
  h.update(tail.length > HISTORY_BYTES ? tail.subarray(tail.length - HISTORY_BYTES) : tail);
  return h.digest('hex');
}
