import type { ThresholdPlan } from '../scenario/plan.js';
import type { Summary, ThresholdResult } from './summary-types.js';

/** Reads a dotted path of summary.json; undefined when it names nothing numeric. */
export function metricValue(summary: unknown, metric: string): number | undefined {
  let current: unknown = summary;
  for (const part of metric.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return typeof current === 'number' ? current : undefined;
}

const COMPARE: Record<ThresholdPlan['op'], (actual: number, limit: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => Math.abs(a - b) < 1e-12,
  '!=': (a, b) => Math.abs(a - b) >= 1e-12,
};

type Judged = Omit<Summary, 'thresholds' | 'verdict' | 'findings'>;

/**
 * What a metric's figure rests on: the count without which it means nothing (a p99 of no message, an
 * error rate of no attempt, a violation rate of no judged reconnect), with the words that say so.
 */
export function metricBasis(summary: Judged, metric: string): { count: number; what: string } {
  const step = /^latency\.steps\.([^.]+)\./.exec(metric);
  if (step)
    return {
      count: summary.latency.steps?.[step[1]]?.count ?? 0,
      what: `step ${step[1]} never got its answer (count 0)`,
    };
  if (metric.startsWith('steps.'))
    return {
      count: summary.steps?.[metric.split('.')[1]]?.attempted ?? 0,
      what: `step ${metric.split('.')[1]} was never sent`,
    };
  if (metric === 'push.gap_p99')
    return { count: summary.push?.gap_p99 === null || !summary.push ? 0 : 1, what: 'no client got two pushes' };
  if (metric === 'stickiness.session_break_rate')
    return { count: summary.sessions?.opened ?? 0, what: 'no Socket.IO session opened' };
  if (metric.startsWith('continuity.')) {
    const what = summary.continuity
      ? 'no reconnect resumed a session'
      : 'nothing measured state continuity: it needs a managed stack with the reference backend (target.state) or an on_open step with continuity: true';
    return { count: summary.continuity?.resumes ?? 0, what };
  }
  if (metric.startsWith('push.')) return { count: summary.connections.opened, what: 'no connection opened' };
  const latency = /^latency\.(\w+)\./.exec(metric);
  if (latency) {
    const kind = latency[1];
    const count = (summary.latency as unknown as Record<string, { count: number } | undefined>)[kind]?.count ?? 0;
    return { count, what: `no ${kind} latency was measured (count 0)` };
  }
  if (metric === 'duration_s' || metric === 'connections.clients' || metric === 'connections.attempted')
    return { count: 1, what: '' };
  if (metric.startsWith('handshake.') || metric.startsWith('connections.'))
    return { count: summary.connections.attempted, what: 'no connection was attempted' };
  if (metric === 'stickiness.violation_rate') {
    return {
      count: summary.stickiness.sticky + summary.stickiness.violations,
      what: 'no reconnect was judged (no sticky and no violation)',
    };
  }
  if (metric === 'messages.received' || metric === 'messages.lost')
    return { count: summary.messages.sent, what: 'no message was sent' };
  if (metric === 'recovery.p99_ms' || metric === 'recovery.max_ms') {
    return {
      count: summary.recovery.clients_cut - summary.recovery.clients_lost,
      what: 'no client cut by an outage came back (or none was cut)',
    };
  }
  return { count: summary.connections.opened, what: 'no connection opened' };
}

/**
 * Evaluates every threshold. A metric absent from the summary (a close code that never happened)
 * counts as 0, so `disconnects.by_close_code.1006: "== 0"` holds when there was none. A metric with
 * nothing behind it (see metricBasis) fails with `actual: null`: nothing measured is not a pass.
 */
export function evaluateThresholds(summary: Judged, thresholds: readonly ThresholdPlan[]): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const basis = metricBasis(summary, threshold.metric);
    if (basis.count <= 0)
      return { metric: threshold.metric, condition: threshold.condition, actual: null, passed: false, why: basis.what };
    const actual = metricValue(summary, threshold.metric) ?? 0;
    return {
      metric: threshold.metric,
      condition: threshold.condition,
      actual,
      passed: COMPARE[threshold.op](actual, threshold.value),
    };
  });
}
