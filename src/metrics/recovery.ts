import type { ServingChange } from '../stack/stack.js';
import type { WorkerCounters } from './counters.js';
import type { Histogram } from './histograms.js';
import type { RecoverySummary } from './summary-types.js';

/**
 * Outages from the serving changes (stickler's own or inferred) with the clients each cut, how many
 * were back and how many never came back, from the counters the workers keyed by `backend#n`.
 */
export function summariseRecovery(
  changes: readonly ServingChange[],
  totals: WorkerCounters,
  recovery: Histogram,
  endS: number,
): RecoverySummary {
  const downs = new Map<string, number>();
  const outages: RecoverySummary['by_outage'] = [];
  for (const [index, change] of changes.entries()) {
    if (change.serving) continue;
    const n = (downs.get(change.backend) ?? 0) + 1;
    downs.set(change.backend, n);
    const key = `${change.backend}#${n}`;
    const up = changes.slice(index + 1).find((later) => later.backend === change.backend && later.serving);
    outages.push({
      backend: change.backend,
      down_at_s: change.t,
      back_up_at_s: up?.t ?? null,
      ...(change.source ? { source: change.source } : {}),
      clients_cut: totals.outageCut[key] ?? 0,
      clients_back: totals.outageBack[key] ?? 0,
      clients_lost: totals.outageLost[key] ?? 0,
      ...(up ? {} : { down_until_end_s: Math.max(0, Math.round((endS - change.t) * 1000) / 1000) }),
    });
  }
  const sum = (field: 'clients_cut' | 'clients_lost') => outages.reduce((total, outage) => total + outage[field], 0);
  return {
    outages: outages.length,
    clients_cut: sum('clients_cut'),
    clients_lost: sum('clients_lost'),
    p99_ms: recovery.totalCount > 0 ? recovery.getValueAtPercentile(99) / 1000 : null,
    max_ms: recovery.totalCount > 0 ? recovery.maxValue / 1000 : null,
    by_outage: outages,
  };
}

/** One line a person reads per outage: what went down, whom it cut, and whether they came back. */
export function outageLine(outage: RecoverySummary['by_outage'][number]): string {
  const by = outage.source
    ? ` (${outage.source === 'clients' ? "inferred from the clients' closes" : `by ${outage.source}`})`
    : '';
  const span =
    outage.back_up_at_s !== null
      ? `${outage.down_at_s}s-${outage.back_up_at_s}s`
      : `from ${outage.down_at_s}s to the end`;
  const lost = outage.clients_lost > 0 ? `, ${outage.clients_lost} never back` : '';
  return `${outage.backend} down ${span}${by}: cut ${outage.clients_cut} clients, ${outage.clients_back} back${lost}`;
}
