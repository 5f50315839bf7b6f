/**
 * CarbonOutput (spec/outputs.md §1): validates the Graphite plaintext lines of each payload and
 * sends them to Carbon. The output runner batches, retries and acknowledges; this file is the
 * line validation and the sending. Deliberate differences from Heka: one persistent TCP
 * connection (src/net/reconnecting-socket.ts), a batch acknowledged only once the connection
 * proved alive after it (nothing is dropped while Carbon is down: it stays unacknowledged and is
 * retried), and UDP datagrams reuse one socket.
 */
import type { Clock } from '../../../core/clock.js';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Message } from '../../../core/message.js';
import { RetryableError, type Batch, type BatchSettings, type Output, type OutputContext, type ReportField } from '../../../plugin-api/index.js';
import { splitHostPort } from '../../../net/host-port.js';
import { ConnectionLostError, ReconnectingSocket, type WriteReceipt } from '../../../net/reconnecting-socket.js';
import { goFloatFromString } from '../../../core/go-float.js';
import type { CarbonConfig } from './config.js';

/** Go strconv.ParseUint(s, 0, 32); undefined plus a Go-style error text on failure. */
export function parseUint32Go(s: string): { value?: number; err?: string } {
  let body = s;
  let base = 10;
  if (/^0[xX]/.test(s)) {
    base = 16;
    body = s.slice(2);
  } else if (/^0[bB]/.test(s)) {
    base = 2;
    body = s.slice(2);
  } else if (/^0[oO]/.test(s)) {
    base = 8;
    body = s.slice(2);
  } else if (s.length > 1 && s[0] === '0') {
    base = 8;
    body = s.slice(1);
  }
  // Base 0 allows '_' between digits and right after a 0x/0b/0o prefix.
  if (s.length > 2 && /^0[xXbBoO]_/.test(s)) body = body.slice(1);
  const ok = body.length > 0 && !body.startsWith('_') && !body.endsWith('_') && !body.includes('__');
  const digits = body.replace(/_/g, '');
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]!;
  if (!ok || !valid.test(digits)) return { err: `strconv.ParseUint: parsing "${s}": invalid syntax` };
  const v = parseInt(digits, base);
  if (v > 0xffffffff) return { err: `strconv.ParseUint: parsing "${s}": value out of range` };
  return { value: v };
}

/** ASCII whitespace as Go's unicode.IsSpace sees it (non-ASCII payloads take the slow path). */
function isWs(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Fast check of "[+-]digits[.digits]" (the form StatAccumInput writes); else Go's grammar. */
function validValue(p: string, s: number, e: number): boolean {
  let i = s;
  const c0 = p.charCodeAt(i);
  if (c0 === 0x2d || c0 === 0x2b) i++;
  let digits = 0;
  let dot = false;
  for (; i < e; i++) {
    const c = p.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x2e && !dot) dot = true;
    else return goFloatFromString(p.slice(s, e)) !== undefined;
  }
  return digits > 0 || goFloatFromString(p.slice(s, e)) !== undefined;
}

/** Fast check of a plain decimal uint32; else Go's ParseUint(s, 0, 32) for the exact error. */
function timeError(p: string, s: number, e: number): string | undefined {
  if (e - s <= 10 && p.charCodeAt(s) !== 0x30) {
    let v = 0;
    let i = s;
    for (; i < e; i++) {
      const c = p.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
    }
    if (i === e && v <= 0xffffffff) return undefined;
  }
  return parseUint32Go(p.slice(s, e)).err;
}

/**
 * The valid lines of a statmetric payload, each followed by "\n", and the problems found. When every
 * line is valid (the normal case) the trimmed payload is reused as is: no per-line strings.
 */
export function carbonLines(payload: string): { text: string; lines: number; errors: string[] } {
  let a = 0;
  let b = payload.length;
  const trim = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a;
  while (a < b && trim(payload.charCodeAt(a))) a++;
  while (b > a && trim(payload.charCodeAt(b - 1))) b--;
  const errors: string[] = [];
  if (a === b) return { text: '', lines: 0, errors };
  let lines = 0;
  let keep: Array<[number, number]> | null = null; // valid line ranges once an invalid line was seen
  let s = a;
  while (s <= b) {
    let e = payload.indexOf('\n', s);
    if (e < 0 || e > b) e = b;
    let ok = true;
    let err = '';
    // tokenize
    let n = 0;
    let v0 = 0, v1 = 0, t0 = 0, t1 = 0;
    let i = s;
    let slow = false;
    while (i < e) {
      while (i < e && isWs(payload.charCodeAt(i))) i++;
      if (i >= e) break;
      const ts = i;
      while (i < e && !isWs(payload.charCodeAt(i))) {
        if (payload.charCodeAt(i) > 0x7f) slow = true;
        i++;
      }
      n++;
      if (n === 2) (v0 = ts), (v1 = i);
      else if (n === 3) (t0 = ts), (t1 = i);
    }
    const line = (): string => payload.slice(s, e);
    if (slow) {
      // Unicode whitespace (NEL, NBSP, ...) may separate fields for Go: use the general splitter.
      const f = line().split(/[\s\u0085]+/).filter((x) => x !== '');
      if (f.length !== 3) (ok = false), (err = `malformed statmetric line: '${line()}'`);
      else {
        const te = parseUint32Go(f[2]!).err;
        if (te !== undefined) (ok = false), (err = `parsing time: ${te}`);
        else if (goFloatFromString(f[1]!) === undefined) (ok = false), (err = `parsing value '${f[1]}': strconv.ParseFloat: parsing "${f[1]}": invalid syntax`);
      }
    } else if (n !== 3) (ok = false), (err = `malformed statmetric line: '${line()}'`);
    else {
      const te = timeError(payload, t0, t1);
      if (te !== undefined) (ok = false), (err = `parsing time: ${te}`);
      else if (!validValue(payload, v0, v1)) {
        const v = payload.slice(v0, v1);
        ok = false;
        err = `parsing value '${v}': strconv.ParseFloat: parsing "${v}": invalid syntax`;
      }
    }
    if (ok) {
      lines++;
      keep?.push([s, e]);
    } else {
      errors.push(err);
      if (keep === null) {
        keep = [];
        // every line before this one was valid
        let x = a;
        while (x < s) {
          const y = payload.indexOf('\n', x);
          keep.push([x, y]);
          x = y + 1;
        }
      }
    }
    s = e + 1;
  }
  if (keep === null) {
    // The usual case, a clean StatAccumInput payload: reuse it as is instead of copying megabytes.
    if (a === 0 && b === payload.length - 1 && payload.charCodeAt(b) === 10) return { text: payload, lines, errors };
    return { text: payload.slice(a, b) + '\n', lines, errors };
  }
  let text = '';
  for (const [x, y] of keep) text += payload.slice(x, y) + '\n';
  return { text, lines, errors };
}

export class CarbonOutput implements Output {
  // counters (report)
  linesQueued = 0;
  linesSent = 0;
  linesResent = 0;
  invalidLines = 0;
  sendErrors = 0;

  readonly batch: Partial<BatchSettings>;
  readonly stopTimeoutMs: number;
  private readonly host: string;
  private readonly port: number;
  private readonly udpMode: boolean;
  private readonly sock: ReconnectingSocket | null = null;
  private udp: dgram.Socket | null = null;
  /** Messages whose lines were written at least once (a later write is a resend). */
  private written = new WeakSet<Message>();
  private lastLog = 0;
  private ctx: OutputContext | null = null;

  constructor(
    private readonly cfg: CarbonConfig,
    private readonly clock: Clock,
  ) {
    const a = splitHostPort(cfg.address);
    if (a === null) throw new Error(`invalid address '${cfg.address}'`);
    this.host = a.host === '' ? 'localhost' : a.host;
    this.port = a.port;
    if (cfg.protocol !== '' && cfg.protocol !== 'tcp' && cfg.protocol !== 'udp') {
      throw new Error(`CarbonOutput: "${cfg.protocol}" is not a supported protocol, must be "tcp" or "udp"`);
    }
    this.udpMode = cfg.protocol === 'udp';
    this.stopTimeoutMs = cfg.stop_timeout;
    // Batches wait resend_window for their confirmation, so several are in flight at once; what
    // the runner holds is bounded by max_buffer_bytes (then the router pushes back).
    this.batch = {
      maxRecords: 10_000,
      maxBytes: Math.min(4 * 1024 * 1024, cfg.max_buffer_bytes),
      maxInFlight: this.udpMode ? 1 : 64,
      maxHeldBytes: cfg.max_buffer_bytes,
    };
    if (!this.udpMode) {
      this.sock = new ReconnectingSocket({
        host: this.host,
        port: this.port,
        clock,
        reconnectDelayMs: cfg.reconnect_delay,
        maxReconnectDelayMs: cfg.max_reconnect_delay,
        keepAliveMs: cfg.tcp_keep_alive ? 30_000 : 0,
        onEvent: (e) => {
          if (e.type === 'connect' && e.reconnect) this.ctx?.log.info(`Reconnected to ${cfg.address}.`);
          else if (e.type === 'lost') this.ctx?.log.warn(`Connection to ${cfg.address} lost: ${e.error}; unconfirmed lines will be sent again.`);
          else if (e.type === 'connect-failed') this.logThrottled(`Dial failed: ${e.error}`);
        },
      });
    }
  }

  get connects(): number {
    return this.sock?.connects ?? 0;
  }
  get disconnects(): number {
    return this.sock?.losses ?? 0;
  }

  /**
   * Sends the valid lines of every record. TCP: the batch is done once the kernel took the bytes
   * and the connection then stayed up for resend_window (see README, "Acknowledgement"); a loss
   * before that makes the whole batch a retry (whisper keeps one value per metric and second, so
   * lines that did arrive and come again are harmless).
   */
  async writeBatch(batch: Batch, ctx: OutputContext): Promise<void> {
    this.ctx = ctx;
    const first = batch.attempt === 0;
    let text = '';
    let lines = 0;
    let resent = 0;
    for (const rec of batch.records) {
      const r = carbonLines(rec.msg.payload ?? '');
      if (first) {
        for (const e of r.errors) {
          this.invalidLines++;
          ctx.reportError(new Error(e), 'encoding');
        }
        this.linesQueued += r.lines;
      }
      if (r.lines === 0) continue;
      text = text === '' ? r.text : text + r.text;
      lines += r.lines;
      if (this.written.has(rec.msg)) resent += r.lines;
    }
    if (lines === 0) return;
    const written = () => {
      for (const rec of batch.records) this.written.add(rec.msg);
      this.linesSent += lines - resent;
      this.linesResent += resent;
    };
    if (this.udpMode) {
      await this.sendUdp(text);
      written();
    } else await this.sendTcp(text, written);
  }

  /** Writes, calls `written` once the kernel took every byte, then waits for the confirmation. */
  private async sendTcp(text: string, written: () => void): Promise<void> {
    const sock = this.sock!;
    const all = Buffer.from(text);
    const parts = all.length <= this.cfg.max_batch_bytes ? [all] : splitLines(all, this.cfg.max_batch_bytes).map((p) => p.buf);
    try {
      let receipt: WriteReceipt | null = null;
      for (const p of parts) receipt = await sock.write(p);
      written();
      await sock.confirm(receipt!, this.cfg.resend_window);
    } catch (err) {
      if (err instanceof ConnectionLostError) {
        this.sendErrors++;
        throw new RetryableError(err.message);
      }
      throw err;
    }
  }

  /** UDP: one datagram per max_batch_bytes of lines; done once the kernel sent them. */
  private async sendUdp(text: string): Promise<void> {
    if (this.udp === null) {
      const v6 = net.isIPv6(this.host);
      this.udp = dgram.createSocket(v6 ? 'udp6' : 'udp4');
      this.udp.on('error', (err) => this.ctx?.log.error(`UDP socket error: ${err.message}`));
      this.udp.unref();
    }
    const udp = this.udp;
    for (const { buf } of splitLines(Buffer.from(text), this.cfg.max_batch_bytes)) {
      await new Promise<void>((resolve, reject) =>
        udp.send(buf, this.port, this.host, (err) => {
          if (!err) return resolve();
          this.sendErrors++;
          reject(new RetryableError(`Write to server failed: ${err.message}`));
        }),
      );
    }
  }

  private logThrottled(text: string): void {
    const now = this.clock.nowMs();
    if (now - this.lastLog < 1000) return;
    this.lastLog = now;
    this.ctx?.log.error(text);
  }

  async stop(ctx?: OutputContext): Promise<void> {
    if (ctx) this.ctx = ctx;
    await this.sock?.close();
    this.udp?.close();
    this.udp = null;
    this.ctx?.log.info(
      `Stopped: ${this.linesQueued} lines queued, ${this.linesSent} sent, ${this.linesResent} resent, ${this.sendErrors} send errors.`,
    );
  }

  report(): ReportField[] {
    return [
      { name: 'LinesQueued', value: this.linesQueued, representation: 'count' },
      { name: 'LinesSent', value: this.linesSent, representation: 'count' },
      { name: 'LinesResent', value: this.linesResent, representation: 'count' },
      { name: 'InvalidLines', value: this.invalidLines, representation: 'count' },
      { name: 'SendErrors', value: this.sendErrors, representation: 'count' },
      { name: 'Connects', value: this.connects, representation: 'count' },
      { name: 'Disconnects', value: this.disconnects, representation: 'count' },
    ];
  }
}

/** Splits newline-terminated bytes into pieces of at most `max` bytes at line boundaries (a longer line is one piece). */
export function splitLines(all: Buffer, max: number): Array<{ buf: Buffer; lines: number }> {
  const out: Array<{ buf: Buffer; lines: number }> = [];
  let start = 0;
  while (start < all.length) {
    let end = start;
    let lines = 0;
    for (;;) {
      const nl = all.indexOf(0x0a, end);
      const next = nl < 0 ? all.length : nl + 1;
      if (lines > 0 && next - start > max) break;
      end = next;
      lines++;
      if (end >= all.length) break;
    }
    out.push({ buf: all.subarray(start, end), lines });
    start = end;
  }
  return out;
}
