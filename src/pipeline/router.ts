/**
 * The message router: hands every message to each filter and output whose signer check and
 * matcher accept it (spec/README.md "Router"). Routing is synchronous; the return value of
 * route() is the backpressure signal for the producer (DESIGN.md §2).
 */
import type { Message } from '../core/message.js';
import { release } from '../runners/ack.js';

/** What the router needs of a filter or output runner. */
export interface RouteTarget {
  readonly name: string;
  /** Signer check + matcher (timed when sampled). */
  accepts(msg: Message): boolean;
  /** Queue the message; the target takes over one reference. */
  enqueue(msg: Message): void;
}

export class Router {
  private targets: RouteTarget[] = [];
  /** Messages routed since start (report: Router ProcessMessageCount). */
  processed = 0;
  private fullTargets = new Set<RouteTarget>();
  private waiters: Array<() => void> = [];

  add(t: RouteTarget): void {
    this.targets = [...this.targets, t];
  }

  remove(t: RouteTarget): void {
    this.targets = this.targets.filter((x) => x !== t);
    this.markDrained(t);
  }

  /** Route one message; returns false when some queue is full (the producer should pause). */
  route(msg: Message): boolean {
    this.processed++;
    msg.refs++; // held while routing, so a synchronous release cannot settle it early
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (t.accepts(msg)) {
        msg.refs++;
        t.enqueue(msg);
      }
    }
    release(msg);
    return this.fullTargets.size === 0;
  }

  get blocked(): boolean {
    return this.fullTargets.size !== 0;
  }

  /** Resolves once no queue is full. */
  drained(): Promise<void> {
    if (this.fullTargets.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  markFull(t: RouteTarget): void {
    this.fullTargets.add(t);
  }

  markDrained(t: RouteTarget): void {
    if (this.fullTargets.delete(t) && this.fullTargets.size === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }
}
