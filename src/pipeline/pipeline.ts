/**
 * Turns a validated configuration into running runners, and stops them in Heka's order.
 * Startup: outputs, filters, router, inputs. Shutdown: inputs stop, filters drain, outputs drain
 * and flush, then inputs persist their positions (journals), so every journal entry names only
 * data that the outputs have durably handled (DESIGN.md §3).
 */
import { hostname as osHostname } from 'node:os';
import { systemClock, type Clock } from '../core/clock.js';
import { Message, newUuid } from '../core/message.js';
import { frameRecord } from '../core/framing.js';
import type { LoadedConfig, PluginSection } from '../config/index.js';
import { Logger } from '../log/logger.js';
import { compileMatcher } from '../matcher/index.js';
import type {
  Decoder,
  Encoder,
  GlobalConfig,
  Input,
  InputDefinition,
  SplitterChoice,
  Output,
  PluginContext,
  Splitter,
  SplitterCommonOptions,
  DecoderDefinition,
  SplitterDefinition,
} from '../plugin-api/index.js';
import { FilterRunner } from '../runners/filter-runner.js';
import { InputRunner } from '../runners/input-runner.js';
import { OutputRunner } from '../runners/output-runner.js';
import { ErrorReporter, type RunnerEnv } from '../runners/runner-env.js';
import { DEFAULT_MAX_FILE_SIZE } from '../config/common.js';
import type { Matcher } from '../runners/consumer-runner.js';
import { checkBufferSettings, type BufferSettings } from '../buffering/message-buffer.js';
import { reportJson, reportText } from '../telemetry/report.js';
import { instanceName, TelemetryRegistry } from '../telemetry/registry.js';
import type { ReportRecord } from '../plugin-api/index.js';
import { Router } from './router.js';
import { registry } from '../plugins/index.js';
import { applyDefaults } from '../config/validate.js';

/** A problem found while building, located like a config error. */
export interface BuildIssue {
  file: string;
  section: string;
  option: string;
  reason: string;
}

export function formatIssue(i: BuildIssue): string {
  return `${i.file}: [${i.section}]${i.option ? ' ' + i.option : ''}: ${i.reason}`;
}

export interface PipelineOptions {
  log?: Logger;
  clock?: Clock;
  /** How long an output may take to drain at shutdown before its messages are left unacknowledged. */
  stopTimeoutMs?: number;
  /**
   * Stand-ins for plugin instances (the in-memory pipeline's seam): called for every input and
   * output section instead of creating its plugin; `real()` creates the real instance (null when
   * that failed, with the issue recorded). What it returns runs in the section's runner, so
   * matching, queues, encoders, acknowledgements and tickers are the real ones.
   */
  substitute?: {
    input?(section: PluginSection, real: () => Input | null): Input | null;
    output?(section: PluginSection, real: () => Output | null): Output | null;
  };
}

/** Queue capacity in messages per plugin: Heka's plugin_chansize counts packs handed over one at a
 * time between goroutines; hekad hands messages over in batches on one thread, so each queue holds
 * plugin_chansize batches of this many messages. */
const MESSAGES_PER_CHAN_SLOT = 64;
/** Messages a manualAck output may hold before acknowledging (bounded memory). */
const MAX_IN_FLIGHT = 25_000;

export class Pipeline {
  readonly router = new Router();
  readonly inputs: InputRunner[] = [];
  readonly filters: FilterRunner[] = [];
  readonly outputs: OutputRunner[] = [];
  readonly log: Logger;
  readonly clock: Clock;
  /** Every component's report record; collectReport(), the SIGUSR1 text and heka.all-report read it. */
  readonly telemetry = new TelemetryRegistry();
  private stopping: Promise<number> | null = null;
  private exitCode = 0;
  /** Resolves with the process exit code once the pipeline has shut down. */
  readonly finished: Promise<number>;
  private finish!: (code: number) => void;
  private readonly env: RunnerEnv;

  private constructor(
    readonly config: LoadedConfig,
    opts: PipelineOptions,
  ) {
    this.log = opts.log ?? new Logger(undefined, config.globals.log_flags);
    this.clock = opts.clock ?? systemClock;
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.env = {
      router: this.router,
      globals: config.globals,
      log: this.log,
      clock: this.clock,
      telemetry: this.telemetry,
      fatal: (reason) => {
        this.log.error(reason);
        this.exitCode = 1;
        void this.stop();
      },
    };
    // The router has no inbound channel (inputs route synchronously), so Heka's Router
    // InChanCapacity/InChanLength have nothing to measure and are left out; hekad has no pack
    // pool either, hence no inputRecycleChan/injectRecycleChan records.
    this.telemetry.register('globals', 'Router', () => [
      { name: 'ProcessMessageCount', value: this.router.processed, representation: 'count' },
    ]);
  }

  /** Instantiate every plugin; returns the issues instead of a pipeline when anything is wrong. */
  static build(config: LoadedConfig, opts: PipelineOptions = {}): { pipeline: Pipeline | null; issues: BuildIssue[] } {
    const p = new Pipeline(config, opts);
    const issues: BuildIssue[] = [];
    const byName = new Map(config.sections.map((s) => [s.name, s]));
    const stopTimeoutMs = opts.stopTimeoutMs ?? 30_000;

    const issue = (s: PluginSection, option: string, reason: string) =>
      issues.push({ file: s.file, section: s.name, option, reason });
    const ctxFor = (name: string, typeName: string, label: string): PluginContext => {
      const log = p.log.child(`${label} '${name}'`);
      const errors = new ErrorReporter(log, p.clock);
      return {
        name,
        typeName,
        log,
        clock: p.clock,
        globals: config.globals,
        reportError: (err, stage) => errors.report(err, stage),
      };
    };
    const create = <T>(s: PluginSection, name: string, label: string): T | null => {
      try {
        return s.def.create(s.config, ctxFor(name, s.type, label)) as T;
      } catch (err) {
        issue(s, '', `initialisation failed: ${(err as Error)?.message ?? err}`);
        return null;
      }
    };
    const matcherFor = (s: PluginSection): Matcher | null => {
      const expr = s.common.message_matcher ?? ('defaultMatcher' in s.def ? s.def.defaultMatcher : undefined);
      if (expr === undefined || expr === '') {
        issue(s, 'message_matcher', `'${s.name}' missing message matcher`);
        return null;
      }
      try {
        return compileMatcher(expr);
      } catch (err) {
        issue(s, 'message_matcher', `Can't create message matcher for '${s.name}': ${(err as Error).message}`);
        return null;
      }
    };
    const refSection = (s: PluginSection, option: string, ref: string, kind: PluginSection['kind']) => {
      const target = byName.get(ref);
      if (target === undefined || target.kind !== kind) {
        const known = config.sections.filter((x) => x.kind === kind).map((x) => x.name);
        issue(s, option, `no ${kind} section named '${ref}'${known.length ? ` (defined: ${known.join(', ')})` : ''}`);
        return null;
      }
      return target;
    };
    const queueCapacity = Math.max(1, config.globals.plugin_chansize) * MESSAGES_PER_CHAN_SLOT;
    /** `use_buffering` -> the resolved queue settings (config.md §6.1), or null. */
    const bufferingFor = (s: PluginSection): BufferSettings | null => {
      if (!s.common.use_buffering) return null;
      const b = s.common.buffering;
      const settings: BufferSettings = {
        max_file_size: b.max_file_size || DEFAULT_MAX_FILE_SIZE,
        max_buffer_size: b.max_buffer_size,
        full_action: b.full_action || 'shutdown',
        cursor_update_count: Math.max(1, b.cursor_update_count),
      };
      const why = checkBufferSettings(settings, config.globals.max_message_size);
      if (why !== null) {
        issue(s, 'buffering', `${s.kind === 'filter' ? 'Filter' : 'Output'} '${s.name}' failed to start: can't initialize buffer: ${why}`);
        return null;
      }
      return settings;
    };
    const hostname = config.globals.hostname || osHostname();

    for (const s of config.sections) {
      const c = s.common;
      switch (s.kind) {
        case 'output': {
          const matcher = matcherFor(s);
          let encoder: Encoder | null = null;
          let encoderType = '';
          if (c.encoder) {
            const es = refSection(s, 'encoder', c.encoder, 'encoder');
            if (es) {
              const encName = instanceName(s.name, es.name);
              encoder = create<Encoder>(es, encName, 'Encoder');
              encoderType = es.type;
              if (encoder) {
                const enc = encoder;
                p.telemetry.register('encoders', encName, () => enc.report?.() ?? []);
              }
            }
          } else if ('encoderRequired' in s.def && s.def.encoderRequired) {
            issue(s, 'encoder', 'Encoder required.');
          }
          const realOutput = () => create<Output>(s, s.name, 'Plugin');
          const plugin = opts.substitute?.output ? opts.substitute.output(s, realOutput) : realOutput();
          if (matcher === null || plugin === null || (c.encoder && encoder === null)) break;
          const useFraming = c.use_framing ?? encoderType === 'ProtobufEncoder';
          p.outputs.push(
            new OutputRunner(
              p.env,
              {
                name: s.name,
                typeName: s.type,
                matcher,
                messageSigner: c.message_signer || undefined,
                tickerInterval: c.ticker_interval,
                queueCapacity,
                canExit: c.can_exit ?? false,
                buffering: bufferingFor(s),
                encoder,
                frame: useFraming ? (b) => frameRecord(b) : null,
                retries: c.retries,
                maxInFlight: MAX_IN_FLIGHT,
                stopTimeoutMs,
              },
              plugin,
            ),
          );
          break;
        }
        case 'filter': {
          const matcher = matcherFor(s);
          const plugin = create<import('../plugin-api/index.js').Filter>(s, s.name, 'Plugin');
          if (matcher === null || plugin === null) break;
          const defCanExit = 'defaultCanExit' in s.def ? s.def.defaultCanExit : undefined;
          p.filters.push(
            new FilterRunner(
              p.env,
              {
                name: s.name,
                typeName: s.type,
                matcher,
                messageSigner: c.message_signer || undefined,
                tickerInterval: c.ticker_interval,
                queueCapacity,
                canExit: c.can_exit ?? defCanExit ?? false,
                buffering: bufferingFor(s),
              },
              plugin,
            ),
          );
          break;
        }
        case 'input': {
          let decoder: { name: string; instance: Decoder; reportName: string; perStream?: () => Decoder } | null = null;
          if (c.decoder) {
            const ds = refSection(s, 'decoder', c.decoder, 'decoder');
            if (ds) {
              const decoderName = `${s.name}-${ds.name}`;
              const inst = create<Decoder>(ds, decoderName, 'Decoder');
              const perStream = (ds.def as DecoderDefinition).perStream
                ? () => ds.def.create(ds.config, ctxFor(decoderName, ds.type, 'Decoder')) as Decoder
                : undefined;
              // The shared instance's record takes the name Heka gives the first stream's decoder
              // (`-1`, as the golden shows). Per-stream instances should register their own records
              // with their tokens (not done yet).
              if (inst) decoder = { name: ds.name, instance: inst, reportName: instanceName(s.name, ds.name, 1), perStream };
            }
          }
          const splitterName = c.splitter || ('defaultSplitter' in s.def && s.def.defaultSplitter) || 'NullSplitter';
          const ss = refSection(s, 'splitter', splitterName, 'splitter');
          const chosen = chosenSplitter(s, config.globals, ctxFor(`${s.name}-splitter`, 'Splitter', 'Splitter'), (option, reason) =>
            issue(s, option, reason),
          );
          let count = 0;
          const newSplitter = (): Splitter => {
            count++;
            const name = instanceName(s.name, ss!.name, count);
            const splitter = chosen != null
              ? chosen.create(ctxFor(name, chosen.type, 'Splitter'))
              : (ss!.def.create(ss!.config, ctxFor(name, ss!.type, 'Splitter')) as Splitter);
            // Splitters report their name only (Heka's splitter runners have no fields).
            p.telemetry.register('splitters', name);
            return splitter;
          };
          const sc = ss?.common;
          const sdef = ss?.def as SplitterDefinition | undefined;
          const splitterOptions: SplitterCommonOptions = {
            keep_truncated: sc?.keep_truncated ?? false,
            use_message_bytes: sc?.use_message_bytes ?? (sdef?.commonDefaults?.use_message_bytes as boolean) ?? false,
            min_buffer_size: sc?.min_buffer_size ?? (sdef?.commonDefaults?.min_buffer_size as number) ?? 8192,
            deliver_incomplete_final: sc?.deliver_incomplete_final ?? false,
            maxRecordSize: 3 + 255 + config.globals.max_message_size,
          };
          const realInput = () => create<Input>(s, s.name, 'Input');
          const plugin = opts.substitute?.input ? opts.substitute.input(s, realInput) : realInput();
          if (plugin === null || ss === null || chosen === undefined || (c.decoder && decoder === null)) break;
          p.inputs.push(
            new InputRunner(
              p.env,
              {
                name: s.name,
                typeName: s.type,
                canExit: c.can_exit ?? false,
                hostname: typeof s.config.hostname === 'string' && s.config.hostname ? s.config.hostname : hostname,
                baseDir: config.globals.base_dir,
                decoder,
                sendDecodeFailures: c.send_decode_failures,
                logDecodeFailures: c.log_decode_failures,
                newSplitter,
                splitterOptions,
                retries: c.retries,
                tickerInterval: c.ticker_interval,
                findInput: (name) => p.inputs.find((r) => r.name === name)?.plugin,
              },
              plugin,
            ),
          );
          break;
        }
        default:
          // Splitters, decoders and encoders are templates instantiated per user above.
          break;
      }
    }
    return issues.length ? { pipeline: null, issues } : { pipeline: p, issues };
  }

  /** A one-line summary of what would run (for -check). */
  describe(): string[] {
    return [
      ...this.inputs.map((r) => `input   ${r.name} (${r.ctx.typeName})`),
      ...this.filters.map((r) => `filter  ${r.name} (${r.ctx.typeName})`),
      ...this.outputs.map((r) => `output  ${r.name} (${r.ctx.typeName})`),
    ];
  }

  start(): void {
    this.log.info('Starting hekad...');
    const failed = new Set<unknown>();
    const startOne = (r: OutputRunner | FilterRunner, label: string): boolean => {
      try {
        r.start();
        return true;
      } catch (err) {
        // A buffer that cannot be opened (transport.md §10.1): the plugin does not run.
        failed.add(r);
        const reason = `${label} '${r.name}' failed to start: ${(err as Error).message}`;
        if (r.canExit) this.log.error(reason);
        else this.env.fatal(reason);
        return false;
      }
    };
    for (const o of this.outputs) {
      if (startOne(o, 'Output')) this.log.info(`Output started: ${o.name}`);
    }
    for (const f of this.filters) {
      if (!startOne(f, 'Filter')) continue;
      this.router.add(f);
      this.log.info(`Filter started: ${f.name}`);
    }
    for (const o of this.outputs) if (!failed.has(o)) this.router.add(o);
    this.log.info('MessageRouter started.');
    for (const i of this.inputs) {
      i.start();
      this.log.info(`Input started: ${i.name}`);
    }
  }

  /** Orderly shutdown; resolves with the exit code. Safe to call more than once. */
  stop(): Promise<number> {
    if (this.stopping === null) this.stopping = this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<number> {
    this.log.info('Shutdown initiated.');
    await Promise.all(
      this.inputs.map(async (i) => {
        this.log.info(`Stop message sent to input '${i.name}'`);
        await i.stop();
      }),
    );
    this.log.info('Waiting for decoders shutdown');
    this.log.info('Decoders shutdown complete');
    for (const f of this.filters) {
      this.router.remove(f);
      await f.stop();
      this.log.info(`Plugin '${f.name}': stopped`);
    }
    await Promise.all(
      this.outputs.map(async (o) => {
        await o.stop();
        this.router.remove(o);
        this.log.info(`Plugin '${o.name}': stopped`);
        this.log.info(`Stop message sent to output '${o.name}'`);
      }),
    );
    await Promise.all(this.inputs.map((i) => i.finalize()));
    this.log.info('Shutdown complete.');
    this.finish(this.exitCode);
    return this.exitCode;
  }

  /** Every component's statistics as of now (the telemetry registry's records). */
  collectReport(): ReportRecord[] {
    return this.telemetry.collect();
  }

  /** The SIGUSR1 text (dashboard.md §3.4); hekad writes it to stderr through the error logger. */
  reportText(): string {
    return reportText(this.collectReport());
  }

  /** The `heka.all-report` payload: the report JSON plus the trailing newline Go's encoder writes. */
  reportJson(): string {
    return reportJson(this.collectReport()) + '\n';
  }

  /** Build and route a `heka.all-report` message (DashboardOutput ticks call this). */
  injectReport(): void {
    const m = new Message();
    m.uuid = newUuid();
    m.timestamp = this.clock.nowNs();
    m.type = 'heka.all-report';
    m.logger = 'hekad';
    m.payload = this.reportJson();
    m.hostname = this.config.globals.hostname;
    m.pid = process.pid;
    this.router.route(m);
  }
}

/**
 * The splitter an input's own options choose (InputDefinition.splitterFromOptions), checked now:
 * null when the input uses its configured splitter, undefined (with the issue reported) when the
 * choice is invalid.
 */
function chosenSplitter(
  s: PluginSection,
  globals: GlobalConfig,
  checkCtx: PluginContext,
  issue: (option: string, reason: string) => void,
): { type: string; create(ctx: PluginContext): Splitter } | null | undefined {
  const def = s.def as InputDefinition;
  let choice: SplitterChoice | null;
  try {
    choice = def.splitterFromOptions?.(s.config) ?? null;
  } catch (err) {
    issue('', (err as Error).message);
    return undefined;
  }
  if (choice === null) return null;
  const sdef = registry.get(choice.type);
  if (sdef === undefined || sdef.kind !== 'splitter') {
    issue(choice.option, `no splitter type '${choice.type}'`);
    return undefined;
  }
  const config = { ...applyDefaults(sdef.options), ...choice.config };
  for (const [key, value] of Object.entries(choice.config)) {
    const why = sdef.options[key]?.check?.(value);
    if (why !== undefined) {
      issue(choice.option, why);
      return undefined;
    }
  }
  const problems = sdef.validate?.(config, globals) ?? [];
  if (problems.length > 0) {
    issue(choice.option, problems.map((x) => x.reason).join('; '));
    return undefined;
  }
  const create = (ctx: PluginContext): Splitter => sdef.create(config, ctx) as Splitter;
  try {
    create(checkCtx); // constructors check what the schema cannot (a regex compiles)
  } catch (err) {
    issue(choice.option, (err as Error).message);
    return undefined;
  }
  return { type: choice.type, create };
}
