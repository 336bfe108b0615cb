import type { Plan } from '../../scenario/plan.js';
import type { Judged, RawFinding } from '../summary-types.js';

/** What a protocol module threw, and connections a protocol's own keepalive found dead. */
export function protocolFindings(summary: Judged, plan: Plan): RawFinding[] {
  return [
    ...moduleErrorFindings(summary, plan),
    ...keepaliveFindings(summary),
    ...pongFindings(summary, plan),
    ...backpressureFindings(summary, plan),
    ...floodFindings(summary),
    ...silenceFindings(summary, plan),
  ];
}

function moduleErrorFindings(summary: Judged, plan: Plan): RawFinding[] {
  const errors = summary.disconnects.module_errors;
  if (!errors) return [];
  const count = summary.disconnects.by_reason.module_error ?? 0;
  const kinds = Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .map(([text, n]) => `${n} x ${text}`)
    .join('; ');
  const file = plan.app.module?.written ?? 'the protocol module';
  return [
    {
      severity: 'warning',
      rule: 'module-error',
      explains: ['disconnects.', 'messages.', 'connections.'],
      cause: `${file} threw: each throw closed its connection (the client reconnected after its backoff)`,
      evidence: `${count} connections closed as module_error: ${kinds}`,
      fix: `fix the module's code at the frame named; a frame it cannot read should return null, not throw`,
    },
  ];
}

function keepaliveFindings(summary: Judged): RawFinding[] {
  const dead = summary.disconnects.by_reason.keepalive_timeout ?? 0;
  if (dead === 0) return [];
  return [
    {
      severity: 'warning',
      rule: 'keepalive-timeout',
      explains: ['disconnects.', 'messages.', 'recovery.'],
      cause:
        'the target stopped answering keepalives on open connections (a hung broker, a dead NAT entry, a ' +
        'black-holed route): nothing closed them, the client found them dead',
      evidence: `${dead} connections closed as keepalive_timeout (no PINGRESP within the keepalive)`,
      fix:
        'find why the broker stopped answering (its logs, its CPU); the balancer can find dead backends ' +
        'sooner with health checks (HAProxy check inter, nginx max_fails)',
    },
  ];
}

function pongFindings(summary: Judged, plan: Plan): RawFinding[] {
  const dead = summary.disconnects.by_reason.pong_timeout ?? 0;
  if (dead === 0) return [];
  return [
    {
      severity: 'warning',
      rule: 'pong-timeout',
      explains: ['disconnects.', 'messages.', 'recovery.'],
      cause:
        'the target stopped answering on open connections (a hung process, a dead NAT entry, a black-holed ' +
        'route): no FIN came, the pongs stopped',
      evidence:
        `${dead} connections found dead by a pong missing for ${plan.traffic.pingTimeoutMs / 1000}s ` +
        `(traffic.ping every ${plan.traffic.pingMs / 1000}s)`,
      fix:
        "find why the target hung (its logs, its event loop); the balancer's health checks should take such a " +
        'backend out (HAProxy check inter with a WebSocket-level probe, nginx max_fails)',
    },
  ];
}

function backpressureFindings(summary: Judged, plan: Plan): RawFinding[] {
  const held = summary.backpressure;
  if (!held) return [];
  const mib = (bytes: number) => `${Math.round((bytes / 1_048_576) * 10) / 10} MiB`;
  return [
    {
      severity: 'warning',
      rule: 'target-stopped-reading',
      explains: ['messages.', 'latency.'],
      cause:
        'the target stopped reading what the clients sent (a blocked event loop, a full backend buffer, a ' +
        'proxy that stopped forwarding): unsent bytes piled up on the connections',
      evidence:
        `${held.connections} connections held ${mib(held.unsent_bytes)} unsent (over traffic.max_buffered, ` +
        `${mib(plan.traffic.maxBufferedBytes)} each) and held back ${summary.messages.backpressured} messages ` +
        '(not sent, not lost)',
      fix:
        'find what stopped the target reading (its CPU, its logs, a proxy buffer); if the load is more than it ' +
        'can take, lower the rate: the figures of this run are not the load you asked for',
    },
  ];
}

function floodFindings(summary: Judged): RawFinding[] {
  const flood = summary.flood;
  if (!flood || flood.ignored_frames === 0) return [];
  return [
    {
      severity: 'warning',
      rule: 'target-flooded',
      explains: ['messages.', 'latency.'],
      cause:
        'the target sent frames faster than any client reads them (more than 5,000 a second on a connection): ' +
        'a server loop gone wrong, or a broadcast with no bound',
      evidence:
        `${flood.ignored_frames} frames ignored past the flood budget, reading paused ${flood.paused} times; ` +
        `${flood.pings} pings received`,
      fix:
        "find what floods (the server's send loop, a fan-out without a rate limit); the other connections " +
        "were still measured, but the flooded ones' figures are not",
    },
  ];
}

/** Without pings nothing closes a connection whose target went silent: unanswered messages on open ones say it. */
function silenceFindings(summary: Judged, plan: Plan): RawFinding[] {
  const silent = summary.messages.unanswered_on_open ?? 0;
  if (silent === 0 || plan.traffic.pingMs > 0 || summary.messages.lost === 0) return [];
  return [
    {
      severity: 'warning',
      rule: 'target-stopped-answering',
      explains: ['messages.', 'latency.'],
      cause:
        'the target stopped answering on open connections: messages went unanswered while nothing closed them ' +
        '(a hung process, a dead NAT entry, a black-holed route)',
      evidence: `the target stopped answering on ${silent} open connections; ${summary.messages.lost} messages lost`,
      fix:
        'give traffic.ping (and traffic.ping_timeout) so that dead connections are found and closed as they ' +
        'would be by a client that pings, and counted under disconnects.by_reason.pong_timeout',
    },
  ];
}
