import type { TargetPlan } from '../scenario/plan.js';

/**
 * Which backends the distribution is over, and what the summary must say about the ones it cannot
 * see. A managed stack knows its backends. For a target stickler does not run, a backend that got
 * no connection leaves no trace in what the clients saw, so the scenario has to name the expected
 * ones (`target.backends`), or the summary says that it could not see them.
 */
export function coverBackends(
  target: TargetPlan,
  managedBackends: readonly string[],
  seen: Record<string, number>,
): { ids: string[]; warnings: string[] } {
  const seenIds = Object.keys(seen).filter((id) => seen[id] > 0);
  if (target.kind !== 'url') return { ids: [...managedBackends], warnings: [] };
  const expected = target.expectedBackends;
  const warnings: string[] = [];
  // One backend declared, none named: every connection reached it; there is nothing to distribute or warn of.
  if (singleBackend(target) && seenIds.length === 0) return { ids: [], warnings };
  if (expected === null) {
    warnings.push(
      `stickler does not run this target, so a backend that got no connection cannot ` +
        `be seen: distribution, imbalance and jain cover the ${seenIds.length} backend(s) ` +
        `that answered (${seenIds.join(', ') || 'none'}). ` +
        'Declare the backends you expect in target.backends (their ids, or a count) so that unused ones count as 0.',
    );
    return { ids: seenIds, warnings };
  }
  if (typeof expected === 'number') {
    const unseen = Math.max(0, expected - seenIds.length);
    if (unseen > 0)
      warnings.push(
        `target.backends expects ${expected} backends, but only ${seenIds.length} got connections ` +
          `(${seenIds.join(', ') || 'none'}): ${unseen} got none and count as 0`,
      );
    if (seenIds.length > expected)
      warnings.push(
        `target.backends expects ${expected} backends, but ${seenIds.length} got connections (${seenIds.join(', ')})`,
      );
    return { ids: [...seenIds, ...Array.from({ length: unseen }, (_, i) => `unseen-${i + 1}`)], warnings };
  }
  const idle = expected.filter((id) => !seenIds.includes(id));
  if (idle.length > 0) warnings.push(`expected backend(s) with no connection: ${idle.join(', ')} (target.backends)`);
  const stray = seenIds.filter((id) => !expected.includes(id));
  if (stray.length > 0)
    warnings.push(
      `backend(s) not in target.backends got connections: ${stray.join(', ')} (a typo in ` +
        `target.backends, or a backend you did not expect?)`,
    );
  return { ids: [...expected, ...stray], warnings };
}

/** A url target declared as one backend (`target.backends: 1` or one id): where a connection landed is known. */
export function singleBackend(target: TargetPlan): boolean {
  if (target.kind !== 'url') return false;
  const expected = target.expectedBackends;
  return expected === 1 || (Array.isArray(expected) && expected.length === 1);
}

/** One line on connections whose backend could not be told, with the fix. */
export function unidentifiedWarning(
  unidentified: number,
  opened: number,
  identify: { header: string; messageField: string; cookie: string | null },
): string | null {
  if (unidentified === 0) return null;
  return (
    `${unidentified} of ${opened} connections could not be identified (no "` +
    `${identify.header}" header in the 101 response, no "${identify.messageField}" field in ` +
    `a first JSON message` +
    (`${identify.cookie ? `, no "${identify.cookie}" cookie` : ''}): they are left out ` +
      `of distribution and stickiness. `) +
    'Fix: set identify.header, identify.message_field or identify.cookie to what your backends send'
  );
}
