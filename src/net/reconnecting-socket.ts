/**
 * A client connection that re-establishes itself: the one TCP (optionally TLS) client used by the
 * outputs that keep a connection to a server (CarbonOutput now; TcpOutput, SmtpOutput and AMQP
 * later). It owns connecting, reconnect backoff (through the clock), keep-alive and the loss
 * signal; the output runner owns what to resend and when to acknowledge.
 *
 * - The first write() connects (lazily, like Heka's TcpOutput). After a loss the helper reconnects
 *   on its own after `reconnectDelayMs`, doubling per failed attempt up to `maxReconnectDelayMs`,
 *   back to the first delay once a connection succeeds.
 * - write() resolves when the kernel accepted the bytes (the stream's write callback), with a
 *   receipt naming the connection; it rejects with a ConnectionLostError when there is no
 *   connection (it does not queue: the caller's retry policy decides) or the connection broke.
 * - confirm(receipt, ms): "accepted by the kernel" is not "received by the server": bytes written
 *   just before the peer dies are lost although their write succeeded (the half-open problem).
 *   confirm resolves once the receipt's connection has stayed up for `ms` after the write, and
 *   rejects with a ConnectionLostError if it broke first, so the caller sends those bytes again.
 * - The peer closing its side counts as a loss (a server never half-closes a line protocol).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Clock, Timer } from '../core/clock.js';

export interface ReconnectingSocketOptions {
  host: string;
  port: number;
  clock: Clock;
  /** TLS client options; null/undefined for plain TCP. */
  tls?: tls.ConnectionOptions | null;
  /** First wait before reconnecting after a loss or a failed attempt. */
  reconnectDelayMs: number;
  /** Cap of the doubling reconnect delay. */
  maxReconnectDelayMs: number;
  /** TCP keep-alive: initial delay in ms, 0 = off. */
  keepAliveMs?: number;
  /** Disable Nagle (default true: line protocols want their bytes out now). */
  noDelay?: boolean;
  /** Connects, losses and errors, for the owner's log and counters. */
  onEvent?: (e: SocketEvent) => void;
}

export type SocketEvent =
  | { type: 'connect'; reconnect: boolean }
  | { type: 'lost'; error: string }
  | { type: 'connect-failed'; error: string; retryInMs: number };

/** Where written bytes went: the connection (by generation) and when the kernel took them. */
export interface WriteReceipt {
  readonly generation: number;
  readonly atMs: number;
}

/** The connection is down or broke; what was written on it may not have arrived. */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
  readonly code = 'HEKA_ERR_NET_CONNECTION_LOST';
}

interface Confirmation {
  until: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: Timer | null;
}

export class ReconnectingSocket {
  /** Increments with every established connection. */
  generation = 0;
  connects = 0;
  losses = 0;
  private sock: net.Socket | null = null;
  private connected = false;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: Timer | null = null;
  private backoff: number;
  private lastError = '';
  private closed = false;
  private confirmations = new Set<Confirmation>();
  private readonly address: string;

  constructor(private readonly o: ReconnectingSocketOptions) {
    this.backoff = o.reconnectDelayMs;
    this.address = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Bytes handed to the socket and not yet taken by the kernel. */
  get writableLength(): number {
    return this.sock?.writableLength ?? 0;
  }

  /**
   * Sends `buf`; resolves when the kernel accepted it. Rejects with ConnectionLostError when not
   * connected (a connection attempt is started unless a reconnect delay is running) or when the
   * connection breaks before the bytes were taken.
   */
  async write(buf: Buffer): Promise<WriteReceipt> {
    if (this.closed) throw new ConnectionLostError(`connection to ${this.address} closed`);
    if (!this.connected) {
      if (this.connecting === null && this.reconnectTimer === null) this.connect();
      if (this.connecting === null) {
        throw new ConnectionLostError(`not connected to ${this.address}${this.lastError ? `: ${this.lastError}` : ''}`);
      }
      await this.connecting;
      if (!this.connected) throw new ConnectionLostError(`can't connect to ${this.address}: ${this.lastError}`);
    }
    // close() may have run while this write waited for the connection.
    const sock = this.sock;
    if (this.closed || sock === null) throw new ConnectionLostError(`connection to ${this.address} closed`);
    const generation = this.generation;
    await new Promise<void>((resolve, reject) => {
      sock.write(buf, (err) => {
        if (err) reject(new ConnectionLostError(`writing to ${this.address}: ${err.message}`));
        else resolve();
      });
    });
    if (generation !== this.generation || !this.connected) {
      throw new ConnectionLostError(`connection to ${this.address} lost during the write: ${this.lastError}`);
    }
    return { generation, atMs: this.o.clock.nowMs() };
  }

  /**
   * Resolves once the connection that carried `receipt` has stayed up until `receipt.atMs + ms`;
   * rejects with ConnectionLostError when it broke before (or already has).
   */
  confirm(receipt: WriteReceipt, ms: number): Promise<void> {
    if (receipt.generation !== this.generation || !this.connected) {
      return Promise.reject(new ConnectionLostError(`connection to ${this.address} lost after the write: ${this.lastError}`));
    }
    const wait = receipt.atMs + ms - this.o.clock.nowMs();
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const c: Confirmation = { until: receipt.atMs + ms, resolve, reject, timer: null };
      c.timer = this.o.clock.timeout(() => {
        this.confirmations.delete(c);
        resolve();
      }, wait);
      this.confirmations.add(c);
    });
  }

  /** Closes for good: ends the connection (waiting at most `graceMs` for the peer), stops reconnecting. */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    this.failConfirmations('socket closed');
    const sock = this.sock;
    this.sock = null;
    this.connected = false;
    if (sock === null) return;
    await new Promise<void>((resolve) => {
      const t = this.o.clock.timeout(resolve, graceMs, { keepAlive: false });
      sock.end(() => {
        t.cancel();
        resolve();
      });
    });
    sock.destroy();
  }

  private connect(): void {
    if (this.closed || this.connecting !== null || this.sock !== null) return;
    const { host, port } = this.o;
    const sock = this.o.tls ? tls.connect({ ...this.o.tls, host, port }) : net.createConnection({ host, port });
    this.sock = sock;
    this.connecting = new Promise<void>((resolve) => {
      const onUp = () => {
        if (this.closed) {
          // Connected after close(): nothing may use this connection.
          this.connecting = null;
          sock.destroy();
          resolve();
          return;
        }
        const reconnect = this.connects > 0;
        this.connected = true;
        this.connects++;
        this.generation++;
        this.backoff = this.o.reconnectDelayMs;
        this.lastError = '';
        if (this.o.noDelay !== false) sock.setNoDelay(true);
        if ((this.o.keepAliveMs ?? 0) > 0) sock.setKeepAlive(true, this.o.keepAliveMs);
        this.connecting = null;
        this.o.onEvent?.({ type: 'connect', reconnect });
        resolve();
      };
      sock.once(this.o.tls ? 'secureConnect' : 'connect', onUp);
      sock.once('close', () => {
        if (this.connecting !== null && !this.connected) {
          this.connecting = null;
          resolve();
        }
      });
    });
    sock.on('error', (err) => {
      this.lastError = err.message;
    });
    // A line-protocol server never half-closes: its FIN means it is going away.
    sock.on('end', () => sock.destroy());
    sock.on('data', () => {
      /* the server's replies are not read */
    });
    sock.on('close', () => this.onClose(sock));
  }

  private onClose(sock: net.Socket): void {
    if (this.sock !== sock) return;
    const wasConnected = this.connected;
    this.sock = null;
    this.connected = false;
    if (this.lastError === '') this.lastError = 'connection closed by peer';
    if (wasConnected) {
      this.losses++;
      this.failConfirmations(this.lastError);
      this.o.onEvent?.({ type: 'lost', error: this.lastError });
    }
    if (this.closed) return;
    // After a loss try again soon; after a failed attempt back off further.
    const wait = wasConnected ? this.o.reconnectDelayMs : this.backoff;
    if (!wasConnected) {
      this.o.onEvent?.({ type: 'connect-failed', error: this.lastError, retryInMs: wait });
      this.backoff = Math.min(this.o.maxReconnectDelayMs, this.backoff * 2);
    }
    this.reconnectTimer = this.o.clock.timeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, wait, { keepAlive: false });
  }

  private failConfirmations(why: string): void {
    const err = new ConnectionLostError(`connection to ${this.address} lost: ${why}`);
    for (const c of this.confirmations) {
      c.timer?.cancel();
      c.reject(err);
    }
    this.confirmations.clear();
  }
}
