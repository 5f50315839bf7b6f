/**
 * A fake OutputContext for output unit tests that call a plugin directly: encode() applies the
 * given encoder (and Heka framing when asked), as the output runner does; reportError() and
 * requestFlush() are recorded. Tests of delivery (batches, retries, acks) use output-harness.ts.
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
  readonly errors: Array<{ err: unknown; stage: string }>;
  readonly logSink: MemorySink;
  /** How many times the plugin asked for a flush. */
  readonly flushRequests: number;
}

export function fakeOutputContext(opts: FakeOutputOptions = {}): FakeOutputContext {
  const errors: Array<{ err: unknown; stage: string }> = [];
  const logSink = new MemorySink();
  const globals = { ...defaultGlobals, ...opts.globals };
  const name = opts.name ?? 'test_output';
  let flushRequests = 0;
  const ctx: FakeOutputContext = {
    name,
    typeName: opts.typeName ?? 'TestOutput',
    log: new Logger(logSink, 0, `Plugin '${name}'`),
    clock: opts.clock ?? systemClock,
    globals,
    errors,
    logSink,
    get flushRequests() {
      return flushRequests;
    },
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
    requestFlush() {
      flushRequests++;
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
