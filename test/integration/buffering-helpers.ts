/**
 * Helpers of the buffering tests: an HTTP receiver that records the numbered lines it accepts
 * (so exactly-once can be checked) and can go down and come back on the same port, the
 * SIGUSR1 report of a running hekad, and a reader of a disk queue's unacknowledged records.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { findFrame, newFrameResult } from '../../src/core/framing.js';
import { decodeMessage } from '../../src/core/protobuf.js';
import type { HekadProcess } from '../harness/hekad-process.js';

export class Receiver {
  private server: Server | null = null;
  port = 0;
  /** Times each line number was accepted. */
  readonly counts: Uint16Array;
  requests = 0;
  foreign = 0;
  /** Status to answer with (e.g. 503 to refuse without going down). */
  status = 200;

  constructor(readonly expected: number) {
    this.counts = new Uint16Array(expected);
  }

  private handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      if (this.status !== 200) {
        res.statusCode = this.status;
        res.end('unavailable');
        return;
      }
      this.requests++;
      const m = /^line (\d{7}) /.exec(Buffer.concat(chunks).toString('latin1'));
      const n = m ? Number(m[1]) : -1;
      if (n >= 0 && n < this.expected) this.counts[n]!++;
      else this.foreign++;
      res.end('ok');
    });
  };

  async up(): Promise<void> {
    const s = createServer({ keepAliveTimeout: 60_000 }, this.handle);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (s.address() as AddressInfo).port;
    this.server = s;
  }

  /**
   * Stop accepting: requests already being handled complete, idle keep-alive connections are
   * closed, new connections are refused.
   */
  async down(): Promise<void> {
    const s = this.server;
    if (s === null) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeIdleConnections();
    await closed;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/write`;
  }

  /** Accepted lines in [0, n) counted once. */
  unique(n = this.expected): number {
    let u = 0;
    for (let i = 0; i < n; i++) if (this.counts[i]! > 0) u++;
    return u;
  }

  summary(n = this.expected): { received: number; unique: number; lost: number[]; duplicates: number } {
    let received = 0;
    let duplicates = 0;
    const lost: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = this.counts[i]!;
      received += c;
      if (c === 0) lost.push(i);
      else duplicates += c - 1;
    }
    return { received, unique: n - lost.length, lost, duplicates };
  }
}

/**
 * Asks a running hekad for its report (SIGUSR1) and returns the fields of one plugin, as strings.
 * The text on stderr shows only Heka's fixed columns; every field is in the JSON report hekad
 * writes to <base_dir>/heka_report.json just before the text.
 */
export async function pluginReport(p: HekadProcess, name: string): Promise<Record<string, string>> {
  // Before hekad installs its handler, SIGUSR1 would start Node's inspector instead.
  await p.waitFor((x) => x.stdout.includes('Input started'), 10_000, 'hekad to start');
  const before = p.stderr.length;
  p.child.kill('SIGUSR1');
  await p.waitFor((x) => x.stderr.indexOf('\n========\n', before) >= 0, 5000, 'the report');
  const config = p.child.spawnargs.find((a) => a.startsWith('-config='))!.slice('-config='.length);
  const baseDir = /^base_dir = "([^"]+)"/m.exec(readFileSync(config, 'utf8'))![1]!;
  const report = JSON.parse(readFileSync(join(baseDir, 'heka_report.json'), 'utf8')) as Record<string, Array<Record<string, unknown>>>;
  for (const records of Object.values(report)) {
    const r = records.find((x) => x.Name === name);
    if (r === undefined) continue;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(r)) if (k !== 'Name') out[k] = String((v as { value: unknown }).value);
    return out;
  }
  throw new Error(`no '${name}' in the report: ${JSON.stringify(report)}`);
}

/** Line numbers of the records a disk queue still holds after its checkpoint. */
export function unacknowledgedLines(queueDir: string): number[] {
  let cid = 0;
  let coff = 0;
  try {
    const m = /^(\d+) (\d+)$/.exec(readFileSync(join(queueDir, 'checkpoint.txt'), 'latin1'));
    if (m) {
      cid = Number(m[1]);
      coff = Number(m[2]);
    }
  } catch {
    /* no checkpoint yet */
  }
  const ids = readdirSync(queueDir)
    .map((f) => /^(\d+)\.log$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((id) => id >= cid)
    .sort((a, b) => a - b);
  const out: number[] = [];
  const fr = newFrameResult();
  for (const id of ids) {
    const buf = readFileSync(join(queueDir, `${id}.log`));
    let p = id === cid ? coff : 0;
    while (p < buf.length) {
      findFrame(buf, p, buf.length, 65536, fr);
      if (fr.record === null) {
        if (fr.consumed === 0) break;
        p += fr.consumed;
        continue;
      }
      p += fr.consumed;
      try {
        const m = /^line (\d{7}) /.exec(decodeMessage(fr.record.subarray(fr.messageOffset)).payload ?? '');
        if (m) out.push(Number(m[1]));
      } catch {
        /* damaged: the queue skips it too */
      }
    }
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
