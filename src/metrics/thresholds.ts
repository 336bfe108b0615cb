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

/**
 * Evaluates every threshold. A metric absent from the summary (a close code that never happened)
 * counts as 0, so `disconnects.by_close_code.1006: "== 0"` holds when there was none.
 */
export function evaluateThresholds(summary: Omit<Summary, 'thresholds' | 'verdict'>, thresholds: readonly ThresholdPlan[]): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const actual = metricValue(summary, threshold.metric) ?? 0;
    return { metric: threshold.metric, condition: threshold.condition, actual, passed: COMPARE[threshold.op](actual, threshold.value) };
  });
}
