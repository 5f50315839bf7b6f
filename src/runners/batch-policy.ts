/**
 * The output runner's batch and retry arithmetic, kept apart so the numbers can be read (and
 * tested) without the runner around them.
 */
import type { BatchSettings } from '../plugin-api/index.js';

export type ResolvedBatchSettings = Readonly<BatchSettings>;

/** The section's `retries` table (config.md §8), durations in ms. */
export interface RetrySettings {
  delay: number;
  max_delay: number;
  max_jitter: number;
  /** -1 (or 0) = retry forever, N > 0 = give up after N retries. */
  max_retries: number;
}

/**
 * Defaults for outputs that declare nothing: hand over whatever is queued at once (no added
 * latency), at most 2048 records or 4 MiB per batch, one batch at a time, 16 MiB held.
 */
export const DEFAULT_BATCH: ResolvedBatchSettings = {
  count: 2048,
  operator: 'OR',
  intervalMs: 0,
  whenIdle: true,
  maxRecords: 2048,
  maxBytes: 4 * 1024 * 1024,
  maxInFlight: 1,
  maxHeldBytes: 16 * 1024 * 1024,
};

/** Fills what a plugin left out; `count` defaults to `maxRecords`. */
export function resolveBatchSettings(p: Partial<BatchSettings> | undefined): ResolvedBatchSettings {
  const maxRecords = Math.max(1, p?.maxRecords ?? DEFAULT_BATCH.maxRecords);
  const maxBytes = Math.max(1, p?.maxBytes ?? DEFAULT_BATCH.maxBytes);
  return {
    count: Math.max(1, Math.min(p?.count ?? maxRecords, maxRecords)),
    operator: p?.operator === 'AND' ? 'AND' : 'OR',
    intervalMs: Math.max(0, p?.intervalMs ?? 0),
    whenIdle: p?.whenIdle ?? true,
    maxRecords,
    maxBytes,
    maxInFlight: Math.max(1, p?.maxInFlight ?? DEFAULT_BATCH.maxInFlight),
    maxHeldBytes: Math.max(maxBytes, p?.maxHeldBytes ?? DEFAULT_BATCH.maxHeldBytes),
  };
}

/**
 * Wait before retry number `attempt` + 1 (attempt 0 = the first failure): `delay` doubling per
 * attempt, capped at `max_delay`, plus a uniformly random jitter in [0, max_jitter).
 */
export function backoffDelay(r: RetrySettings, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(r.max_delay, r.delay * 2 ** Math.min(attempt, 30));
  return base + (r.max_jitter > 0 ? random() * r.max_jitter : 0);
}
