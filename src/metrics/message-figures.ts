import type { WorkerCounters } from './counters.js';
import type { Summary } from './summary-types.js';

/** messages, and what a target that stopped reading or flooded did to them (backpressure, flood: when any). */
export function messageSections(totals: WorkerCounters): Pick<Summary, 'messages' | 'backpressure' | 'flood'> {
  return {
    messages: {
      sent: totals.sent,
      received: totals.received,
      lost: totals.lost,
      unmatched: totals.unmatched ?? 0,
      backpressured: totals.backpressured ?? 0,
      ...(totals.silentConnections ? { unanswered_on_open: totals.silentConnections } : {}),
    },
    ...(totals.floodIgnored || totals.floodPauses
      ? { flood: { ignored_frames: totals.floodIgnored, pings: totals.pingsReceived ?? 0, paused: totals.floodPauses } }
      : {}),
    ...(totals.backpressuredConnections
      ? {
          backpressure: {
            connections: totals.backpressuredConnections,
            unsent_bytes: totals.backpressuredBytes ?? 0,
          },
        }
      : {}),
  };
}
