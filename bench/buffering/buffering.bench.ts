/**
 * Disk buffering benchmarks.
 *
 * - benchDiskQueue: the queue alone, in process: append + write (MB/s into the page cache), then
 *   read + decode + acknowledge (MB/s out), records of about 200 bytes, cursor saved every record
 *   (the generic cursor_update_count of 1) and every 50.
 * - benchBufferedOutput: the real hekad, LogstreamerInput -> output, with and without
 *   `use_buffering`, for a FileOutput (fast sink: shows the queue's overhead) and an HttpOutput to
 *   a local receiver (one request per record: the network round trip dominates).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { frameRecord } from '../../src/core/framing.js';
import { Message, newUuid } from '../../src/core/message.js';
import { encodeMessage } from '../../src/core/protobuf.js';
import { DiskQueue } from '../../src/buffering/disk-queue.js';
import { release } from '../../src/runners/ack.js';

const HEKAD = new URL('../../../bin/hekad.js', import.meta.url).pathname;

export interface DiskQueueBench {
  records: number;
  recordBytes: number;
  cursorUpdateCount: number;
  writeMBps: number;
  readAckMBps: number;
}

export function benchDiskQueue(totalMiB = 256, cursorUpdateCount = 1): DiskQueueBench {
  const dir = mkdtempSync(join(tmpdir(), 'hekad-bench-queue-'));
  const q = new DiskQueue({
    dir,
    maxFileSize: 64 * 1024 * 1024,
    maxBufferSize: 0,
    cursorUpdateCount,
    maxMessageSize: 65536,
    clock: systemClock,
    report: (err) => console.error(err.message),
  });
  q.open();
  const m = new Message();
  m.uuid = newUuid();
  m.timestamp = Date.now() * 1e6;
  m.type = 'logfile';
  m.logger = 'nginx_access';
  m.hostname = 'bench-host';
  m.payload = '203.0.113.250 - - [10/Feb/2014:16:41:41 +0000] "GET /index.html HTTP/1.1" 200 5120 "-" "Mozilla/5.0"';
  const recordBytes = frameRecord(encodeMessage(m)).length;
  const records = Math.floor((totalMiB * 1024 * 1024) / recordBytes);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    // Encoding is part of the enqueue cost, as in the runner.
    q.append(frameRecord(encodeMessage(m)));
    if (q.pendingSize >= 256 * 1024) q.flush();
  }
  q.flush();
  const writeS = Number(process.hrtime.bigint() - t0) / 1e9;
  t0 = process.hrtime.bigint();
  let n = 0;
  let r: Message | null;
  while ((r = q.next()) !== null) {
    release(r);
    n++;
  }
  const readS = Number(process.hrtime.bigint() - t0) / 1e9;
  q.close();
  rmSync(dir, { recursive: true, force: true });
  if (n !== records) throw new Error(`read ${n} of ${records} records`);
  const mb = (records * recordBytes) / 1e6;
  return { records, recordBytes, cursorUpdateCount, writeMBps: mb / writeS, readAckMBps: mb / readS };
}

export interface BufferedOutputBench {
  output: 'file' | 'http';
  buffered: boolean;
  lines: number;
  seconds: number;
  linesPerSec: number;
}

async function runHekad(config: string, done: () => boolean, timeoutMs: number): Promise<number> {
  const child = spawn(HEKAD, [`-config=${config}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const t0 = Date.now();
  try {
    while (!done()) {
      if (Date.now() - t0 > timeoutMs) throw new Error('benchmark timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
    return (Date.now() - t0) / 1000;
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
  }
}

export async function benchBufferedOutput(output: 'file' | 'http', buffered: boolean, lines = 200_000): Promise<BufferedOutputBench> {
  const root = mkdtempSync(join(tmpdir(), 'hekad-bench-buffered-'));
  mkdirSync(join(root, 'logs'));
  let s = '';
  for (let i = 0; i < lines; i++) s += `line ${String(i).padStart(7, '0')} ${'x'.repeat(80)}\n`;
  writeFileSync(join(root, 'logs', 'app.log'), s);
  let received = 0;
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  const out = join(root, 'out.log');
  const sink =
    output === 'file'
      ? `type = "FileOutput"\npath = "${out}"\nflush_operator = "OR"\nflush_count = 5000\nflush_interval = 50`
      : `type = "HttpOutput"\naddress = "http://127.0.0.1:${port}/in"`;
  const config = join(root, 'hekad.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${join(root, 'cache')}"
[app]
type = "LogstreamerInput"
log_directory = "${join(root, 'logs')}"
file_match = 'app\\.log'
[PayloadEncoder]
append_newlines = false
[out]
${sink}
message_matcher = "TRUE"
encoder = "PayloadEncoder"
use_buffering = ${buffered}
`,
  );
  const bytes = Buffer.byteLength(s);
  const size = () => {
    try {
      return statSync(out).size;
    } catch {
      return 0;
    }
  };
  const seconds = await runHekad(config, output === 'file' ? () => size() >= bytes : () => received >= lines, 300_000);
  srv.close();
  rmSync(root, { recursive: true, force: true });
  return { output, buffered, lines, seconds, linesPerSec: lines / seconds };
}
