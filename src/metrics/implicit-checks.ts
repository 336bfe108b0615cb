import type { Plan } from '../scenario/plan.js';
import type { WorkerCounters } from './counters.js';
import type { Summary } from './summary-types.js';

/** Verdicts no threshold has to ask for: credentials refused, a step that never passed. */
type Totals = WorkerCounters;

/**
 * Handshakes refused with 401 or 403 fail the run unless a threshold judges them: the clients could not be the users
 * they stand for, so nothing else they measured is the service's real load.
 */
export function credentialChecks(plan: Plan, totals: Totals): Summary['thresholds'] {
  return ['http_401', 'http_403'].flatMap((reason) => {
    const metric = `connections.failed_by_reason.${reason}`;
    const refused = totals.failedByReason[reason] ?? 0;
    if (refused === 0 || plan.thresholds.some((threshold) => threshold.metric === metric)) return [];
    return [{ metric, condition: '== 0 (implicit)', actual: refused, passed: false }];
  });
}

/**
 * A target that stopped reading (messages held back) or went silent (pongs missing, keepalives unanswered) fails the
 * run unless a threshold judges it: the load asked for did not reach it, or connections were dead with sockets open.
 */
export function liveFaultChecks(plan: Plan, totals: Totals): Summary['thresholds'] {
  const faults: [string, number][] = [
    ['messages.backpressured', totals.backpressured ?? 0],
    ['disconnects.by_reason.pong_timeout', totals.closeReasons.pong_timeout ?? 0],
    ['disconnects.by_reason.keepalive_timeout', totals.closeReasons.keepalive_timeout ?? 0],
  ];
  return faults.flatMap(([metric, actual]) => {
    if (actual === 0 || plan.thresholds.some((threshold) => threshold.metric === metric)) return [];
    return [{ metric, condition: '== 0 (implicit)', actual, passed: false }];
  });
}

/** A step with attempts and no pass: why a threshold on it cannot pass (null when it passed somewhere). */
export function neverPassed(metric: string, totals: Totals): string | null {
  const step = /^(?:latency\.)?steps\.([^.]+)\./.exec(metric)?.[1];
  if (!step || (totals.stepAttempted[step] ?? 0) === 0 || (totals.stepPassed[step] ?? 0) > 0) return null;
  const cut = totals.stepCut[step] ?? 0;
  return `step ${step} never passed (${totals.stepAttempted[step]} attempts, ${cut} cut by the client's own close)`;
}

/** A step attempted and never passed fails the run unless a threshold judges it. */
export function stepChecks(plan: Plan, totals: Totals): Summary['thresholds'] {
  return plan.app.steps.flatMap((step) => {
    const attempted = totals.stepAttempted[step.name] ?? 0;
    if (attempted === 0 || (totals.stepPassed[step.name] ?? 0) > 0) return [];
    if (plan.thresholds.some((threshold) => threshold.metric.includes(`steps.${step.name}.`))) return [];
    return [
      {
        metric: `steps.${step.name}.passed`,
        condition: '> 0 (implicit)',
        actual: 0,
        passed: false,
        why: neverPassed(`steps.${step.name}.passed`, totals)!,
      },
    ];
  });
}
