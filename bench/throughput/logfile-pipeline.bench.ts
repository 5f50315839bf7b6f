/**
 * LogstreamerInput -> PayloadEncoder -> FileOutput over a large generated nginx log, with the real
 * hekad as a child process: MiB/s from start until the output holds every byte, and the peak RSS
 * (VmHWM) of the daemon.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateLog, peakRssKiB } from './nginx-log.js';

const HEKAD = new URL('../../../bin/hekad.js', import.meta.url).pathname;

export async function benchLogfilePipeline(sizeMiB = 1024): Promise<{ bytes: number; seconds: number; mibPerSec: number; peakRssMiB: number }> {
  const root = join(tmpdir(), `hekad-bench-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'logs'), { recursive: true });
  const { bytes } = generateLog(join(root, 'logs', 'access.log'), sizeMiB * 1024 * 1024);
  const out = join(root, 'out.log');
  const config = join(root, 'bench.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${join(root, 'cache')}"

[nginx_access_logs]
type = "LogstreamerInput"
log_directory = "${join(root, 'logs')}"
file_match = 'access\\.log'

[PayloadEncoder]
append_newlines = false

[out]
type = "FileOutput"
message_matcher = "Type == 'logfile'"
path = "${out}"
encoder = "PayloadEncoder"
flush_operator = "OR"
flush_count = 10000
flush_interval = 1000
`,
  );
  const t0 = process.hrtime.bigint();
  // Run as users do: the executable with its shebang (and its V8 flags).
  const child = spawn(HEKAD, [`-config=${config}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    peak = Math.max(peak, peakRssKiB(child.pid!));
    let size = 0;
    try {
      size = statSync(out).size;
    } catch {
      /* not yet */
    }
    if (size >= bytes) break;
    if (child.exitCode !== null) throw new Error(`hekad exited early with ${child.exitCode}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  peak = Math.max(peak, peakRssKiB(child.pid!));
  child.kill('SIGINT');
  await new Promise((r) => child.on('close', r));
  rmSync(root, { recursive: true, force: true });
  return { bytes, seconds, mibPerSec: bytes / 2 ** 20 / seconds, peakRssMiB: peak / 1024 };
}
