import type { RunAggregate } from '../metrics/aggregate.js';
import { newHistogram } from '../metrics/histograms.js';
import type { EventPlan } from '../scenario/plan.js';
import type { EventSummary } from '../metrics/summary-types.js';
import type { ActionOutcome } from '../stack/stack.js';
import { addTally } from './protocol.js';

/** How long after an event (or after a long action such as deploy ends) its effects are counted, unless the next event comes first. */
const EVENT_WINDOW_S = 10;
const AFTER_ACTION_S = 5;

/** Figures per timeline event, read from the per-second counters around it. */
export function summariseEvents(
  events: readonly { event: EventPlan; outcome: ActionOutcome; endMs: number }[],
  aggregate: RunAggregate,
): EventSummary[] {
  return events.map(({ event, outcome, endMs }, index) => {
    const from = Math.floor(event.atMs / 1000);
    const nextAt = events[index + 1] ? Math.floor(events[index + 1].event.atMs / 1000) : Infinity;
    const windowEnd = Math.max(from + EVENT_WINDOW_S, Math.ceil(endMs / 1000) + AFTER_ACTION_S);
    const to = Math.min(windowEnd, nextAt === from ? from + 1 : nextAt, aggregate.countersBySecond.length);
    let disconnected = 0;
    let reconnected = 0;
    let lost = 0;
    let returnedHome = 0;
    const errorsByStatus: Record<string, number> = {};
    const failoversTo: Record<string, number> = {};
    const reconnect = newHistogram();
    for (let second = from; second < to; second++) {
      const counters = aggregate.countersBySecond[second];
      // Churn goes on during the window: count what the event caused (drop_all: the client drops).
      disconnected += counters.unexpectedDisconnects + (event.action === 'drop_all' ? counters.clientDisconnects : 0);
      reconnected += event.action === 'drop_all' ? counters.reconnects : counters.recovered;
      lost += counters.lost;
      returnedHome += counters.returnedHome;
      addTally(errorsByStatus, counters.errorsByStatus);
      addTally(failoversTo, counters.failoversTo);
      reconnect.add(aggregate.reconnectBySecond[second]);
    }
    const summary: EventSummary = {
      at_s: event.atMs / 1000,
      action: event.action,
      target: event.backend ?? (event.command ? event.command : null),
      disconnected,
      reconnected,
      reconnect_p99: reconnect.totalCount > 0 ? reconnect.getValueAtPercentile(99) / 1000 : null,
      errors_by_status: errorsByStatus,
      messages_lost: lost,
      failovers_to: failoversTo,
      returned_home: returnedHome,
      ok: outcome.ok,
      detail: outcome.detail,
    };
    reconnect.destroy();
    return summary;
  });
}
