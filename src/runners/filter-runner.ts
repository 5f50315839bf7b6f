/**
 * Runs one filter: drains its queue synchronously in slices, acknowledges each message on receipt
 * (a filter's state is covered by preserve_data, DESIGN.md §3), fires its ticker and routes what
 * it injects, with Heka's loop protection (max_message_loops, no injecting to itself).
 */
import { FieldType, Message, newUuid } from '../core/message.js';
import type { Filter, FilterContext, ReportField } from '../plugin-api/index.js';
import { release } from './ack.js';
import { BUFFERED_STOP_DRAIN_MS, ConsumerRunner, type ConsumerOptions } from './consumer-runner.js';
import type { RunnerEnv } from './runner-env.js';

/** Messages handled per drain pass before yielding to the event loop. */
const SLICE = 2048;

/** The declared back-pressure hooks (Filter.busy / Filter.drained), when the filter has both. */
type BusyFilter = Required<Pick<Filter, 'busy' | 'drained'>>;

function busyHooks(p: Filter): BusyFilter | null {
  const drained = p.drained;
  if (drained === undefined || !('busy' in p)) return null;
  return {
    get busy() {
      return p.busy === true;
    },
    drained: () => drained.call(p),
  };
}

export class FilterRunner extends ConsumerRunner {
  readonly ctx: FilterContext;
  injected = 0;
  injectRefused = 0;
  private current: Message | null = null;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private readonly busyPlugin: BusyFilter | null;

  constructor(env: RunnerEnv, opts: ConsumerOptions, readonly plugin: Filter) {
    super(env, opts, 'Plugin');
    this.busyPlugin = busyHooks(plugin);
    this.ctx = { ...this.baseCtx, inject: (m) => this.inject(m), exit: (reason, reported) => this.exit(reason, reported) };
    env.telemetry.register('filters', this.name, () => this.report());
  }

  /** True once the plugin has exited; it receives nothing more. */
  exited = false;

  private exit(reason: string, reported = false): void {
    if (this.exited) return;
    this.exited = true;
    this.env.router.remove(this);
    this.stopTicker();
    // A buffered filter's unread records stay on disk for the next start.
    if (this.buffer !== null) this.buffer.close();
    const lost = this.queue.clear();
    for (const m of lost) release(m);
    if (lost.length) this.baseCtx.log.error(`Lost/Dropped ${lost.length} messages`);
    if (!reported) {
      const m = new Message();
      m.uuid = newUuid();
      m.timestamp = this.env.clock.nowNs();
      m.type = 'heka.terminated';
      m.logger = 'hekad';
      m.hostname = this.env.globals.hostname;
      m.pid = process.pid;
      m.payload = `${this.name} (type ${this.opts.typeName}) terminated. Error: ${reason}`;
      m.addField('plugin', FieldType.STRING, this.name);
      this.env.router.route(m);
    }
    if (!this.opts.canExit) this.env.fatal(`Plugin '${this.name}' has stopped, shutting down. (${reason})`);
    else this.baseCtx.log.info(`exited: ${reason}`);
  }

  start(): void {
    this.openBuffer();
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
    if (this.buffer !== null) {
      this.drainBuffered();
      return;
    }
    this.scheduled = false;
    this.draining = true;
    const q = this.queue;
    const router = this.env.router;
    const busy = this.busyPlugin;
    const half = q.capacity >> 1;
    let n = 0;
    let msg: Message | undefined;
    while (n < SLICE && !this.exited && (msg = q.shift()) !== undefined) {
      n++;
      this.current = msg;
      this.processed++;
      try {
        this.plugin.process(msg, this.ctx);
      } catch (err) {
        this.errors.report(err, 'process_message');
      }
      release(msg);
      if (busy !== null && busy.busy) break;
      // What this filter injects must have room before it takes more work; but while this
      // filter's own queue may be the full one (above half), only draining it unblocks the router.
      if (router.blocked && q.length <= half) break;
    }
    this.current = null;
    this.draining = false;
    if (q.length > 0 && !this.exited) {
      if (busy !== null && busy.busy) void busy.drained().then(() => this.wake());
      else if (router.blocked && q.length <= half) void router.drained().then(() => this.wake());
      else this.wake();
    } else {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of w) resolve();
    }
  }

  /**
   * The buffered drain: records come from the disk queue and are acknowledged (the queue's cursor
   * moves) once process() has returned, so a restart replays only what the filter had not seen
   * (Heka's SandboxFilter never acknowledges and replays everything, transport.md §10.7).
   */
  private drainBuffered(): void {
    this.scheduled = false;
    this.draining = true;
    const q = this.buffer!.queue;
    let n = 0;
    let msg: Message | null = null;
    const pastDeadline = this.stopping && this.env.clock.nowMs() > this.drainDeadline;
    while (n < SLICE && !this.exited && !pastDeadline && (msg = q.next()) !== null) {
      n++;
      this.current = msg;
      this.processed++;
      try {
        this.plugin.process(msg, this.ctx);
      } catch (err) {
        this.errors.report(err, 'process_message');
      }
      release(msg);
      if (this.env.router.blocked) break;
      if (this.busyPlugin !== null && this.busyPlugin.busy) break;
    }
    this.current = null;
    this.draining = false;
    if (!this.exited && !pastDeadline && (n === SLICE || (msg !== null && q.readable))) {
      if (this.busyPlugin !== null && this.busyPlugin.busy) void this.busyPlugin.drained().then(() => this.wake());
      else if (this.env.router.blocked) void this.env.router.drained().then(() => this.wake());
      else this.wake();
    } else {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of w) resolve();
    }
  }

  private drainDeadline = Infinity;

  private idle(): Promise<void> {
    if (this.buffer !== null) {
      if (!this.draining && !this.scheduled && !this.buffer.queue.readable) return Promise.resolve();
      const p = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      this.wake();
      return p;
    }
    if (this.queue.length === 0 && !this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.buffer !== null && !this.exited) {
      this.drainDeadline = this.env.clock.nowMs() + BUFFERED_STOP_DRAIN_MS;
      this.buffer.flush();
    }
    if (!this.exited) await this.idle();
    this.stopTicker();
    try {
      await this.plugin.stop?.(this.ctx);
    } catch (err) {
      this.errors.report(err, 'stop');
    }
    if (this.buffer !== null && !this.exited) {
      const left = this.buffer.queue.records;
      this.buffer.close();
      if (left > 0) this.baseCtx.log.info(`${left} buffered records left in the queue for the next start.`);
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
