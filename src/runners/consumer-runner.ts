/**
 * What filter and output runners share: the signer check and matcher (timed by sampling), the
 * bounded queue between router and plugin, drain scheduling, the ticker and the counters.
 */
import type { Message } from '../core/message.js';
import type { PluginContext, ReportField } from '../plugin-api/index.js';
import type { RouteTarget } from '../pipeline/router.js';
import { ErrorReporter, type RunnerEnv } from './runner-env.js';
import { SampleTimer, hrNs } from './match-timer.js';
import { MessageQueue } from './queue.js';

export type Matcher = (msg: Message) => boolean;

export interface ConsumerOptions {
  name: string;
  typeName: string;
  matcher: Matcher;
  messageSigner?: string;
  tickerInterval: number;
  queueCapacity: number;
  canExit: boolean;
}

export abstract class ConsumerRunner implements RouteTarget {
  readonly name: string;
  readonly queue: MessageQueue;
  readonly matchTimer: SampleTimer;
  readonly errors: ErrorReporter;
  /** Messages handed to the plugin. */
  processed = 0;
  protected scheduled = false;
  protected stopping = false;
  private ticker: NodeJS.Timeout | null = null;
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
    this.baseCtx = {
      name: opts.name,
      typeName: opts.typeName,
      log,
      clock: env.clock,
      globals: env.globals,
      reportError: (err, stage) => this.errors.report(err, stage),
    };
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
    if (!this.queue.push(msg)) this.env.router.markFull(this);
    this.wake();
  }

  /** Make sure a drain pass is coming. */
  protected abstract wake(): void;

  protected startTicker(tick: (nowNs: number) => void): void {
    if (this.opts.tickerInterval > 0) {
      this.ticker = setInterval(() => tick(this.env.clock.nowNs()), this.opts.tickerInterval * 1000);
    }
  }

  protected stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }

  /** Runner fields for the self-report (dashboard.md §3.1). */
  runnerReport(): ReportField[] {
    return [
      { name: 'InChanCapacity', value: this.queue.capacity, representation: 'count' },
      { name: 'InChanLength', value: this.queue.length, representation: 'count' },
      { name: 'MatchChanCapacity', value: this.queue.capacity, representation: 'count' },
      { name: 'MatchChanLength', value: 0, representation: 'count' },
      { name: 'LeakCount', value: 0, representation: 'count' },
      { name: 'MatchAvgDuration', value: this.matchTimer.avgNs, representation: 'ns' },
      { name: 'ProcessMessageCount', value: this.processed, representation: 'count' },
      { name: 'ProcessMessageFailures', value: this.errors.count, representation: 'count' },
    ];
  }

  abstract report(): ReportField[];
  abstract start(): void;
  /** Drain the queue, let the plugin finish, stop timers. */
  abstract stop(): Promise<void>;
}
