/**
 * Raw read + split + message-build throughput of LogstreamerInput over a generated nginx-like log,
 * with a deliver() that acknowledges at once. Run: node dist/src/plugins/inputs/logstreamer/logstreamer-input.bench.js [MiB]
 * (lives here until bench/inputs/ exists; the lead may move it).
 */
import { mkdirSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { lsConfig, startInput, tempDir } from '../../../../test/harness/logstreamer.js';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 200);
const root = tempDir('hekad-ls-bench-');
const logDir = join(root, 'log');
mkdirSync(logDir);
const path = join(logDir, 'access.log');

// ~200-byte combined-format lines with some variety.
const fd = openSync(path, 'w');
const block: string[] = [];
for (let i = 0; i < 5000; i++) {
  block.push(
    `10.0.${i % 256}.${(i * 7) % 256} - - [10/Feb/2014:08:46:${String(i % 60).padStart(2, '0')} -0800] "GET /api/v1/items/${i}?q=${(i * 31) % 1000} HTTP/1.1" ${i % 17 === 0 ? 404 : 200} ${1000 + (i % 5000)} "http://example.com/page/${i % 100}" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"\n`,
  );
}
const chunk = Buffer.from(block.join(''));
let written = 0;
while (written < sizeMiB * MiB) {
  writeSync(fd, chunk);
  written += chunk.length;
}
closeSync(fd);
const lines = (written / chunk.length) * 5000;

const h = startInput('bench', lsConfig({ log_directory: logDir, file_match: 'access\\.log', check_data_interval: 5 }), join(root, 'base'), { keep: false });
const t0 = process.hrtime.bigint();
await h.ctx.waitFor(lines, 600_000);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
await h.stop();
rmSync(root, { recursive: true, force: true });
console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}`);
console.log(
  `logstreamer read+split+build: ${(written / MiB).toFixed(0)} MiB, ${lines} lines in ${s.toFixed(2)} s = ${(written / MiB / s).toFixed(1)} MiB/s, ${(lines / s / 1000).toFixed(0)}k lines/s`,
);
