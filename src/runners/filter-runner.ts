/**
 * Runs one filter: drains its queue synchronously in slices, acknowledges each message on receipt
 * (a filter's state is covered by preserve_data, DESIGN.md §3), fires its ticker and routes what
 * it injects, with Heka's loop protection (max_message_loops, no injecting to itself).
 */
import type { Message } from '../core/message.js';
import type { Filter, FilterContext, ReportField } from '../plugin-api/index.js';
import { release } from './ack.js';
import { ConsumerRunner, type ConsumerOptions } from './consumer-runner.js';
import type { RunnerEnv } from './runner-env.js';

/** Messages handled per drain pass before yielding to the event loop. */
const SLICE = 2048;

export class FilterRunner extends ConsumerRunner {
  readonly ctx: FilterContext;
  injected = 0;
  injectRefused = 0;
  private current: Message | null = null;
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(env: RunnerEnv, opts: ConsumerOptions, readonly plugin: Filter) {
    super(env, opts, 'Plugin');
    this.ctx = { ...this.baseCtx, inject: (m) => this.inject(m) };
  }

  start(): void {
    this.startTicker((now) => {
      if (!this.plugin.onTick) return;
      this.current = null;
      try {
        this.plugin.onTick(now, this.ctx);
      } catch (err) {
        this.errors.report(err, 'timer_event');
      }
    });
  }

  private inject(msg: Message): boolean {
    const loops = (this.current?.loopCount ?? 0) + 1;
    if (loops > Math.max(1, this.env.globals.max_message_loops)) {
      this.injectRefused++;
      this.errors.report(new Error(`exceeded MaxMsgLoops = ${this.env.globals.max_message_loops}`), 'inject');
      return false;
    }
    msg.loopCount = loops;
    if (msg.logger === undefined) msg.logger = this.name;
    if (this.opts.matcher(msg)) {
      this.injectRefused++;
      this.errors.report(new Error('attempted to Inject a message to itself'), 'inject');
      return false;
    }
    this.injected++;
    this.env.router.route(msg);
    return true;
  }

  protected wake(): void {
    if (this.scheduled || this.draining) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    this.draining = true;
    const q = this.queue;
    let n = 0;
    let msg: Message | undefined;
    while (n < SLICE && (msg = q.shift()) !== undefined) {
      n++;
      this.current = msg;
      this.processed++;
      try {
        this.plugin.process(msg, this.ctx);
      } catch (err) {
        this.errors.report(err, 'process_message');
      }
      release(msg);
      // What this filter injects must have room before it takes more work.
      if (this.env.router.blocked) break;
    }
    this.current = null;
    this.draining = false;
    if (q.length > 0) {
      if (this.env.router.blocked) void this.env.router.drained().then(() => this.wake());
      else this.wake();
    } else {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of w) resolve();
    }
  }

  private idle(): Promise<void> {
    if (this.queue.length === 0 && !this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
    this.stopTicker();
    try {
      await this.plugin.stop?.(this.ctx);
    } catch (err) {
      this.errors.report(err, 'stop');
    }
  }

  report(): ReportField[] {
    return [
      ...this.runnerReport(),
      { name: 'InjectMessageCount', value: this.injected, representation: 'count' },
      ...(this.plugin.report?.() ?? []),
    ];
  }
}
