/**
 * The fixes stickler knows, in one place: lint (a config), probe (a live target) and a run's findings
 * (what a run measured) all say the same thing for the same cause.
 */
export const FIXES = {
  /** Clients kept by their address (nginx ip_hash, HAProxy balance source) or not kept at all. */
  stickOnClientKey:
    'key on something the client keeps: a cookie (HAProxy `cookie SERVERID insert ' +
    'indirect nocache`) or a session key (nginx `hash $arg_session consistent`, ' +
    'HAProxy `balance url_param session`); in a scenario, clients.session_key or ' +
    'clients.cookies: true',
  /** Reconnects land anywhere. */
  makeSticky:
    'if a session lives in its backend, make it sticky: HAProxy `cookie SERVERID ' +
    'insert indirect nocache`, or hash on a session key (nginx `hash $arg_session ' +
    'consistent`); otherwise share the session state',
  /** Sessions that live in one backend's memory. */
  shareState:
    "keep session state out of the backend's process, in a store every backend " +
    'reads (sessions in Redis, shared by every backend; in a scenario, target.state: redis)',
  sendCookieBack:
    'send the sticky cookie back on every reconnect: clients.cookies: true ' +
    '(browsers do; native clients need a cookie jar)',
  /** A server that went down keeps its clients out. */
  letClientsMoveOn:
    'let the clients of a dead server go elsewhere: health checks on every server ' +
    '(HAProxy `check`, with `option redispatch` for cookie stickiness; nginx ' +
    '`max_fails`/`proxy_next_upstream`)',
  balanceByOpenCount: 'balance by open connections: HAProxy `balance leastconn`, nginx `least_conn`',
  wsUpgradeNginx:
    'proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; ' +
    'proxy_set_header Connection $connection_upgrade; (with the map $http_upgrade ' +
    '$connection_upgrade)',
} as const;

/** Idle cut-offs: a keepalive below the cut, or a proxy timeout above the longest silence. */
export function idleCutFix(cutS: number | null, server: 'nginx' | 'haproxy' | null): string {
  const ping = cutS !== null ? `${Math.max(1, Math.floor(cutS / 2))}s` : 'half the cut-off';
  const timeout =
    server === 'nginx'
      ? 'raise proxy_read_timeout and proxy_send_timeout'
      : server === 'haproxy'
        ? 'raise timeout tunnel'
        : 'raise proxy_read_timeout (nginx) or timeout tunnel (HAProxy)';
  return (
    `set traffic.ping (your client's keepalive) below the cut-off` +
    `${cutS !== null ? ` of about ${cutS} s` : ''}, e.g. ${ping}, or ${timeout} above the ` +
    `longest silence`
  );
}
