/**
 * Spawns the real `hekad` (bin/hekad.js) as a child process for end-to-end tests, collects its
 * output and offers waits with deadlines, so a broken daemon fails a test instead of hanging it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const HEKAD_BIN = join(REPO_ROOT, 'bin/hekad.js');

export function tempDir(prefix = 'hekad-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const live = new Set<HekadProcess>();
// A test that fails by assertion leaves its daemon running; the file's root `after` hook ends it,
// so the test runner is not kept waiting.
after(() => {
  for (const p of live) p.kill();
});
// Whatever happens to a test, no daemon outlives the test file.
process.on('exit', () => {
  for (const p of live) p.kill();
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const p of live) p.kill();
    process.exit(1);
  });
}

export class HekadProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], opts: SpawnOptions = {}) {
    this.child = spawn(process.execPath, [HEKAD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.child.stdout!.on('data', (d) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  /** Kill the daemon at once (a failed test must not leave it running and keep the runner waiting). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Waits until `pred(this)` holds, polling every 20 ms; throws with the output after `ms`. */
  async waitFor(pred: (p: HekadProcess) => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`Timed out after ${ms} ms waiting for ${what}.\n--- stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`);
      }
      if (this.child.exitCode !== null) {
        throw new Error(`hekad exited (${this.child.exitCode}) while waiting for ${what}.\n--- stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGINT', ms = 30_000): Promise<number | null> {
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Runs hekad to completion (e.g. -version, -check) and returns its output. */
export async function runHekad(args: string[], opts: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new HekadProcess(args, opts);
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** Lines of LogOutput/hekad stdout with Heka's `YYYY/MM/DD HH:MM:SS ` prefix removed. */
export function stripPrefix(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} /, ''));
}
