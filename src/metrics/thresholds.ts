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

type Basis = { count: number; what: string };

/** A metric's basis: `match` picks the metrics it is for (its result is handed on), `basis` says what it rests on. */
interface BasisRule {
  match: (metric: string) => RegExpExecArray | boolean | null;
  basis: (summary: Judged, match: RegExpExecArray | null) => Basis;
}

const named =
  (...metrics: string[]) =>
  (metric: string) =>
    metrics.includes(metric);
const under = (prefix: string) => (metric: string) => metric.startsWith(prefix);
const pattern = (regex: RegExp) => (metric: string) => regex.exec(metric);
const opened = (summary: Judged): Basis => ({ count: summary.connections.opened, what: 'no connection opened' });

/**
 * In order: the first rule whose match holds gives the basis; a metric no rule names rests on the connections opened.
 */
const BASIS_RULES: BasisRule[] = [
  {
    match: pattern(/^latency\.steps\.([^.]+)\./),
    basis: (summary, match) => ({
      count: summary.latency.steps?.[match![1]]?.count ?? 0,
      what: `step ${match![1]} never got its answer (count 0)`,
    }),
  },
  {
    match: pattern(/^steps\.([^.]+)/),
    basis: (summary, match) => ({
      count: summary.steps?.[match![1]]?.attempted ?? 0,
      what: `step ${match![1]} was never sent`,
    }),
  },
  {
    match: named('push.gap_p99'),
    basis: (summary) => ({
      count: summary.push?.gap_p99 === null || !summary.push ? 0 : 1,
      what: 'no client got two pushes',
    }),
  },
  {
    match: named('stickiness.session_break_rate'),
    basis: (summary) => ({ count: summary.sessions?.opened ?? 0, what: 'no Socket.IO session opened' }),
  },
  {
    match: under('continuity.'),
    basis: (summary) => ({
      count: summary.continuity?.resumes ?? 0,
      what: summary.continuity
        ? 'no reconnect resumed a session'
        : 'nothing measured state continuity: it needs a managed stack with the reference ' +
          'backend (target.state) or an on_open step with continuity: true',
    }),
  },
  { match: under('push.'), basis: opened },
  {
    match: pattern(/^latency\.(\w+)\./),
    basis: (summary, match) => {
      // latency.steps holds one summary a step (named by the rule above), not a count of its own.
      const entry = Object.entries(summary.latency).find(([kind]) => kind === match![1])?.[1];
      const count = entry && 'count' in entry && typeof entry.count === 'number' ? entry.count : 0;
      return { count, what: `no ${match![1]} latency was measured (count 0)` };
    },
  },
  { match: named('duration_s', 'connections.clients', 'connections.attempted'), basis: () => ({ count: 1, what: '' }) },
  {
    match: (metric) => metric.startsWith('handshake.') || metric.startsWith('connections.'),
    basis: (summary) => ({ count: summary.connections.attempted, what: 'no connection was attempted' }),
  },
  {
    match: named('stickiness.violation_rate'),
    basis: (summary) => ({
      count: summary.stickiness.sticky + summary.stickiness.violations,
      what: 'no reconnect was judged (no sticky and no violation)',
    }),
  },
  {
    match: named('messages.received', 'messages.lost'),
    basis: (summary) => ({ count: summary.messages.sent, what: 'no message was sent' }),
  },
  {
    match: named('recovery.p99_ms', 'recovery.max_ms'),
    basis: (summary) => ({
      count: summary.recovery.clients_cut - summary.recovery.clients_lost,
      what: 'no client cut by an outage came back (or none was cut)',
    }),
  },
];

/**
 * What a metric's figure rests on: the count without which it means nothing (a p99 of no message, an
 * error rate of no attempt, a violation rate of no judged reconnect), with the words that say so.
 */
export function metricBasis(summary: Judged, metric: string): Basis {
  for (const rule of BASIS_RULES) {
    const match = rule.match(metric);
    if (match) return rule.basis(summary, match === true ? null : match);
  }
  return opened(summary);
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
