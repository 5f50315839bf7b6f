/**
 * The one acknowledgement tracker of a resumable source (DESIGN.md §3): every record handed out
 * is an entry with an increasing sequence number, a tag (which file / segment / connection it
 * came from) and the source position at its end. Entries settle in any order; the settled
 * position is the end of the longest settled prefix, i.e. the highest position below which every
 * record is acknowledged. That is what a LogstreamerInput journal, the disk queue's checkpoint and
 * (later) a TCP or AMQP input's acknowledgement record.
 *
 * Parallel typed arrays in a ring that doubles when full: no allocation per record. Positions are
 * doubles (exact to 2^53, beyond any file offset).
 */
export class SettledPrefix {
  private mask: number;
  private ends: Float64Array;
  private tags: Float64Array;
  private done: Uint8Array;
  /** Lowest sequence number not yet folded into the settled position. */
  head = 0;
  /** Next sequence number to hand out. */
  nextSeq = 0;
  /** The settled position: tag (-1: nothing settled yet), position and its entry's sequence number. */
  settledTag = -1;
  settledPos = 0;
  settledSeq = -1;

  constructor(initialCap = 1024) {
    let c = 16;
    while (c < initialCap) c *= 2;
    this.mask = c - 1;
    this.ends = new Float64Array(c);
    this.tags = new Float64Array(c);
    this.done = new Uint8Array(c);
  }

  /** Entries handed out and not yet folded into the settled position. */
  get outstanding(): number {
    return this.nextSeq - this.head;
  }

  /** Sequence number of the newest entry (-1 when none was pushed). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Append an entry ending at `endPos` of `tag`; returns its sequence number. */
  push(tag: number, endPos: number): number {
    if (this.nextSeq - this.head > this.mask) this.grow();
    const seq = this.nextSeq++;
    const i = seq & this.mask;
    this.ends[i] = endPos;
    this.tags[i] = tag;
    this.done[i] = 0;
    return seq;
  }

  /**
   * Mark `seq` settled. Returns how many entries were folded into the settled position (0 when it
   * did not move: `seq` is behind an unsettled entry, already settled, or unknown).
   */
  settle(seq: number): number {
    if (seq < this.head || seq >= this.nextSeq) return 0;
    const mask = this.mask;
    this.done[seq & mask] = 1;
    if (seq !== this.head) return 0;
    let h = this.head;
    const end = this.nextSeq;
    while (h < end && this.done[h & mask] === 1) {
      this.done[h & mask] = 0;
      h++;
    }
    const last = (h - 1) & mask;
    this.settledTag = this.tags[last]!;
    this.settledPos = this.ends[last]!;
    this.settledSeq = h - 1;
    const n = h - this.head;
    this.head = h;
    return n;
  }

  /** Append an entry that is settled at once (a position marker, e.g. "now reading this file from here"). */
  mark(tag: number, pos: number): number {
    const seq = this.push(tag, pos);
    this.settle(seq);
    return seq;
  }

  /** The tag of an outstanding entry. */
  tagOf(seq: number): number {
    return this.tags[seq & this.mask]!;
  }

  /** Forget the settled position (nothing is settled any more); outstanding entries stay. */
  clearSettled(): void {
    this.settledTag = -1;
    this.settledPos = 0;
  }

  private grow(): void {
    const nc = (this.mask + 1) * 2;
    const ends = new Float64Array(nc);
    const tags = new Float64Array(nc);
    const done = new Uint8Array(nc);
    for (let s = this.head; s < this.nextSeq; s++) {
      const o = s & this.mask;
      const n = s & (nc - 1);
      ends[n] = this.ends[o]!;
      tags[n] = this.tags[o]!;
      done[n] = this.done[o]!;
    }
    this.mask = nc - 1;
    this.ends = ends;
    this.tags = tags;
    this.done = done;
  }
}
