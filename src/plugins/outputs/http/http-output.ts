/**
 * HttpOutput (spec/outputs.md §2): one HTTP request per message, the encoded bytes as the body
 * (POST/PUT; GET sends none). The request succeeds on a final 1xx-3xx status after redirects; the
 * response body is read and discarded so the keep-alive connection is reused.
 *
 * Delivery policy lives in the output runner; this plugin sends the records of a batch one
 * request at a time, in order, and classifies each outcome:
 * - connection errors, timeouts, 5xx and 429: that record and every one after it are retried
 *   (with buffering forever at 10 ms..1 s, so a record leaves the disk queue only once accepted);
 * - any other status >= 400: the record is rejected, counted by the runner (RejectedCount) and
 *   logged with the status and the start of the response body, never silently dropped.
 */
import type { Clock } from '../../../core/clock.js';
import { STATUS_CODES } from 'node:http';
import { Agent, interceptors, type Dispatcher } from 'undici';
import { BatchResult, type Batch, type Output, type PluginContext, type ReportField } from '../../../plugin-api/index.js';
import type { HttpOutputConfig } from './config.js';
import { tlsClientOptions } from './tls.js';

/** How much of an error response body goes into the error text. */
const MAX_ERROR_BODY = 512;
/** Go's http.Client follows at most 10 redirects. */
const MAX_REDIRECTS = 10;

export class HttpOutput implements Output {
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;
  private readonly origin: string;
  private readonly path: string;
  private readonly method: 'POST' | 'PUT' | 'GET';
  private readonly headers: Record<string, string | string[]>;
  private readonly timeoutMs: number;
  /** Requests accepted by the server. */
  sent = 0;
  /** Failed attempts that will be retried. */
  retryable = 0;
  lastStatus = 0;

  private readonly clock: Clock;
  /** Aborts every request still waiting at stop (a server that accepted and never answers). */
  private readonly stopping = new AbortController();

  constructor(config: HttpOutputConfig, ctx: PluginContext) {
    this.clock = ctx.clock;
    const url = new URL(config.address);
    this.origin = url.origin;
    this.path = url.pathname + url.search;
    this.method = config.method.toUpperCase() as 'POST' | 'PUT' | 'GET';
    this.timeoutMs = config.http_timeout;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(config.headers ?? {})) headers[k] = v as string[];
    if (config.username !== '' || config.password !== '') {
      headers['Authorization'] = 'Basic ' + Buffer.from(`${config.username}:${config.password}`).toString('base64');
    }
    this.headers = headers;
    this.agent = new Agent({
      connect: url.protocol === 'https:' ? tlsClientOptions(config.tls) : undefined,
      keepAliveTimeout: 30_000,
    });
    this.dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }));
  }

  async writeBatch(batch: Batch): Promise<BatchResult | void> {
    const recs = batch.records;
    let result: BatchResult | undefined;
    for (let i = 0; i < recs.length; i++) {
      const outcome = await this.send(recs[i]!.bytes!);
      if (outcome === null) continue;
      result ??= new BatchResult();
      if (outcome.retry) return result.retryRange(i, recs.length, new Error(outcome.message));
      result.reject(i, outcome.message);
    }
    return result;
  }

  /** One request: null when the server accepted it, else why not and whether to retry. */
  private async send(body: Buffer): Promise<{ retry: boolean; message: string } | null> {
    let res: Dispatcher.ResponseData;
    // http_timeout on the clock; the stop signal cuts any request short at shutdown.
    const abort = new AbortController();
    const onStop = () => abort.abort(new Error('hekad is stopping'));
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    const timer = this.timeoutMs > 0
      ? this.clock.timeout(() => abort.abort(timeoutError(this.timeoutMs)), this.timeoutMs, { keepAlive: false })
      : null;
    try {
      res = await this.dispatcher.request({
        origin: this.origin,
        path: this.path,
        method: this.method,
        headers: this.headers,
        body: this.method === 'GET' ? null : body,
        signal: abort.signal,
      });
    } catch (err) {
      this.retryable++;
      return { retry: true, message: `Error making HTTP request: ${describe(err)}` };
    } finally {
      timer?.cancel();
      this.stopping.signal.removeEventListener('abort', onStop);
    }
    const status = res.statusCode;
    this.lastStatus = status;
    if (status < 400) {
      try {
        await res.body.dump();
      } catch {
        /* the response was complete enough: the server accepted the request */
      }
      this.sent++;
      return null;
    }
    let text = '';
    try {
      text = (await res.body.text()).slice(0, MAX_ERROR_BODY);
    } catch {
      /* keep the status alone */
    }
    const message = `HTTP Error code returned: ${status} ${STATUS_CODES[status] ?? ''} - ${text}`;
    if (status >= 500 || status === 429) {
      this.retryable++;
      return { retry: true, message };
    }
    return { retry: false, message };
  }

  /**
   * Called after the runner's stop timeout: requests still waiting are aborted (their records
   * stay unacknowledged) so a server that accepted a request and never answers cannot hold up
   * shutdown.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.agent.destroy();
  }

  report(): ReportField[] {
    return [
      { name: 'SentCount', value: this.sent, representation: 'count' },
      { name: 'RetryableErrorCount', value: this.retryable, representation: 'count' },
      { name: 'LastStatus', value: this.lastStatus, representation: '' },
    ];
  }
}

function timeoutError(ms: number): Error {
  const e = new Error(`no answer within http_timeout (${ms} ms)`);
  e.name = 'TimeoutError';
  return e;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  const code = (err as NodeJS.ErrnoException).code;
  let s = err.name === 'TimeoutError' ? 'request timed out' : err.message;
  if (code && !s.includes(code)) s += ` (${code})`;
  if (cause instanceof Error && !s.includes(cause.message)) s += `: ${cause.message}`;
  return s;
}
