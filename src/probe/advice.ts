import { SHORT_TIMEOUT_S, type Finding } from '../findings/finding.js';
import { FIXES, idleCutFix } from '../findings/fixes.js';
import type { AffinityFindings } from './affinity.js';
import type { IdleFindings } from './idle.js';

export type Advice = Omit<Finding, 'file' | 'line'>;

/** Lint-style advice from what the probe found: what it means for clients, and the fix. */
export function probeAdvice(
  idle: IdleFindings | null,
  affinity: AffinityFindings | null,
  server: string | null,
): Advice[] {
  const advice: Advice[] = [];
  const nginx = server?.toLowerCase().includes('nginx') ?? false;
  const timeoutFix = nginx
    ? 'raise proxy_read_timeout and proxy_send_timeout'
    : 'raise proxy_read_timeout (nginx) or timeout tunnel (HAProxy)';
  if (idle?.idle_timeout_s != null) {
    const cut = idle.idle_timeout_s;
    if (idle.pings_keep_alive === false) {
      advice.push({
        severity: 'error',
        rule: 'connection-lifetime',
        message:
          `connections are cut after about ${idle.pinged_cut_after_s ?? cut} s even while ` +
          `pinged every ${idle.ping_interval_s} s: a lifetime limit, not an idle one`,
        fix:
          `clients must reconnect (with backoff) at least that often; look for a max ` +
          `connection age on the balancer, or ${timeoutFix}`,
      });
    } else {
      advice.push({
        severity: cut < SHORT_TIMEOUT_S ? 'warning' : 'info',
        rule: 'idle-cut',
        message:
          `idle sockets are cut after ${cut} s of silence (close ` +
          `${idle.close_code ?? 'unknown'})` +
          `${idle.pings_keep_alive ? '; pings keep them open' : ''}`,
        fix: idleCutFix(cut, nginx ? 'nginx' : null),
      });
    }
  }
  if (idle?.idle_timeout_s === null && (idle.server_pings > 0 || idle.server_messages > 0)) {
    advice.push({
      severity: 'info',
      rule: 'server-keepalive',
      message:
        `the target kept the probe's connections busy itself (${idle.server_pings} pings, ` +
        `${idle.server_messages} messages): a proxy idle cut-off behind that cannot be ` +
        `seen`,
      fix:
        'nothing to do while the server keeps talking; clients that outlive it still ' +
        'need a keepalive below the proxy timeout',
    });
  }
  if (affinity) advice.push(...affinityAdvice(affinity));
  return advice;
}

function affinityAdvice(affinity: AffinityFindings): Advice[] {
  switch (affinity.mechanism) {
    case 'none':
      return [
        {
          severity: 'warning',
          rule: 'no-affinity',
          message: `reconnects land on any backend (${affinity.reason})`,
          fix: FIXES.makeSticky,
        },
      ];
    case 'source_address':
      return [
        {
          severity: 'warning',
          rule:
            affinity.by === '/24'
              ? 'affinity-by-subnet'
              : affinity.by === '/64'
                ? 'affinity-by-prefix'
                : 'affinity-by-address',
          message:
            affinity.by === '/24'
              ? 'clients are kept by the /24 of their address (nginx ip_hash): carrier NAT and ' +
                'office proxies put whole networks on one backend, and a phone that changes ' +
                'network loses its backend'
              : affinity.by === '/64'
                ? 'clients are kept by the /64 of their IPv6 address: a phone keeps its backend ' +
                  'across temporary-address rotations, but loses it when it changes network'
                : `clients are kept by their source address: clients behind one NAT share a ` +
                  `backend, and a phone that changes network loses its backend` +
                  (affinity.reason.includes('/64')
                    ? ', as does an IPv6 phone that rotates its temporary address inside its /64'
                    : ''),
          fix: FIXES.stickOnClientKey,
        },
      ];
    case 'cookie':
      return [
        {
          severity: 'info',
          rule: 'affinity-cookie',
          message:
            `${affinity.description} keeps a client on its backend: clients must send it ` +
            `back (browsers do; native clients need a cookie jar)`,
          fix:
            'scenarios: clients.cookies: true (the default); make sure a server that goes ' +
            'down lets its clients go elsewhere (HAProxy `option redispatch`)',
        },
      ];
    case 'key':
      return [
        {
          severity: 'info',
          rule: 'affinity-key',
          message: `${affinity.description} keeps a client on its backend`,
          fix: `scenarios: clients.session_key: ${affinity.key?.replace(' ', ':')}`,
        },
      ];
    default:
      return [
        {
          severity: 'info',
          rule: 'affinity-unknown',
          message: `stickiness could not be named: ${affinity.reason}`,
          fix: 'see the trials below for where each connection landed',
        },
      ];
  }
}
