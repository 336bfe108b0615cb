import type { Plan } from '../scenario/plan.js';
import type { WorkerCounters } from './counters.js';
import type { ContinuitySummary } from './summary-types.js';

const STORE_LABEL: Partial<Record<ContinuitySummary['store'], string>> = {
  app: 'resume step',
  mqtt: 'mqtt sessions',
  module: 'module sessions',
};

/** `memory: 464 resumes, 160 resumed, 304 lost (65.5%: unknown 156, stale 148)`: one line for every report. */
export function continuityLine(c: ContinuitySummary): string {
  const causes = Object.entries(c.lost_by_cause)
    .map(([cause, n]) => `${cause} ${n}`)
    .join(', ');
  return (
    `${STORE_LABEL[c.store] ?? `state: ${c.store}`}: ${c.resumes} resumes, ` +
    `${c.resumed} resumed, ${c.lost} lost (${Math.round(c.lost_rate * 1000) / 10}%` +
    `${causes ? `: ${causes}` : ''})` +
    (c.offline
      ? `; messages queued while away: ${c.offline.delivered} delivered after the reconnect, ${c.offline.lost} never`
      : '')
  );
}

/**
 * `continuity` of summary.json: measured on managed reference backends (target.state) or by an on_open continuity step;
 * absent otherwise.
 */
export function summariseContinuity(plan: Plan, totals: WorkerCounters): ContinuitySummary | undefined {
  const byStep = plan.app.steps.some((step) => step.continuity);
  const resumes = totals.resumes ?? 0;
  const byProtocol = plan.app.mqtt ? plan.app.mqtt.clean === false : plan.app.module !== null && resumes > 0;
  if (!plan.state && !byStep && !byProtocol) return undefined;
  const lostByCause = totals.stateLost ?? {};
  const lost = Object.values(lostByCause).reduce((sum, n) => sum + n, 0);
  return {
    store: byStep ? 'app' : byProtocol ? (plan.app.mqtt ? 'mqtt' : 'module') : plan.state!,
    resumes,
    resumed: totals.resumed ?? 0,
    lost,
    lost_rate: resumes > 0 ? Math.round((lost / resumes) * 1e6) / 1e6 : 0,
    lost_by_cause: lostByCause,
    ...(totals.offlineDelivered || totals.offlineLost
      ? { offline: { delivered: totals.offlineDelivered ?? 0, lost: totals.offlineLost ?? 0 } }
      : {}),
  };
}
