/**
 * A bounded FIFO of messages between the router and one plugin. `push` never refuses (the
 * producer already holds the message) but reports whether there is room left, like
 * stream.write; producers that see `false` pause until `onDrain` fires. The overshoot is at most
 * what one producer delivers synchronously after its first `false`, so memory stays bounded.
 */
import type { Message } from '../core/message.js';

export class MessageQueue {
  private items: (Message | undefined)[];
  private head = 0;
  private tail = 0;
  private count = 0;
  /** Called (once per full->room transition) when the queue falls back to the low-water mark. */
  onDrain: (() => void) | null = null;
  private wasFull = false;

  constructor(readonly capacity: number) {
    let size = 16;
    while (size < capacity * 2) size <<= 1;
    this.items = new Array(size);
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Appends; returns true while the queue is below capacity. */
  push(msg: Message): boolean {
    if (this.count === this.items.length) this.grow();
    this.items[this.tail] = msg;
    this.tail = (this.tail + 1) & (this.items.length - 1);
    this.count++;
    if (this.count >= this.capacity) {
      this.wasFull = true;
      return false;
    }
    return true;
  }

  shift(): Message | undefined {
    if (this.count === 0) return undefined;
    const msg = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    if (this.wasFull && this.count <= this.capacity >> 1) {
      this.wasFull = false;
      this.onDrain?.();
    }
    return msg;
  }

  /** Drops everything (shutdown of an exited plugin); returns the removed messages. */
  clear(): Message[] {
    const out: Message[] = [];
    let m: Message | undefined;
    while ((m = this.shift()) !== undefined) out.push(m);
    return out;
  }

  private grow(): void {
    const old = this.items;
    const next: (Message | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
    this.tail = this.count;
  }
}
