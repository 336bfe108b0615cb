import type { Plan } from '../scenario/plan.js';
import type { RunAggregate } from './aggregate.js';
import { singleBackend, unidentifiedWarning } from './backend-coverage.js';
import type { EventSummary } from './event-windows.js';
import type { BackendShare } from './summary-types.js';

/**
 * The run's warnings: backends not covered, connections not identified, the caller's, the proxy's disagreements,
 * replies that never came.
 */
/** What the warnings are made from (part of summary.ts's SummaryInput). */
interface WarningInput {
  plan: Plan;
  aggregate: RunAggregate;
  warnings: string[];
  proxy?: unknown;
  events: EventSummary[];
}

export function summaryWarnings(input: WarningInput, coverage: string[], backends: BackendShare[]): string[] {
  const { aggregate, plan } = input;
  const totals = aggregate.totals;
  const unidentified = singleBackend(plan.target)
    ? null
    : unidentifiedWarning(totals.unidentified, totals.opened, plan.identify);
  return [
    ...coverage,
    ...(unidentified ? [unidentified] : []),
    ...input.warnings,
    // Each Socket.IO poll is a session of HAProxy's too: its counts are not connections then.
    ...(plan.app.socketio?.polling ? [] : proxyDisagreements(input.proxy, input.events, backends)),
    ...noReplyWarnings(plan, totals),
    ...(totals.receiversKept > 0
      ? [
          `${totals.receiversKept} connections kept ws's message parser (about 0.8 KB each): ` +
            `src/engine/wire/frame-receiver.ts found this ws, or these connections, other than it expects`,
        ]
      : []),
  ];
}

function noReplyWarnings(plan: Plan, totals: RunAggregate['totals']): string[] {
  if (totals.sent === 0 || totals.received > 0 || plan.app.reply.kind === 'none') return [];
  const reply = plan.app.reply;
  return [
    reply.kind === 'echo'
      ? `${totals.sent} messages were sent and none came back: the target does not echo ` +
        `them (a message is timed by its echo; set traffic.message and traffic.reply to ` +
        `the service's protocol), or closed first (see disconnects.by_reason); ` +
        `latency.message has nothing behind it`
      : `${totals.sent} messages were sent and no reply matched (traffic.reply ` +
        `${reply.kind === 'field' ? `field ${reply.text}` : reply.kind}; ` +
        `${totals.unmatched} replies matched none in flight, ${totals.pushReceived} other server messages); ` +
        'latency.message ' +
        `has nothing behind it`,
  ];
}

/** HAProxy's own count of sessions per server against where the tool saw connections land. */
function proxyDisagreements(
  proxy: unknown,
  events: readonly EventSummary[],
  backends: readonly BackendShare[],
): string[] {
  const view = proxy as { servers?: { server: string; total_sessions: number }[] } | undefined;
  // With faults on the timeline HAProxy also counts its retries and redispatches on a dead server.
  if (!view?.servers || events.length > 0) return [];
  return backends.flatMap((backend) => {
    const proxyTotal = view.servers!.find((row) => row.server === backend.id)?.total_sessions;
    // The readiness probe and health checks are not sessions of clients: allow a small margin.
    if (
      proxyTotal === undefined ||
      Math.abs(proxyTotal - backend.connections) <= Math.max(2, backend.connections * 0.01)
    )
      return [];
    return [
      `HAProxy counted ${proxyTotal} sessions on ${backend.id}, stickler saw ` +
        `${backend.connections} connections land there`,
    ];
  });
}
