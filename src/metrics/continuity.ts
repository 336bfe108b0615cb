import type { Plan } from '../scenario/plan.js';
import type { WorkerCounters } from './counters.js';
import type { ContinuitySummary } from './summary-types.js';

/** `continuity` of summary.json: measured on managed reference backends (target.state) or by an on_open continuity step; absent otherwise. */
export function summariseContinuity(plan: Plan, totals: WorkerCounters): ContinuitySummary | undefined {
  const byStep = plan.app.steps.some((step) => step.continuity);
  if (!plan.state && !byStep) return undefined;
  const lostByCause = totals.stateLost ?? {};
  const lost = Object.values(lostByCause).reduce((sum, n) => sum + n, 0);
  const resumes = totals.resumes ?? 0;
  return {
    store: plan.state ?? 'app',
    resumes,
    resumed: totals.resumed ?? 0,
    lost,
    lost_rate: resumes > 0 ? Math.round((lost / resumes) * 1e6) / 1e6 : 0,
    lost_by_cause: lostByCause,
  };
}
