/**
 * The daemon's own log, in Heka's voice: informational lines to stdout, errors to stderr, each
 * with the Go `log` prefix chosen by [hekad] log_flags (spec/config.md §1, outputs.md §8).
 */

export const LOG_DATE = 1;
export const LOG_TIME = 2;
export const LOG_MICROSECONDS = 4;
export const LOG_UTC = 32;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** The Go log prefix for `flags` at time `d` ("2014/02/10 08:46:41 " for the default 3). */
export function logPrefix(flags: number, d: Date = new Date()): string {
  if ((flags & (LOG_DATE | LOG_TIME | LOG_MICROSECONDS)) === 0) return '';
  const utc = (flags & LOG_UTC) !== 0;
  let s = '';
  if (flags & LOG_DATE) {
    s += utc
      ? `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} `
      : `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} `;
  }
  if (flags & (LOG_TIME | LOG_MICROSECONDS)) {
    s += utc
      ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
      : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (flags & LOG_MICROSECONDS) s += '.' + pad((utc ? d.getUTCMilliseconds() : d.getMilliseconds()) * 1000, 6);
    s += ' ';
  }
  return s;
}

export interface LogSink {
  out(line: string): void;
  err(line: string): void;
}

export const stdSink: LogSink = {
  out: (line) => void process.stdout.write(line),
  err: (line) => void process.stderr.write(line),
};

export class Logger {
  constructor(
    private sink: LogSink = stdSink,
    public flags = LOG_DATE | LOG_TIME,
    /** Prefix such as `Input 'x'` used by child loggers; empty for the daemon itself. */
    private scope = '',
  ) {}

  child(scope: string): Logger {
    return new Logger(this.sink, this.flags, scope);
  }

  setSink(sink: LogSink): void {
    this.sink = sink;
  }

  private line(text: string): string {
    const body = text.endsWith('\n') ? text : text + '\n';
    return logPrefix(this.flags) + body;
  }

  info(msg: string): void {
    this.sink.out(this.line(this.scope ? `${this.scope}: ${msg}` : msg));
  }

  warn(msg: string): void {
    this.sink.err(this.line(this.scope ? `${this.scope} warning: ${msg}` : `Warning: ${msg}`));
  }

  error(msg: string): void {
    this.sink.err(this.line(this.scope ? `${this.scope} error: ${msg}` : msg));
  }

  /**
   * Write a block of text to stderr as Go's `LogError.Println` does: one prefix before the whole
   * block and a newline after it, even when the text already ends in one (the SIGUSR1 report).
   */
  errorBlock(text: string): void {
    this.sink.err(logPrefix(this.flags) + text + '\n');
  }

  /** Write raw output lines (LogOutput) with the prefix, to stdout. */
  raw(text: string): void {
    this.sink.out(this.line(text));
  }
}
