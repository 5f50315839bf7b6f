/**
 * LogstreamerInput -> PayloadEncoder -> FileOutput over a large generated nginx log, with the real
 * hekad as a child process: MiB/s from start until the output holds every byte, and the peak RSS
 * (VmHWM) of the daemon.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const HEKAD = new URL('../../../bin/hekad.js', import.meta.url).pathname;

function generateLog(path: string, bytes: number): number {
  const fd = openSync(path, 'w');
  const ips = ['10.1.2.3', '192.168.0.17', '172.16.99.4', '203.0.113.250'];
  const paths = ['/', '/index.html', '/api/v1/items?id=', '/static/app.min.js', '/login'];
  let written = 0;
  let i = 0;
  while (written < bytes) {
    let chunk = '';
    for (let k = 0; k < 5000; k++, i++) {
      chunk += `${ips[i & 3]} - - [10/Feb/2014:16:${String((i >> 10) % 60).padStart(2, '0')}:41 +0000] "GET ${paths[i % 5]}${i} HTTP/1.1" ${i % 17 === 0 ? 404 : 200} ${i % 9000} "-" "Mozilla/5.0 (X11; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0"\n`;
    }
    written += writeSync(fd, chunk);
  }
  closeSync(fd);
  return written;
}

function peakRssKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export async function benchLogfilePipeline(sizeMiB = 1024): Promise<{ bytes: number; seconds: number; mibPerSec: number; peakRssMiB: number }> {
  const root = join(tmpdir(), `hekad-bench-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'logs'), { recursive: true });
  const bytes = generateLog(join(root, 'logs', 'access.log'), sizeMiB * 1024 * 1024);
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
