/** A generated nginx access log, and running the real hekad over it: shared by the throughput benches. */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';

/**
 * Write nginx "combined" lines (about 180 bytes each) to `path` until at least `bytes` bytes or
 * `maxLines` lines are written; returns the bytes and lines written.
 */
export function generateLog(path: string, bytes: number, maxLines = Infinity): { bytes: number; lines: number } {
  const fd = openSync(path, 'w');
  const ips = ['10.1.2.3', '192.168.0.17', '172.16.99.4', '203.0.113.250'];
  const paths = ['/', '/index.html', '/api/v1/items?id=', '/static/app.min.js', '/login'];
  let written = 0;
  let i = 0;
  while (written < bytes && i < maxLines) {
    let chunk = '';
    for (let k = 0; k < 5000 && i < maxLines; k++, i++) {
      chunk += `${ips[i & 3]} - - [10/Feb/2014:16:${String((i >> 10) % 60).padStart(2, '0')}:41 +0000] "GET ${paths[i % 5]}${i} HTTP/1.1" ${i % 17 === 0 ? 404 : 200} ${i % 9000} "-" "Mozilla/5.0 (X11; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0"\n`;
    }
    written += writeSync(fd, chunk);
  }
  closeSync(fd);
  return { bytes: written, lines: i };
}

/** VmHWM of a process in KiB (0 when it cannot be read). */
export function peakRssKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const HEKAD = new URL('../../../bin/hekad.js', import.meta.url).pathname;

/**
 * Runs the real hekad (the executable with its shebang and V8 flags, as users do) on `config`
 * until `out` holds `bytes` bytes; returns the seconds that took and the daemon's peak RSS.
 */
export async function runHekadUntilWritten(config: string, out: string, bytes: number): Promise<{ seconds: number; peakRssMiB: number }> {
  const t0 = process.hrtime.bigint();
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
  return { seconds, peakRssMiB: peak / 1024 };
}
