/**
 * Acknowledgement bookkeeping (DESIGN.md §3). The router gives a message one reference per
 * consumer it was queued for; each consumer releases its reference once it has durably handled
 * the message (a filter on receipt, an output after its write/flush/acceptance). When the last
 * reference goes, the message's source is told, so a journal can move past it.
 */
import type { AckTarget, Message } from '../core/message.js';

export function release(msg: Message): void {
  if (--msg.refs === 0) {
    const target = msg.ackTarget;
    if (target !== null) {
      msg.ackTarget = null;
      target.settle(msg.ackSeq);
    }
  }
}

/**
 * Joins the acknowledgements of several messages derived from one original (a decoder that
 * returned several messages): the original settles when all of them have.
 */
export class JoinedAck implements AckTarget {
  constructor(
    private remaining: number,
    private readonly target: AckTarget,
    private readonly seq: number,
  ) {}
  settle(): void {
    if (--this.remaining === 0) this.target.settle(this.seq);
  }
}
