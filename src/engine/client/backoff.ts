import type { Random } from '../../util/rng.js';

/** Exponential backoff, capped, with optional full jitter (delay drawn uniformly from 0..cap). */
export function backoffDelayMs(
  attempt: number,
  options: { initialMs: number; maxMs: number; jitter: boolean },
  random: Random,
): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return options.jitter ? random() * ceiling : ceiling;
}
