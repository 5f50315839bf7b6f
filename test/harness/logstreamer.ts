/** Shared helpers of the LogstreamerInput tests (kept out of the plugin folder: they build on other plugins). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginContext } from '../../src/plugin-api/index.js';
import { fakeInputContext, type FakeInputContext, type FakeInputOptions } from './fake-context.js';
import { TokenSplitter } from '../../src/plugins/splitters/token/token-splitter.js';
import type { OptionSpec } from '../../src/plugin-api/index.js';
import { logstreamerOptions, type LogstreamerConfig } from '../../src/plugins/inputs/logstreamer/config.js';
import { LogstreamerInput } from '../../src/plugins/inputs/logstreamer/logstreamer-input.js';

export function tempDir(prefix = 'hekad-ls-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A config with every schema default applied, then `over`. */
export function lsConfig(over: Partial<LogstreamerConfig>): LogstreamerConfig {
  const cfg: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(logstreamerOptions)) cfg[k] = structuredClone((spec as OptionSpec).default);
  return { ...(cfg as unknown as LogstreamerConfig), check_data_interval: 10, ...over };
}

export interface Harness {
  input: LogstreamerInput;
  ctx: FakeInputContext;
  done: Promise<void>;
  /** Abort, wait for run() and finalize(). */
  stop(): Promise<void>;
}

export function startInput(name: string, config: LogstreamerConfig, baseDir: string, opts: FakeInputOptions = {}): Harness {
  const ctx = fakeInputContext({ name, baseDir, globals: { base_dir: baseDir }, splitter: () => new TokenSplitter(), ...opts });
  const input = new LogstreamerInput(config, ctx as PluginContext);
  const done = input.run(ctx);
  return {
    input,
    ctx,
    done,
    async stop() {
      ctx.abort();
      await done;
      await input.finalize();
    },
  };
}

export function payloads(ctx: FakeInputContext): string {
  return ctx.messages.map((m) => m.payload).join('');
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every 5 ms until it holds (or fail after timeoutMs). */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
