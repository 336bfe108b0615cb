import type { Summary } from '../metrics/summary-types.js';
import { metricValue } from '../metrics/thresholds.js';

/** Metrics `diff` compares; all of them are worse when they grow. `floor` is the absolute change that matters. */
export const DIFF_METRICS: readonly { metric: string; floor: number }[] = [
  { metric: 'latency.message.p50', floor: 0.5 },
  { metric: 'latency.message.p99', floor: 1 },
  { metric: 'latency.message.p999', floor: 2 },
  { metric: 'latency.handshake.p50', floor: 0.5 },
  { metric: 'latency.handshake.p99', floor: 2 },
  { metric: 'latency.reconnect.p99', floor: 10 },
  { metric: 'handshake.error_rate', floor: 0.001 },
  { metric: 'stickiness.violation_rate', floor: 0.001 },
  { metric: 'distribution.imbalance', floor: 0.02 },
  { metric: 'disconnects.unexpected', floor: 1 },
  { metric: 'messages.lost', floor: 1 },
];

export interface DiffRow {
  metric: string;
  base: number;
  candidate: number;
  change: number | null;
  regression: boolean;
}

/** A regression: the candidate is worse by more than the tolerance (relative) and by more than the floor (absolute). */
export function diffSummaries(base: Summary, candidate: Summary, tolerance: number): DiffRow[] {
  return DIFF_METRICS.map(({ metric, floor }) => {
    const a = metricValue(base, metric) ?? 0;
    const b = metricValue(candidate, metric) ?? 0;
    const change = a === 0 ? (b === 0 ? 0 : null) : (b - a) / a;
    const regression = b - a > floor && (change === null || change > tolerance);
    return { metric, base: a, candidate: b, change, regression };
  });
}
