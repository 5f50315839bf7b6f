/**
 * StatsdInput (spec/statsd.md §1): a statsd server. Datagrams (and, optionally, TCP lines) are
 * parsed synchronously, straight into the StatAccumInput named by stat_accum_name; nothing is
 * queued per metric. UDP cannot push back, so what the kernel drops is read from /proc/net/udp.
 */
import { untilAborted } from '../../../core/abort.js';
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { StatAccumulatorCapability, type Input, type InputContext, type ReportField } from '../../../plugin-api/index.js';
import type { StatsdConfig } from './config.js';
import { StatsdParser } from './statsd-parser.js';
import { splitHostPort } from '../../../net/host-port.js';

const SP = 0x20;
const TAB = 0x09;
const NL = 0x0a;

export class StatsdInput implements Input {
  readonly parser: StatsdParser;
  packets = 0;
  truncated = 0;
  tcpConnections = 0;
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private log: InputContext['log'] | null = null;
  private clock: InputContext['clock'] | null = null;
  private logWindowStart = 0;
  private loggedInWindow = 0;
  private suppressed = 0;
  private boundPort = 0;
  private recvBuf = 0;
  private lastKernelDrops = 0;

  constructor(private readonly cfg: StatsdConfig) {
    this.parser = new StatsdParser(
      { sets: cfg.accept_sets, gaugeDeltas: cfg.gauge_deltas },
      null,
      (buf, s, e) => this.logBadLine(buf, s, e),
    );
  }

  /** The bound UDP port (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  async run(ctx: InputContext): Promise<void> {
    this.attach(ctx);

    try {
      await this.listenUdp();
      if (this.cfg.tcp_address !== '') await this.listenTcp();
    } catch (err) {
      this.close();
      throw err;
    }
    await untilAborted(ctx.signal);
    this.flushSuppressed(true);
    this.close();
  }

  /** Finds the StatAccumInput this input feeds (Heka looks it up by name at start). */
  private attach(ctx: InputContext): void {
    this.log = ctx.log;
    this.clock = ctx.clock;
    this.parser.setAccumulator(ctx.lookupInput(this.cfg.stat_accum_name, StatAccumulatorCapability));
    this.attached = true;
  }

  private attached = false;

  /** One datagram, as if it had arrived on the UDP socket. */
  feed(data: Buffer, ctx: InputContext): boolean {
    if (!this.attached) this.attach(ctx);
    this.onDatagram(data);
    return !ctx.blocked;
  }

  private onDatagram(buf: Buffer): void {
    this.packets++;
    let e = buf.length;
    if (e > this.cfg.max_msg_size) {
      this.truncated++;
      e = this.cfg.max_msg_size;
    }
    // Trim " \t\n" around the datagram (CR is kept, as in Heka).
    let s = 0;
    while (s < e && (buf[s] === SP || buf[s] === TAB || buf[s] === NL)) s++;
    while (e > s && (buf[e - 1] === SP || buf[e - 1] === TAB || buf[e - 1] === NL)) e--;
    if (e > s) this.parser.parse(buf, s, e);
  }

  private listenUdp(): Promise<void> {
    const a = splitHostPort(this.cfg.address);
    if (a === null) return Promise.reject(new Error(`ResolveUDPAddr failed: invalid address '${this.cfg.address}'`));
    const v6 = a.v6 || (a.host === '' ? false : net.isIPv6(a.host));
    const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', recvBufferSize: this.cfg.receive_buffer_bytes || undefined });
    this.udp = sock;
    sock.on('message', (buf: Buffer) => this.onDatagram(buf));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`ListenUDP failed: ${err.message}`));
      sock.once('error', onError);
      sock.bind({ port: a.port, address: a.host === '' ? undefined : a.host, exclusive: true }, () => {
        sock.off('error', onError);
        sock.on('error', (err) => this.log?.error(`UDP socket error: ${err.message}`));
        this.boundPort = sock.address().port;
        try {
          this.recvBuf = sock.getRecvBufferSize();
        } catch {
          this.recvBuf = 0;
        }
        resolve();
      });
    });
  }

  private listenTcp(): Promise<void> {
    const a = splitHostPort(this.cfg.tcp_address);
    if (a === null) return Promise.reject(new Error(`Listen failed: invalid address '${this.cfg.tcp_address}'`));
    const max = this.cfg.max_msg_size;
    const server = net.createServer((conn) => {
      this.tcpConnections++;
      let carry: Buffer | null = null;
      conn.on('data', (chunk: Buffer) => {
        let buf = chunk;
        if (carry !== null) {
          buf = Buffer.concat([carry, chunk]);
          carry = null;
        }
        const last = buf.lastIndexOf(NL);
        if (last < 0) {
          carry = this.keepTail(buf, 0, max);
          return;
        }
        this.parser.parse(buf, 0, last);
        if (last + 1 < buf.length) carry = this.keepTail(buf, last + 1, max);
      });
      conn.on('end', () => {
        if (carry !== null) this.parser.parse(carry, 0, carry.length);
        carry = null;
      });
      conn.on('error', (err) => this.log?.error(`TCP connection error: ${err.message}`));
    });
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`Listen failed: ${err.message}`)));
      server.listen({ port: a.port, host: a.host === '' ? undefined : a.host, exclusive: true }, () => {
        server.removeAllListeners('error');
        server.on('error', (err) => this.log?.error(`TCP listener error: ${err.message}`));
        resolve();
      });
    });
  }

  /** An unterminated line longer than max_msg_size is truncated, like an oversized datagram. */
  private keepTail(buf: Buffer, from: number, max: number): Buffer {
    if (buf.length - from > max) {
      this.truncated++;
      return Buffer.from(buf.subarray(from, from + max));
    }
    return Buffer.from(buf.subarray(from));
  }

  /** Address the TCP listener is bound to, when there is one. */
  get tcpPort(): number {
    const a = this.tcp?.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  private close(): void {
    if (this.udp !== null) this.kernelDrops(); // remember the last figure before the socket goes
    try {
      this.udp?.close();
    } catch {
      /* already closed */
    }
    this.udp = null;
    this.tcp?.close();
    this.tcp = null;
  }

  private logBadLine(buf: Buffer, s: number, e: number): void {
    const limit = this.cfg.bad_lines_logged_per_second;
    const now = this.clock?.nowMs() ?? 0;
    if (now - this.logWindowStart >= 1000) {
      this.flushSuppressed(false);
      this.logWindowStart = now;
      this.loggedInWindow = 0;
    }
    if (this.loggedInWindow < limit) {
      this.loggedInWindow++;
      this.log?.error(`can't parse message: ${buf.toString('utf8', s, e)}`);
    } else this.suppressed++;
  }

  private flushSuppressed(final: boolean): void {
    if (this.suppressed > 0) {
      this.log?.error(`${this.suppressed} more bad lines not logged${final ? '' : ' in the last second'} (see BadLines in the report).`);
      this.suppressed = 0;
    }
  }

  /** Datagrams the kernel dropped on this socket (receive buffer full), from /proc/net/udp[6]. */
  kernelDrops(): number {
    if (this.boundPort === 0 || this.udp === null) return this.lastKernelDrops;
    const portHex = ':' + this.boundPort.toString(16).toUpperCase().padStart(4, '0');
    let drops = 0;
    for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
      let text: string;
      try {
        text = readFileSync(file, 'latin1');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 13 || !cols[1]!.endsWith(portHex)) continue;
        drops += Number(cols[12]) || 0;
      }
    }
    this.lastKernelDrops = drops;
    return drops;
  }

  report(): ReportField[] {
    const c = this.parser.counters;
    return [
      { name: 'PacketsReceived', value: this.packets, representation: 'count' },
      { name: 'MetricsReceived', value: c.metrics, representation: 'count' },
      { name: 'BadLines', value: c.badLines, representation: 'count' },
      { name: 'BadValues', value: c.badValues, representation: 'count' },
      { name: 'TruncatedPackets', value: this.truncated, representation: 'count' },
      { name: 'UndeliveredStats', value: c.undelivered, representation: 'count' },
      { name: 'KernelDrops', value: this.kernelDrops(), representation: 'count' },
      { name: 'ReceiveBufferBytes', value: this.recvBuf, representation: 'B' },
      { name: 'TcpConnections', value: this.tcpConnections, representation: 'count' },
    ];
  }
}
