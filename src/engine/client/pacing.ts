import type { IdleWindow } from '../../scenario/plan.js';
import type { AddressPool } from '../../util/address-pool.js';
import { exponential, type Random } from '../../util/rng.js';

/**
 * The next due time of a Poisson sender; far behind (a stalled event loop), it starts again from now instead of
 * bursting.
 */
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

/**
 * Churn: the share `changeAddress` of reconnects comes from a new random address of the pool (a phone switching
 * networks).
 */
export function addressAfterDrop(
  address: string | null,
  changeAddress: number,
  pool: AddressPool,
  random: Random,
  rotateAddress = 0,
): string | null {
  if (changeAddress > 0 && random() < changeAddress && pool.size > 1)
    return pool.addressAt(Math.floor(random() * pool.size));
  // IPv6: a new interface identifier inside the client's own prefix.
  if (rotateAddress > 0 && address && pool.rotate && random() < rotateAddress) return pool.rotate(address, random);
  return address;
}
