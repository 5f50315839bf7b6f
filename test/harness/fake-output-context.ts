/**
 * A fake OutputContext for output unit tests: encode() applies the given encoder (and Heka framing
 * when asked), as the output runner does; ack() and reportError() are recorded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { frameRecord } from '../../src/core/framing.js';
import type { Message } from '../../src/core/message.js';
import { Logger } from '../../src/log/logger.js';
import type { Encoder, GlobalConfig, OutputContext, PluginDefinition, ReportRecord } from '../../src/plugin-api/index.js';
import { MemorySink, defaultGlobals } from './fake-context.js';

export interface FakeOutputOptions {
  name?: string;
  typeName?: string;
  encoder?: Encoder | null;
  useFraming?: boolean;
  clock?: Clock;
  globals?: Partial<GlobalConfig>;
  /** What ctx.currentReport() returns (default: no records). */
  report?: () => ReportRecord[];
}

export interface FakeOutputContext extends OutputContext {
  readonly acked: Message[];
  readonly errors: Array<{ err: unknown; stage: string }>;
  readonly logSink: MemorySink;
  /** Resolves once `n` messages in total were acknowledged. */
  waitForAcks(n: number, timeoutMs?: number): Promise<void>;
}

export function fakeOutputContext(opts: FakeOutputOptions = {}): FakeOutputContext {
  const acked: Message[] = [];
  const errors: Array<{ err: unknown; stage: string }> = [];
  const logSink = new MemorySink();
  const globals = { ...defaultGlobals, ...opts.globals };
  let waiters: Array<{ n: number; resolve: () => void }> = [];
  const name = opts.name ?? 'test_output';
  const ctx: FakeOutputContext = {
    name,
    typeName: opts.typeName ?? 'TestOutput',
    log: new Logger(logSink, 0, `Plugin '${name}'`),
    clock: opts.clock ?? systemClock,
    globals,
    acked,
    errors,
    logSink,
    reportError(err: unknown, stage: string) {
      errors.push({ err, stage });
    },
    encode(msg: Message): Buffer | null {
      const enc = opts.encoder;
      if (!enc) return null;
      const out = enc.encode(msg);
      if (out === null) return null;
      const bytes = typeof out === 'string' ? Buffer.from(out) : out;
      return opts.useFraming ? frameRecord(bytes, undefined, globals.max_message_size) : bytes;
    },
    currentReport() {
      return opts.report ? opts.report() : [];
    },
    ack(msg: Message) {
      acked.push(msg);
      msg.ackTarget?.settle(msg.ackSeq);
      if (waiters.length) {
        const ready = waiters.filter((w) => acked.length >= w.n);
        waiters = waiters.filter((w) => acked.length < w.n);
        for (const w of ready) w.resolve();
      }
    },
    waitForAcks(n: number, timeoutMs = 5000): Promise<void> {
      if (acked.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${n} acks (got ${acked.length})`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
  };
  return ctx;
}

/**
 * Load a plugin folder's sample.toml and validate its first section against the definition's full
 * schema (common options included). Returns the validated config; throws listing every error.
 */
export async function validateSample(
  def: PluginDefinition,
  samplePath: string,
): Promise<Record<string, unknown>> {
  const { parse } = await import('smol-toml');
  const { readFileSync } = await import('node:fs');
  const { IssueSink, validateTable } = await import('../../src/config/validate.js');
  const { sectionSchema } = await import('../../src/config/common.js');
  const doc = parse(readFileSync(samplePath, 'utf8')) as Record<string, Record<string, unknown>>;
  const [name, raw] = Object.entries(doc)[0]!;
  const sink = new IssueSink(samplePath, [], []);
  const config = validateTable(sectionSchema(def), raw, sink, name, { ignore: new Set(['type']) });
  if (sink.errors.length > 0) throw new Error(sink.errors.map((e) => e.message).join('\n'));
  const extra = def.validate?.(config, { ...defaultGlobals }) ?? [];
  if (extra.length > 0) throw new Error(extra.map((e) => `${e.option}: ${e.reason}`).join('\n'));
  return config;
}

/**
 * Absolute path of a file under the Heka 0.10 golden captures (spec/golden/): $HEKA_GOLDEN, else
 * the shared/ folder beside the checkout (as CI lays it out), else /work/shared.
 */
export function goldenPath(rel: string): string {
  return join(goldenRoot(), rel);
}

let cachedGoldenRoot: string | undefined;
function goldenRoot(): string {
  if (cachedGoldenRoot !== undefined) return cachedGoldenRoot;
  const repo = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/harness -> repo root
  const candidates = [
    process.env['HEKA_GOLDEN'],
    join(repo, '../shared/spec/golden'),
    join(repo, 'shared/spec/golden'),
    '/work/shared/spec/golden',
  ];
  cachedGoldenRoot = candidates.find((c) => c !== undefined && existsSync(c)) ?? '/work/shared/spec/golden';
  return cachedGoldenRoot;
}
