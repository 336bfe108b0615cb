import type { Plan } from '../scenario/plan.js';
import type { RunAggregate } from './aggregate.js';
import { newHistogram } from './histograms.js';
import { summariseLatency } from './histograms.js';
import type { StepSummary, Summary } from './summary-types.js';

/** latency.steps and latency.push, for scenarios whose protocol has steps or pushes. */
export function protocolLatency(plan: Plan, aggregate: RunAggregate): Pick<Summary['latency'], 'steps' | 'push'> {
  const steps = plan.app.steps.filter((step) => step.expect);
  return {
    ...(steps.length > 0
      ? {
          steps: Object.fromEntries(
            steps.map((step) => [step.name, summariseLatency(aggregate.steps.get(step.name) ?? newHistogram())]),
          ),
        }
      : {}),
    ...(plan.app.push ? { push: summariseLatency(aggregate.push) } : {}),
  };
}

/** steps.NAME and push, for scenarios whose protocol has them. */
export function protocolFigures(plan: Plan, aggregate: RunAggregate): Pick<Summary, 'steps' | 'push' | 'sessions'> {
  const totals = aggregate.totals;
  const steps: Record<string, StepSummary> = {};
  for (const step of plan.app.steps) {
    const byReason: Record<string, number> = {};
    for (const [key, count] of Object.entries(totals.stepFailed ?? {})) {
      const [name, reason] = key.split(':');
      if (name === step.name) byReason[reason] = count;
    }
    const failed = Object.values(byReason).reduce((sum, n) => sum + n, 0);
    const cameInstead = Object.keys(totals.stepCameInstead ?? {})
      .filter((key) => key.startsWith(`${step.name}: `))
      .slice(0, 3)
      .map((key) => key.slice(step.name.length + 2));
    steps[step.name] = {
      attempted: totals.stepAttempted?.[step.name] ?? 0,
      passed: totals.stepPassed?.[step.name] ?? 0,
      failed,
      failed_by_reason: byReason,
      cut: totals.stepCut?.[step.name] ?? 0,
      ...(cameInstead.length > 0 ? { came_instead: cameInstead } : {}),
    };
  }
  return {
    ...(plan.app.steps.length > 0 ? { steps } : {}),
    ...(plan.app.socketio
      ? {
          sessions: {
            opened: totals.sessionsOpened,
            upgraded: totals.sessionsUpgraded,
            broken: totals.sessionBreaks,
            by_transport: totals.sessionsByTransport,
          },
        }
      : {}),
    ...(plan.app.push || totals.pushReceived > 0 ? { push: pushFigures(plan, aggregate) } : {}),
  };
}

/** push: every server message that answered nothing, those push.match names, the gaps, a room's fan-out. */
function pushFigures(plan: Plan, aggregate: RunAggregate): NonNullable<Summary['push']> {
  const totals = aggregate.totals;
  const gap = aggregate.pushGap;
  // A room's fan-out: the pushes (those push.match names, when it does) per message sent.
  const fanOut = plan.app.push?.match ? totals.pushMatched : totals.pushReceived;
  return {
    received: totals.pushReceived,
    matched: totals.pushMatched,
    gap_p99: gap.totalCount > 0 ? gap.getValueAtPercentile(99) / 1000 : null,
    per_message: totals.sent > 0 ? Math.round((fanOut / totals.sent) * 1000) / 1000 : null,
  };
}
