/** What every runner needs from the pipeline that owns it. */
import type { Clock } from '../core/clock.js';
import type { GlobalConfig } from '../plugin-api/index.js';
import type { Logger } from '../log/logger.js';
import type { Router } from '../pipeline/router.js';
import type { TelemetryRegistry } from '../telemetry/registry.js';

export interface RunnerEnv {
  readonly router: Router;
  readonly globals: GlobalConfig;
  readonly log: Logger;
  readonly clock: Clock;
  /** Where each runner registers its report record (and its plugin's fields) once, at construction. */
  readonly telemetry: TelemetryRegistry;
  /** A plugin that may not exit has stopped, or a fatal condition occurred: shut the daemon down. */
  fatal(reason: string): void;
}

/**
 * Per-plugin error reporting: counts every failure and logs at most `burst` lines per 10 s window,
 * then one summary line, so a flood of bad records cannot flood the log.
 */
export class ErrorReporter {
  count = 0;
  lastError = '';
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly burst = 10,
  ) {}

  report(err: unknown, stage: string): void {
    this.count++;
    const text = err instanceof Error ? err.message : String(err);
    this.lastError = text;
    const now = this.clock.nowMs();
    if (now - this.windowStart >= 10_000) {
      if (this.suppressed > 0) this.log.error(`${this.suppressed} more errors suppressed in the last 10 s.`);
      this.windowStart = now;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    if (++this.inWindow <= this.burst) this.log.error(`${stage}: ${text}`);
    else this.suppressed++;
  }
}
