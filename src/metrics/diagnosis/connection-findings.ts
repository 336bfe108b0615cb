import { FIXES } from '../../findings/fixes.js';
import type { Plan } from '../../scenario/plan.js';
import type { Judged, RawFinding } from '../summary-types.js';
import { refusalFindings } from './refusal-findings.js';
import { singleBackend } from '../backend-coverage.js';

const transportsOf = (plan: Plan) => {
  const io = plan.app.socketio;
  return !io?.polling ? '[websocket]' : io.upgrade ? '[polling, websocket]' : '[polling]';
};

export function connectionFindings(summary: Judged, plan: Plan): RawFinding[] {
  return [
    ...sessionFindings(summary, plan),
    ...refusalFindings(summary, plan),
    ...recoveryFindings(summary, plan),
    ...(singleBackend(plan.target) ? [] : identityFindings(summary)),
    ...replyFindings(summary, plan),
  ];
}

function sessionFindings(summary: Judged, plan: Plan): RawFinding[] {
  const sessions = summary.sessions;
  if (!sessions || sessions.broken === 0) return [];
  return [
    {
      severity: 'warning',
      rule: 'socketio-session-breaks',
      explains: ['stickiness.session_break', 'sessions.', 'connections.', 'handshake.'],
      cause:
        'the requests of one Socket.IO session (its polls and its upgrade) reached ' +
        'different nodes, which answered "Session ID unknown": Socket.IO needs sticky ' +
        'sessions while it polls',
      evidence:
        `${sessions.broken} of ${sessions.opened} sessions broke (transports ` +
        `${transportsOf(plan)}); ${sessions.upgraded} upgraded`,
      fix:
        'enable sticky sessions on the balancer (nginx ip_hash or hash on a key, ' +
        'HAProxy `cookie SERVERID insert`; with cookies the client must keep them), or ' +
        'connect with transports: [websocket] (socketio.transports in a scenario)',
    },
  ];
}

function recoveryFindings(summary: Judged, plan: Plan): RawFinding[] {
  const recovery = summary.recovery;
  return recovery.by_outage
    .filter((outage) => outage.clients_lost > 0)
    .map((outage) => {
      // Clients still trying when the run ended may simply not have had the time.
      const short =
        outage.down_until_end_s !== undefined && outage.down_until_end_s < plan.churn.backoff.maxMs / 1000 + 2;
      const statuses = Object.entries(summary.handshake.errors_by_status)
        .map(([status, n]) => `${status} ×${n}`)
        .join(', ');
      return {
        severity: short ? 'info' : 'warning',
        rule: 'clients-never-back',
        explains: ['recovery.', 'connections.', 'handshake.'],
        cause:
          `${outage.backend} went down at ${outage.down_at_s}s and ${outage.clients_lost} of the ` +
          `${outage.clients_cut} clients it cut never got a connection again: the proxy ` +
          `kept sending them to it` +
          `${short ? ' (or the run ended before their backoff let them back)' : ''}`,
        evidence:
          `${outage.clients_back} back, ${outage.clients_lost} never back` +
          `${outage.back_up_at_s === null ? `; ${outage.backend} still down at the end` : ''}` +
          `${statuses ? `; refused handshakes: ${statuses}` : ''}`,
        fix: FIXES.letClientsMoveOn,
      } satisfies RawFinding;
    });
}

function identityFindings(summary: Judged): RawFinding[] {
  const unidentified = summary.stickiness.unidentified;
  if (unidentified === 0) return [];
  const sent = summary.identification;
  const what = sent
    ? [
        ...sent.headers.map((h) => `101 header "${h}"`),
        ...sent.first_messages.map((m) => `first message ${JSON.stringify(m.slice(0, 120))}`),
      ].join('; ')
    : '';
  return [
    {
      severity: 'warning',
      rule: 'unidentified',
      explains: ['stickiness.violation', 'stickiness.sticky', 'stickiness.unidentified', 'distribution.'],
      cause:
        'the backends did not name themselves the way the scenario looks for ' +
        '(identify), so where these connections landed is unknown',
      evidence:
        `${unidentified} of ${summary.connections.opened} connections unidentified` +
        `${what ? `; the servers sent: ${what}` : '; the servers sent no header and no message that could name them'}`,
      fix: sent?.suggestion
        ? `${sent.suggestion} (in the scenario)`
        : 'make each backend name itself: a response header on the 101 (identify.header), ' +
          'a field of its first message (identify.message_field), or a sticky cookie ' +
          '(identify.cookie)',
    },
  ];
}

function replyFindings(summary: Judged, plan: Plan): RawFinding[] {
  return [...unansweredFindings(summary, plan), ...stepFindings(summary, plan)];
}

/** Messages sent and few replies matched: the target answers otherwise, or not at all. */
function unansweredFindings(summary: Judged, plan: Plan): RawFinding[] {
  const { sent, received, unmatched } = summary.messages;
  const reply = plan.app.reply;
  const findings: RawFinding[] = [];
  // Sessions that broke before they could answer are the socketio-session-breaks finding's.
  const broken = (summary.sessions?.broken ?? 0) > (summary.sessions?.opened ?? 0) / 2;
  if (sent > 0 && reply.kind !== 'none' && received < sent * 0.5 && !broken) {
    const evidence =
      `${sent} messages sent, ${received} replies matched, ${unmatched} matched no message in flight, ` +
      `${summary.push?.received ?? 0} other server messages; ${summary.disconnects.unexpected} connections closed ` +
      `by the target`;
    findings.push(
      reply.kind === 'field'
        ? {
            severity: 'warning',
            rule: 'replies-unmatched',
            explains: ['latency.message', 'messages.'],
            cause:
              `${received === 0 ? 'no' : 'few'} replies carried "${reply.text}" equal to a message's ` +
              `{{id}}: the replies name their message in another field, or the server answers ` +
              `something else`,
            evidence,
            fix:
              `set traffic.reply.field to the reply's field that echoes the id (a dotted path ` +
              `such as data.id), or reply: next if the server answers in order`,
          }
        : {
            severity: 'warning',
            rule: 'no-replies',
            explains: ['latency.message', 'messages.'],
            cause:
              reply.kind === 'echo'
                ? 'the target did not echo the messages (stickler times a message by its echo ' +
                  'unless told how the service replies)'
                : 'the server sent nothing after the messages',
            evidence,
            fix:
              "set traffic.message and traffic.reply to the service's own protocol (reply: { " +
              'field: id } for acknowledgements by id, next, or none for fire and forget), or ' +
              'set traffic.interval: 0 to measure connections only',
          },
    );
  }
  return findings;
}

/** on_open steps that failed in more than 5 % of their attempts. */
function stepFindings(summary: Judged, plan: Plan): RawFinding[] {
  const findings: RawFinding[] = [];
  for (const [name, step] of Object.entries(summary.steps ?? {})) {
    if (step.failed === 0 || step.failed < step.attempted * 0.05) continue;
    // A resume the app answered "not resumed" is lost state (the state-lost finding), not a broken step.
    if (
      plan.app.steps.find((s) => s.name === name)?.continuity &&
      step.failed === (step.failed_by_reason.mismatch ?? 0)
    )
      continue;
    const reasons = Object.entries(step.failed_by_reason)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    findings.push({
      severity: 'warning',
      rule: 'step-failing',
      explains: [`steps.${name}`, `latency.steps.${name}`, 'connections.', 'latency.message', 'messages.'],
      cause:
        `on_open step "${name}" ${step.passed === 0 ? 'never passed' : 'failed often'}: ` +
        (step.failed_by_reason.timeout
          ? 'its expected answer did not come in time'
          : step.failed_by_reason.mismatch
            ? 'the answer had the expected fields with other values'
            : 'connections closed before the answer'),
      evidence: `${step.attempted} attempted, ${step.passed} passed, failed: ${reasons}`,
      fix:
        `check the step's send and expect against what the server answers (expect is a ` +
        `subset of the answer's JSON)` +
        `${step.failed_by_reason.timeout ? '; raise its timeout if the server is slow' : ''}`,
    });
  }
  return findings;
}
