import { encodeHistogram, mergeEncoded, newHistogram, type Histogram } from './histograms.js';
import { actionInfo } from '../scenario/actions.js';
import type { EventPlan } from '../scenario/plan.js';
import type { ActionOutcome } from '../stack/stack.js';
import { addTally, type WorkerCounters } from './counters.js';

export interface EventSummary {
  at_s: number;
  action: string;
  target: string | null;
  disconnected: number;
  reconnected: number;
  reconnect_p99: number | null;
  /** Failed handshakes in the event's window, by HTTP status (502, 503...). */
  errors_by_status?: Record<string, number>;
  messages_lost?: number;
  /** Where displaced clients went (failovers by new backend), and how many went back to their first home. */
  failovers_to?: Record<string, number>;
  returned_home?: number;
  ok?: boolean;
  detail?: string;
}

/**
 * How long after an event (or after a long action such as deploy ends) its effects are counted, unless the next event
 * comes first.
 */
const EVENT_WINDOW_S = 10;
const AFTER_ACTION_S = 5;

/** An event's tally as a shard summary carries it, to be added to the other shards' in `merge`. */
export interface EventTallyRaw {
  index: number;
  ok: boolean;
  detail: string;
  disconnected: number;
  reconnected: number;
  lost: number;
  returned_home: number;
  errors_by_status: Record<string, number>;
  failovers_to: Record<string, number>;
  reconnect: string;
}

/** What one event's window has gathered so far. */
interface EventTally {
  from: number;
  /** The second at which the next event's window takes over. */
  cap: number;
  /** The window's end once the action's end is known (null while it runs). */
  end: number | null;
  disconnected: number;
  reconnected: number;
  lost: number;
  returnedHome: number;
  errorsByStatus: Record<string, number>;
  failoversTo: Record<string, number>;
  reconnect: Histogram;
}

/**
 * Figures per timeline event, folded second by second as the run goes: each event keeps one tally
 * and one histogram, whatever the run's length, instead of every second's counters being kept.
 */
export class EventWindows {
  private readonly tallies: EventTally[];

  constructor(private readonly events: readonly EventPlan[]) {
    this.tallies = events.map((event, index) => {
      const from = Math.floor(event.atMs / 1000);
      const nextAt = events[index + 1] ? Math.floor(events[index + 1].atMs / 1000) : Infinity;
      return {
        from,
        cap: nextAt === from ? from + 1 : nextAt,
        end: null,
        disconnected: 0,
        reconnected: 0,
        lost: 0,
        returnedHome: 0,
        errorsByStatus: {},
        failoversTo: {},
        reconnect: newHistogram(),
      };
    });
  }

  /** The action of event `index` ended at run-clock `endMs`: its window closes a while after. */
  actionEnded(index: number, endMs: number): void {
    const tally = this.tallies[index];
    tally.end = Math.max(tally.from + EVENT_WINDOW_S, Math.ceil(endMs / 1000) + AFTER_ACTION_S);
  }

  /** Second `second` (0-based) of the run closed with these counters and reconnect times. */
  addSecond(second: number, counters: WorkerCounters, reconnect: Histogram): void {
    for (const [index, tally] of this.tallies.entries()) {
      if (second < tally.from || second >= tally.cap || (tally.end !== null && second >= tally.end)) continue;
      const dropAll = actionInfo(this.events[index].action).by === 'clients';
      // Churn goes on during the window: count what the event caused (drop_all: the client drops).
      tally.disconnected += counters.unexpectedDisconnects + (dropAll ? counters.clientDisconnects : 0);
      tally.reconnected += dropAll ? counters.reconnects : counters.recovered;
      tally.lost += counters.lost;
      tally.returnedHome += counters.returnedHome;
      addTally(tally.errorsByStatus, counters.errorsByStatus);
      addTally(tally.failoversTo, counters.failoversTo);
      tally.reconnect.add(reconnect);
    }
  }

  /** The tallies of the events that happened, with their outcomes, for a shard summary. */
  toRaw(outcomes: readonly { event: EventPlan; outcome: ActionOutcome }[]): EventTallyRaw[] {
    return outcomes.map(({ event, outcome }) => {
      const index = this.events.indexOf(event);
      const tally = this.tallies[index];
      return {
        index,
        ok: outcome.ok,
        detail: outcome.detail,
        disconnected: tally.disconnected,
        reconnected: tally.reconnected,
        lost: tally.lost,
        returned_home: tally.returnedHome,
        errors_by_status: tally.errorsByStatus,
        failovers_to: tally.failoversTo,
        reconnect: encodeHistogram(tally.reconnect),
      };
    });
  }

  /** Adds another shard's tallies (counts add, histograms add: the same as seconds adding up). */
  addRaw(raw: readonly EventTallyRaw[]): void {
    for (const entry of raw) {
      const tally = this.tallies[entry.index];
      if (!tally) continue;
      tally.disconnected += entry.disconnected;
      tally.reconnected += entry.reconnected;
      tally.lost += entry.lost;
      tally.returnedHome += entry.returned_home;
      addTally(tally.errorsByStatus, entry.errors_by_status);
      addTally(tally.failoversTo, entry.failovers_to);
      mergeEncoded(tally.reconnect, entry.reconnect);
    }
  }

  summarise(outcomes: readonly { event: EventPlan; outcome: ActionOutcome }[]): EventSummary[] {
    return outcomes.map(({ event, outcome }) => {
      const tally = this.tallies[this.events.indexOf(event)];
      return {
        at_s: event.atMs / 1000,
        action: event.action,
        target: event.backend ?? (event.command ? event.command : null),
        disconnected: tally.disconnected,
        reconnected: tally.reconnected,
        reconnect_p99: tally.reconnect.totalCount > 0 ? tally.reconnect.getValueAtPercentile(99) / 1000 : null,
        errors_by_status: tally.errorsByStatus,
        messages_lost: tally.lost,
        failovers_to: tally.failoversTo,
        returned_home: tally.returnedHome,
        ok: outcome.ok,
        detail: outcome.detail,
      };
    });
  }
}
