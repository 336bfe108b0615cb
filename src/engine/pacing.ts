import type { IdleWindow } from '../scenario/plan.js';
import { exponential, type Random } from '../util/rng.js';

/** The next due time of a Poisson sender; far behind (a stalled event loop), it starts again from now instead of bursting. */
export function nextPoissonDue(lastDueMs: number, nowMs: number, intervalMs: number, random: Random): number {
  const next = lastDueMs + exponential(random, intervalMs);
  return next < nowMs - intervalMs ? nowMs + exponential(random, intervalMs) : next;
}

/** Whether run-clock `nowMs` falls in one of the client's idle windows (indices into the plan's). */
export function inIdleWindow(nowMs: number, windows: readonly number[], idle: readonly IdleWindow[]): boolean {
  for (const index of windows) {
    const window = idle[index];
    if (nowMs >= window.atMs && nowMs < window.atMs + window.forMs) return true;
  }
  return false;
}
