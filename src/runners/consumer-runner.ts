/**
 * What filter and output runners share: the signer check and matcher (timed by sampling), the
 * bounded queue between router and plugin, drain scheduling, the ticker and the counters.
 */
import type { Timer } from '../core/clock.js';
import type { Message } from '../core/message.js';
import type { PluginContext, ReportField } from '../plugin-api/index.js';
import type { RouteTarget } from '../pipeline/router.js';
import { ErrorReporter, type RunnerEnv } from './runner-env.js';
import { SampleTimer, hrNs } from './match-timer.js';
import { MessageQueue } from './queue.js';
import { MessageBuffer, type BufferSettings } from '../buffering/message-buffer.js';

export type Matcher = (msg: Message) => boolean;

export interface ConsumerOptions {
  name: string;
  typeName: string;
  matcher: Matcher;
  messageSigner?: string;
  tickerInterval: number;
  queueCapacity: number;
  canExit: boolean;
  /** `use_buffering`: the disk queue settings (resolved), or null/undefined for the in-memory queue. */
  buffering?: BufferSettings | null;
}

/** How long a buffered consumer keeps delivering its backlog at shutdown before leaving it on disk. */
export const BUFFERED_STOP_DRAIN_MS = 5000;

export abstract class ConsumerRunner implements RouteTarget {
  readonly name: string;
  readonly queue: MessageQueue;
  /** The disk queue when `use_buffering` is on (the MessageQueue then stays empty). */
  readonly buffer: MessageBuffer | null = null;
  readonly matchTimer: SampleTimer;
  readonly errors: ErrorReporter;
  /** Messages handed to the plugin. */
  processed = 0;
  protected scheduled = false;
  protected stopping = false;
  private ticker: Timer | null = null;
  protected readonly baseCtx: PluginContext;

  constructor(
    protected readonly env: RunnerEnv,
    protected readonly opts: ConsumerOptions,
    kindLabel: string,
  ) {
    this.name = opts.name;
    this.queue = new MessageQueue(opts.queueCapacity);
    this.queue.onDrain = () => env.router.markDrained(this);
    this.matchTimer = new SampleTimer(opts.queueCapacity, env.globals.sample_denominator);
    const log = env.log.child(`${kindLabel} '${opts.name}'`);
    this.errors = new ErrorReporter(log, env.clock);
    if (opts.buffering) {
      this.buffer = MessageBuffer.forPlugin(
        env.globals.base_dir,
        opts.name,
        opts.buffering,
        {
          maxMessageSize: env.globals.max_message_size,
          clock: env.clock,
          report: (err, stage) => this.errors.report(err, stage),
        },
        {
          full: () => env.router.markFull(this),
          drained: () => env.router.markDrained(this),
          readable: () => this.wake(),
          fatal: (reason) => env.fatal(`Plugin '${opts.name}' error: ${reason}`),
          report: (err, stage) => this.errors.report(err, stage),
        },
      );
    }
    this.baseCtx = {
      name: opts.name,
      typeName: opts.typeName,
      log,
      clock: env.clock,
      globals: env.globals,
      reportError: (err, stage) => this.errors.report(err, stage),
    };
  }

  /** Whether the plugin may stop without stopping hekad. */
  get canExit(): boolean {
    return this.opts.canExit;
  }

  accepts(msg: Message): boolean {
    if (this.opts.messageSigner !== undefined && msg.signer !== this.opts.messageSigner) return false;
    if (this.matchTimer.shouldTime()) {
      const t0 = hrNs();
      const ok = this.opts.matcher(msg);
      this.matchTimer.record(hrNs() - t0);
      return ok;
    }
    return this.opts.matcher(msg);
  }

  enqueue(msg: Message): void {
    const b = this.buffer;
    if (b !== null) {
      // Appended to disk; released (acknowledged upstream) right after the write.
      b.push(msg);
      return;
    }
    if (!this.queue.push(msg)) this.env.router.markFull(this);
    this.wake();
  }

  /**
   * Opens the disk queue (buffered consumers). Throws Heka's "can't initialize buffer" error when
   * the queue directory or its files cannot be used; the pipeline then does not start the plugin.
   */
  protected openBuffer(): void {
    if (this.buffer === null) return;
    try {
      this.buffer.open();
    } catch (err) {
      throw new Error(`can't initialize buffer: ${(err as Error).message}`);
    }
  }

  /** Make sure a drain pass is coming. */
  protected abstract wake(): void;

  protected startTicker(tick: (nowNs: number) => void): void {
    if (this.opts.tickerInterval > 0) {
      this.ticker = this.env.clock.interval(() => tick(this.env.clock.nowNs()), this.opts.tickerInterval * 1000);
    }
  }

  protected stopTicker(): void {
    this.ticker?.cancel();
    this.ticker = null;
  }

  /**
   * Runner fields for the self-report (dashboard.md §3.1). Heka's MatchChanCapacity,
   * MatchChanLength and LeakCount are left out, not faked: hekad matches synchronously in the
   * router, so there is no match channel between router and matcher, and messages are reference
   * counted rather than drawn from a pack pool, so no pack can idle past max_pack_idle unnoticed
   * (an output's unacknowledged messages show as InFlight).
   */
  runnerReport(): ReportField[] {
    const b = this.buffer;
    return [
      { name: 'InChanCapacity', value: this.queue.capacity, representation: 'count' },
      { name: 'InChanLength', value: b !== null ? b.queue.inFlight : this.queue.length, representation: 'count' },
      { name: 'MatchAvgDuration', value: this.matchTimer.avgNs, representation: 'ns' },
      { name: 'ProcessMessageCount', value: this.processed, representation: 'count' },
      { name: 'ProcessMessageFailures', value: this.errors.count, representation: 'count' },
      ...(b !== null ? b.report(this.env.clock.nowMs()) : []),
    ];
  }

  abstract report(): ReportField[];
  abstract start(): void;
  /** Drain the queue, let the plugin finish, stop timers. */
  abstract stop(): Promise<void>;
}
