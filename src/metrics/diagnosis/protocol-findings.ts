import type { Plan } from '../../scenario/plan.js';
import type { Judged, RawFinding } from '../summary-types.js';

/** What a protocol module threw, and connections a protocol's own keepalive found dead. */
export function protocolFindings(summary: Judged, plan: Plan): RawFinding[] {
  return [...moduleErrorFindings(summary, plan), ...keepaliveFindings(summary)];
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
