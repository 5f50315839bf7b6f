/**
 * Acknowledgement bookkeeping of one stream: every delivered record (and every file switch) is an
 * entry with an increasing sequence number, the file it belongs to and the stream offset at its
 * end. Entries settle in any order; the acknowledged position is the end of the longest settled
 * prefix. Parallel typed arrays in a ring: no allocation per record.
 */
export class AckRing {
  private cap: number;
  private mask: number;
  private ends: Float64Array;
  private refs: Int32Array;
  private done: Uint8Array;
  /** Lowest sequence number not yet folded into the acknowledged position. */
  head = 0;
  /** Next sequence number to hand out. */
  nextSeq = 0;
  /** The acknowledged position: file ref id (-1: none yet), offset and the entry's sequence number. */
  ackedRef = -1;
  ackedOffset = 0;
  ackedSeq = -1;

  constructor(initialCap = 1024) {
    let c = 16;
    while (c < initialCap) c *= 2;
    this.cap = c;
    this.mask = c - 1;
    this.ends = new Float64Array(c);
    this.refs = new Int32Array(c);
    this.done = new Uint8Array(c);
  }

  /** Entries delivered but not yet folded into the acknowledged position. */
  get outstanding(): number {
    return this.nextSeq - this.head;
  }

  /** Append an entry; returns its sequence number. `settled` entries are markers (file switches). */
  push(refId: number, endOffset: number, settled: boolean): number {
    if (this.nextSeq - this.head === this.cap) this.grow();
    const seq = this.nextSeq++;
    const i = seq & this.mask;
    this.ends[i] = endOffset;
    this.refs[i] = refId;
    this.done[i] = 0;
    if (settled) this.settle(seq);
    return seq;
  }

  /** Mark `seq` settled; returns true when the acknowledged position moved. Unknown seqs are ignored. */
  settle(seq: number): boolean {
    if (seq < this.head || seq >= this.nextSeq) return false;
    this.done[seq & this.mask] = 1;
    if (seq !== this.head) return false;
    const mask = this.mask;
    let h = this.head;
    while (h < this.nextSeq && this.done[h & mask] === 1) {
      this.done[h & mask] = 0;
      h++;
    }
    const last = (h - 1) & mask;
    this.ackedRef = this.refs[last]!;
    this.ackedOffset = this.ends[last]!;
    this.ackedSeq = h - 1;
    this.head = h;
    return true;
  }

  /** The file ref of an outstanding entry (for tests and diagnostics). */
  refOf(seq: number): number {
    return this.refs[seq & this.mask]!;
  }

  private grow(): void {
    const nc = this.cap * 2;
    const ends = new Float64Array(nc);
    const refs = new Int32Array(nc);
    const done = new Uint8Array(nc);
    for (let s = this.head; s < this.nextSeq; s++) {
      const o = s & this.mask;
      const n = s & (nc - 1);
      ends[n] = this.ends[o]!;
      refs[n] = this.refs[o]!;
      done[n] = this.done[o]!;
    }
    this.cap = nc;
    this.mask = nc - 1;
    this.ends = ends;
    this.refs = refs;
    this.done = done;
  }
}
