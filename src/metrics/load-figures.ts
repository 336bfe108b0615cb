import type { Plan } from '../scenario/plan.js';
import { emptyCounters, type WorkerCounters } from './counters.js';
import type { RunAggregate } from './aggregate.js';
import { newHistogram, summariseLatency } from './histograms.js';
import type { GroupSection, LoadSection, TimeseriesRow } from './summary-types.js';

/**
 * summary.json's `load`: the load model, each stage with the open count at its end (from the time series), the
 * arrival rate with the arrivals a slow target held back, and the clients that left for good.
 */
export function loadSection(plan: Plan, totals: WorkerCounters, rows: readonly TimeseriesRow[]): LoadSection {
  const { load, session } = plan.clients;
  const section: LoadSection = { model: load.model, clients: plan.clients.count, left: totals.left ?? 0 };
  if (session) section.session = { length_s: session.lengthMs / 1000, shape: session.shape };
  if (load.model === 'stages') {
    let endMs = 0;
    section.stages = load.stages.map((stage) => {
      endMs += 'holdMs' in stage ? stage.holdMs : stage.overMs;
      const openAtEnd = openAt(rows, endMs / 1000);
      return 'holdMs' in stage
        ? { hold_s: stage.holdMs / 1000, open_at_end: openAtEnd }
        : { to: stage.to, over_s: stage.overMs / 1000, open_at_end: openAtEnd };
    });
  }
  if (load.model === 'arrival') {
    const late = totals.lateStarts ?? 0;
    section.arrival = {
      rate: load.ratePerS,
      for_s: load.forMs / 1000,
      attempted: totals.attempted,
      late_starts: late,
      late_start_mean_ms: late > 0 ? Math.round((totals.lateStartMs ?? 0) / late) : 0,
    };
  }
  return section;
}

/** The open count of the time-series row closed at `tS` (the last row before it); null when the run ended first. */
function openAt(rows: readonly TimeseriesRow[], tS: number): number | null {
  let found: TimeseriesRow | null = null;
  for (const row of rows) if (row.t <= Math.round(tS)) found = row;
  return found && rows.at(-1)!.t >= Math.round(tS) ? found.open : null;
}

/** summary.json's `groups.NAME`: each persona's clients, connections, messages, latency and stickiness. */
export function groupsSection(plan: Plan, aggregate: RunAggregate): Record<string, GroupSection> | undefined {
  if (!plan.groups) return undefined;
  const section: Record<string, GroupSection> = {};
  for (const group of plan.groups) {
    const figures = aggregate.groups.get(group.name);
    // A group none of whose clients reported yet (a run cut short) has zeros.
    const c = figures?.counters ?? emptyCounters();
    section[group.name] = {
      clients: group.count,
      connections: { attempted: c.attempted, opened: c.opened, failed: c.failed },
      messages: { sent: c.sent, received: c.received, lost: c.lost },
      latency: { message: summariseLatency(figures?.message ?? newHistogram()) },
      stickiness: { reconnects: c.reconnects, violations: c.violations },
    };
  }
  return section;
}
