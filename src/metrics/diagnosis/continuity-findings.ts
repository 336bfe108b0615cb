import { FIXES } from '../../findings/fixes.js';
import type { Plan } from '../../scenario/plan.js';
import type { Judged, RawFinding } from '../summary-types.js';

const DOWN_ACTIONS = new Set(['kill', 'stop', 'pause']);

/** Lost session state, and the shared store's own outages (target.state: redis). */
export function continuityFindings(summary: Judged, plan: Plan): RawFinding[] {
  return [...storeDownFindings(summary, plan), ...lostStateFindings(summary)];
}

function lostStateFindings(summary: Judged): RawFinding[] {
  const c = summary.continuity;
  if (!c || c.lost === 0) return [];
  const by = c.lost_by_cause;
  const causes = [
    by.unknown ? `${by.unknown} found no session where they landed (another backend, or one that restarted)` : '',
    by.stale ? `${by.stale} found an older copy (a backend visited before)` : '',
    by.behind ? `${by.behind} found a counter that went backwards` : '',
    by.answer ? `${by.answer} were answered with something else than the step's expect` : '',
    by.timeout ? `${by.timeout} got no answer in time` : '',
    by.session_absent ? `${by.session_absent} were told "session present: 0" by the broker they landed on` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const s = summary.stickiness;
  const cause =
    c.store === 'mqtt'
      ? 'persistent sessions are per broker: a reconnect that lands on another broker (or on its own after a ' +
        'restart) starts empty, and the messages queued for it are gone'
      : c.store === 'module'
        ? 'the protocol module said the server did not resume the session (resumed: false)'
        : c.store === 'memory'
          ? "with state: memory each backend keeps its clients' sessions in its own memory: " +
            'a reconnect that lands on another backend, or on its own after a restart, ' +
            'starts from nothing'
          : c.store === 'redis'
            ? 'the shared store lost sessions: a Redis that restarts without persistence comes back empty'
            : 'reconnects did not get the app\'s "resumed" answer to their resume step';
  const fix =
    c.store === 'mqtt'
      ? "stick on the client id (a cookie the balancer inserts, or a hash of the client's address), or use " +
        'a broker cluster that shares sessions'
      : c.store === 'redis'
        ? 'if sessions must outlive the store, give Redis persistence and a replica ' +
          '(appendonly yes, Sentinel or a managed Redis)'
        : `${FIXES.shareState}; stickiness alone cannot keep a session whose backend died`;
  return [
    {
      severity: 'warning',
      rule: 'state-lost',
      explains: ['continuity.'],
      cause,
      evidence:
        `${c.lost} of ${c.resumes} resumes lost the session's state (` +
        `${Math.round(c.lost_rate * 1000) / 10}%): ${causes}; reconnects: ` +
        `${s.violations} violations, ${s.failovers} failovers, ${s.sticky} sticky`,
      fix,
    },
  ];
}

function storeDownFindings(summary: Judged, plan: Plan): RawFinding[] {
  if (plan.state !== 'redis') return [];
  const onStore = summary.events.filter((event) => event.target === 'redis');
  if (!onStore.some((event) => DOWN_ACTIONS.has(event.action))) return [];
  const refused = summary.handshake.errors_by_status['503'] ?? 0;
  const closed = summary.disconnects.by_close_code['1011'] ?? 0;
  return [
    {
      severity: 'warning',
      rule: 'state-store-down',
      explains: ['connections.', 'handshake.', 'continuity.', 'disconnects.', 'recovery.'],
      cause:
        `redis, the session store every backend shares, went down (` +
        `${onStore.map((event) => `${event.action} at ${event.at_s}s`).join(', ')}): an outage ` +
        `of the store is an outage of every backend at once`,
      evidence:
        `the backends refused ${refused} upgrades with 503 ("session store ` +
        `unavailable") and closed ${closed} open connections with 1011`,
      fix:
        'make the store highly available (a replica with Sentinel, or a managed Redis), ' +
        'and decide what a backend does without it: refuse, as these do, or serve ' +
        'without state and resume it later',
    },
  ];
}
