import { FIXES } from '../../findings/fixes.js';
import type { Plan } from '../../scenario/plan.js';
import type { Judged, RawFinding } from '../summary-types.js';

/** Why upgrades were refused, by the status the target answered. */
const REFUSED: Record<string, (plan: Plan) => { cause: string; fix: string }> = {
  '404': (plan) => ({
    cause:
      `the target answered the upgrade with 404: nothing serves WebSockets at the ` +
      `path the clients asked for (${pathOf(plan)})`,
    fix: 'set target.path (e.g. /ws) to the location your proxy routes to the backends, or put the path in the url',
  }),
  '400': () => ({
    cause:
      'the target refused the upgrade as a bad request: a proxy that does not pass ' +
      'the Upgrade and Connection headers, or a server that wants another path or ' +
      'subprotocol',
    fix: FIXES.wsUpgradeNginx,
  }),
  '426': () => ({
    cause: 'the target asked for another protocol version (426 Upgrade Required)',
    fix: FIXES.wsUpgradeNginx,
  }),
  '401': (plan) => denied(plan, 'unauthorized: the credentials it wants were missing or wrong'),
  '403': (plan) => denied(plan, 'forbidden: the credentials were read and refused (a user, a token, an Origin)'),
  '502': () => ({
    cause: 'the proxy found no backend to pass the upgrade to (502: every server it tried refused or was down)',
    fix: FIXES.letClientsMoveOn,
  }),
  '503': () => ({
    cause:
      'the proxy had no server for the upgrade (503: the server it chose, by hash or ' +
      'by cookie, was down and nothing sent the client elsewhere)',
    fix: FIXES.letClientsMoveOn,
  }),
};

/** 401/403: which handshake headers (and data columns behind them) to check; never their values. */
function denied(plan: Plan, what: string): { cause: string; fix: string } {
  const { headers, query, data } = plan.clients;
  const sent = [...headers.map(({ name }) => name), ...query.map(({ name }) => `?${name}`)];
  const columns = [...new Set([...headers, ...query].flatMap(({ value }) => value.columns))];
  return {
    cause: `the target refused upgrades as ${what}`,
    fix:
      sent.length === 0
        ? 'the handshake sends no credentials: give clients.headers (e.g. Authorization: "Bearer {{data.token}}" ' +
          'with clients.data) or clients.query'
        : `check the handshake's ${sent.join(', ')} (clients.headers, clients.query)` +
          (columns.length > 0 && data ? ` and the column ${columns.join(', ')} of ${data.file}` : '') +
          ': a value the service does not accept, or a row it refuses',
  };
}

const pathOf = (plan: Plan) => (plan.target.kind === 'url' ? new URL(plan.target.url).pathname : plan.target.path);

export function refusalFindings(summary: Judged, plan: Plan): RawFinding[] {
  const { attempted } = summary.connections;
  const findings: RawFinding[] = [];
  for (const [status, answered] of Object.entries(summary.handshake.errors_by_status)) {
    // Socket.IO's "Session ID unknown" is a 400 too: those are session breaks, not refused upgrades.
    const count = status === '400' ? answered - (summary.connections.failed_by_reason.session_unknown ?? 0) : answered;
    if (count <= 0) continue;
    const known = REFUSED[status]?.(plan) ?? {
      cause: `the target answered ${count} upgrades with HTTP ${status} instead of 101`,
      fix: 'see what the proxy and the backend logged for those requests',
    };
    findings.push({
      severity: 'warning',
      rule: `refused-${status}`,
      explains: ['handshake.', 'connections.'],
      ...known,
      evidence: `${count} of ${attempted} handshakes answered ${status}`,
    });
  }
  const timeouts = summary.connections.failed_by_reason.timeout ?? 0;
  if (timeouts > 0) {
    findings.push({
      severity: 'warning',
      rule: 'handshake-timeout',
      explains: ['handshake.', 'connections.'],
      cause:
        'handshakes got no complete 101 in time: the target is overloaded, trickles its ' +
        'answer, or accepts connections it never serves',
      evidence: `${timeouts} of ${attempted} handshakes timed out`,
      fix:
        "check the target's accept backlog and worker limits (nginx worker_connections, " +
        'HAProxy maxconn); lower clients.connect_concurrency or lengthen clients.ramp ' +
        'to see where it starts',
    });
  }
  // Cut by the end of the run, not by the 10 s handshake timeout: they never show up as timeouts.
  const pending = summary.connections.failed_by_reason.pending_at_end ?? 0;
  if (pending > 0) {
    findings.push({
      severity: pending >= Math.max(2, attempted * 0.01) ? 'warning' : 'info',
      rule: 'handshakes-unanswered-at-end',
      explains: ['handshake.', 'connections.'],
      cause:
        'attempts were still waiting for their 101 (or for their turn behind ' +
        'clients.connect_concurrency) when the run ended: the target accepted ' +
        'connections it did not answer, as a proxy at its connection limit does ' +
        '(HAProxy queues past maxconn), or the run ended too soon after the ramp',
      evidence:
        `${pending} of ${attempted} attempts had no answer when the run ended; ` +
        `${summary.connections.opened} opened`,
      fix:
        "raise the proxy's connection limit (HAProxy maxconn, nginx worker_connections) " +
        'above clients.count, and give the run time past clients.ramp (duration longer ' +
        'than the ramp)',
    });
  }
  const refused = summary.connections.failed_by_reason.ECONNREFUSED ?? 0;
  if (refused > 0) {
    findings.push({
      severity: 'warning',
      rule: 'connection-refused',
      explains: ['handshake.', 'connections.'],
      cause: 'nothing listened at the target address for some attempts',
      evidence: `${refused} of ${attempted} attempts refused (ECONNREFUSED)`,
      fix: 'check the url and that the proxy was up for the whole run',
    });
  }
  return findings;
}
