/**
 * LogstreamerInput -> PayloadEncoder -> FileOutput over a large generated nginx log, with the real
 * hekad as a child process: MiB/s from start until the output holds every byte, and the peak RSS
 * (VmHWM) of the daemon.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateLog, runHekadUntilWritten } from './nginx-log.js';


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
  const { seconds, peakRssMiB } = await runHekadUntilWritten(config, out, bytes);
  rmSync(root, { recursive: true, force: true });
  return { bytes, seconds, mibPerSec: bytes / 2 ** 20 / seconds, peakRssMiB };
}
