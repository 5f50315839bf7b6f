/**
 * CarbonOutput (spec/outputs.md §1): validates the Graphite plaintext lines of each payload and
 * sends them to Carbon. Deliberate differences from Heka: one persistent TCP connection,
 * re-established with backoff, with a bounded buffer while Carbon is down (Heka drops the data
 * and never retries), and UDP datagrams reuse one socket.
 */
import type { Clock, Timer } from '../../../core/clock.js';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Message } from '../../../core/message.js';
import type { Output, OutputContext, ReportField } from '../../../plugin-api/index.js';
import { goFloatFromString } from '../../../core/go-float.js';
import { splitHostPort } from '../../inputs/statsd/statsd-input.js';
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

interface Chunk {
  buf: Buffer;
  lines: number;
  /** When it was handed to the socket (ms). */
  at: number;
}

export class CarbonOutput implements Output {
  // counters (report)
  linesQueued = 0;
  linesSent = 0;
  linesResent = 0;
  linesDropped = 0;
  invalidLines = 0;
  sendErrors = 0;
  connects = 0;
  disconnects = 0;

  private readonly host: string;
  private readonly port: number;
  private readonly udpMode: boolean;
  private pending: Chunk[] = [];
  private pendingBytes = 0;
  private recent: Chunk[] = [];
  private sock: net.Socket | null = null;
  private connected = false;
  private blocked = false;
  private reconnectTimer: Timer | null = null;
  private backoff: number;
  private stopping = false;
  private lastDropLog = 0;
  private ctx: OutputContext | null = null;
  private udp: dgram.Socket | null = null;
  private udpInFlight = 0;
  private idleWaiters: Array<() => void> = [];

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
    this.backoff = cfg.reconnect_delay;
  }

  process(msg: Message, ctx: OutputContext): void {
    this.ctx = ctx;
    const { text, lines, errors } = carbonLines(msg.payload ?? '');
    for (const e of errors) {
      this.invalidLines++;
      ctx.reportError(new Error(e), 'encoding');
    }
    if (lines === 0) return;
    this.linesQueued += lines;
    if (this.udpMode) this.sendUdp(text);
    else this.enqueueTcp(text, lines);
  }

  // --- UDP: best effort ---------------------------------------------------------------------

  private sendUdp(text: string): void {
    if (this.udp === null) {
      const v6 = net.isIPv6(this.host);
      this.udp = dgram.createSocket(v6 ? 'udp6' : 'udp4');
      this.udp.on('error', (err) => this.ctx?.log.error(`UDP socket error: ${err.message}`));
      this.udp.unref();
    }
    const max = this.cfg.max_batch_bytes;
    for (const { buf, lines } of splitLines(text, max)) {
      this.udpInFlight++;
      this.udp.send(buf, this.port, this.host, (err) => {
        this.udpInFlight--;
        if (err) {
          this.sendErrors++;
          this.linesDropped += lines;
          this.logThrottled(`Write to server failed: ${err.message}`);
        } else this.linesSent += lines;
        this.checkIdle();
      });
    }
  }

  // --- TCP: persistent connection, bounded buffer, reconnect with backoff -------------------

  private enqueueTcp(text: string, lines: number): void {
    const buf = Buffer.from(text);
    if (this.pendingBytes + buf.length > this.cfg.max_buffer_bytes) {
      this.linesDropped += lines;
      this.logThrottled(`Buffer full (${this.pendingBytes} bytes pending, max_buffer_bytes = ${this.cfg.max_buffer_bytes}): ${lines} lines dropped.`);
      return;
    }
    this.pending.push({ buf, lines, at: 0 });
    this.pendingBytes += buf.length;
    this.pump();
  }

  private pump(): void {
    if (!this.connected) {
      this.connect();
      return;
    }
    const sock = this.sock!;
    const max = this.cfg.max_batch_bytes;
    const now = this.clock.nowMs();
    this.pruneRecent(now);
    while (!this.blocked && this.pending.length > 0) {
      // Coalesce small chunks up to max_batch_bytes into one write.
      let n = 0;
      let bytes = 0;
      let lines = 0;
      while (n < this.pending.length && (n === 0 || bytes + this.pending[n]!.buf.length <= max)) {
        bytes += this.pending[n]!.buf.length;
        lines += this.pending[n]!.lines;
        n++;
      }
      const parts = this.pending.splice(0, n);
      const buf = n === 1 ? parts[0]!.buf : Buffer.concat(parts.map((c) => c.buf), bytes);
      this.pendingBytes -= bytes;
      const resent = parts.reduce((s, c) => s + (c.at > 0 ? c.lines : 0), 0);
      this.linesSent += lines - resent;
      this.linesResent += resent;
      this.recent.push({ buf, lines, at: now });
      if (!sock.write(buf)) this.blocked = true;
    }
    this.checkIdle();
  }

  private pruneRecent(now: number): void {
    const w = this.cfg.resend_window;
    let i = 0;
    while (i < this.recent.length && now - this.recent[i]!.at > w) i++;
    // Bounded in bytes too: huge flushes (100,000 keys) keep only the newest ones for a resend.
    let bytes = 0;
    for (let k = i; k < this.recent.length; k++) bytes += this.recent[k]!.buf.length;
    while (bytes > RESEND_MAX_BYTES && i < this.recent.length - 1) bytes -= this.recent[i++]!.buf.length;
    if (i > 0) this.recent.splice(0, i);
  }

  private connect(): void {
    if (this.sock !== null || this.reconnectTimer !== null) return;
    const sock = net.createConnection({ host: this.host, port: this.port });
    this.sock = sock;
    sock.setNoDelay(true);
    sock.on('connect', () => {
      this.connected = true;
      this.blocked = false;
      this.connects++;
      if (this.disconnects > 0) this.ctx?.log.info(`Reconnected to ${this.cfg.address}.`);
      this.backoff = this.cfg.reconnect_delay;
      this.pump();
    });
    sock.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    sock.on('data', () => {
      /* carbon never answers on the line protocol */
    });
    sock.on('error', (err) => {
      this.logThrottled(this.connected ? `Write to server failed: ${err.message}` : `Dial failed: ${err.message}`);
    });
    sock.on('close', () => this.onClose(sock));
    // Carbon closing its side (e.g. shutting down) must not leave us writing into a half-open socket.
    sock.on('end', () => sock.destroy());
  }

  private onClose(sock: net.Socket): void {
    if (this.sock !== sock) return;
    const wasConnected = this.connected;
    this.sock = null;
    this.connected = false;
    this.blocked = false;
    if (wasConnected) {
      this.disconnects++;
      // What was written shortly before the break may not have reached carbon: send it again.
      this.pruneRecent(this.clock.nowMs());
      const again = this.recent.map((c) => ({ buf: c.buf, lines: c.lines, at: c.at || 1 }));
      this.recent = [];
      for (const c of again) this.pendingBytes += c.buf.length;
      this.pending = again.concat(this.pending);
      this.ctx?.log.warn(`Connection to ${this.cfg.address} lost; ${this.pending.length} chunks (${this.pendingBytes} bytes) held for resend.`);
    }
    if (this.pending.length === 0 && !wasConnected && this.stopping) return this.checkIdle();
    const wait = wasConnected ? this.cfg.reconnect_delay : this.backoff;
    if (!wasConnected) this.backoff = Math.min(this.cfg.max_reconnect_delay, this.backoff * 2);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.pending.length > 0 || !this.stopping) this.connect();
    }, wait, { keepAlive: false });
  }

  private logThrottled(text: string): void {
    const now = this.clock.nowMs();
    if (now - this.lastDropLog < 1000) return;
    this.lastDropLog = now;
    this.ctx?.log.error(text);
  }

  private isIdle(): boolean {
    if (this.udpMode) return this.udpInFlight === 0;
    return this.pending.length === 0 && (this.sock === null || this.sock.writableLength === 0);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves once everything queued was handed to the kernel (TCP) or sent (UDP). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.udpMode && this.sock !== null) this.sock.once('drain', () => this.checkIdle());
    });
  }

  async stop(ctx?: OutputContext): Promise<void> {
    if (ctx) this.ctx = ctx;
    this.stopping = true;
    if (!this.isIdle()) {
      const ac = new AbortController();
      await Promise.race([this.idle(), this.clock.sleep(this.cfg.stop_timeout, ac.signal)]);
      ac.abort();
    }
    if (this.pending.length > 0) {
      const lines = this.pending.reduce((s, c) => s + (c.at > 0 ? 0 : c.lines), 0);
      this.linesDropped += lines;
      this.ctx?.log.error(`Carbon unreachable at shutdown: ${lines} lines dropped.`);
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    const sock = this.sock;
    if (sock !== null) {
      await new Promise<void>((resolve) => {
        const t = this.clock.setTimeout(resolve, 1000, { keepAlive: false });
        sock.end(() => {
          t.cancel();
          resolve();
        });
      });
      sock.destroy();
    }
    this.sock = null;
    this.udp?.close();
    this.udp = null;
    this.ctx?.log.info(
      `Stopped: ${this.linesQueued} lines queued, ${this.linesSent} sent, ${this.linesResent} resent, ${this.linesDropped} dropped, ${this.sendErrors} send errors.`,
    );
  }

  report(): ReportField[] {
    return [
      { name: 'LinesQueued', value: this.linesQueued, representation: 'count' },
      { name: 'LinesSent', value: this.linesSent, representation: 'count' },
      { name: 'LinesResent', value: this.linesResent, representation: 'count' },
      { name: 'LinesDropped', value: this.linesDropped, representation: 'count' },
      { name: 'InvalidLines', value: this.invalidLines, representation: 'count' },
      { name: 'SendErrors', value: this.sendErrors, representation: 'count' },
      { name: 'BufferedBytes', value: this.pendingBytes, representation: 'B' },
      { name: 'Connects', value: this.connects, representation: 'count' },
      { name: 'Disconnects', value: this.disconnects, representation: 'count' },
    ];
  }
}

/** Splits newline-terminated text into pieces of at most `max` bytes at line boundaries. */
/** Upper bound of the data kept for a resend after a reconnect (the newest chunk is always kept). */
const RESEND_MAX_BYTES = 8 * 1024 * 1024;

export function splitLines(text: string, max: number): Array<{ buf: Buffer; lines: number }> {
  const all = Buffer.from(text);
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
