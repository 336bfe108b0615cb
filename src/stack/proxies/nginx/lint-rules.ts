import type { Finding } from '../../../findings/finding.js';
import { SHORT_TIMEOUT_S, timeSeconds } from '../../../findings/finding.js';
import { FIXES } from '../../../findings/fixes.js';
import type { NginxDirective } from './parser.js';

type Add = (line: number, severity: Finding['severity'], rule: string, message: string, fix: string) => void;
type Scope = Map<string, NginxDirective[]>;

/**
 * The WebSocket gotchas of an nginx config (no upgrade headers, short timeouts, ip_hash behind NAT).
 * proxy_* directives inherit from http to server to location; proxy_set_header is replaced as a whole
 * by a block that sets any.
 */
export function lintNginx(file: string, tree: NginxDirective[], filesPerProcess: number): Finding[] {
  const findings: Finding[] = [];
  const add: Add = (line, severity, rule, message, fix) => findings.push({ file, line, severity, rule, message, fix });
  const walk = (directives: NginxDirective[], inherited: Map<string, NginxDirective[]>) => {
    const here = new Map(inherited);
    const headers = directives.filter((d) => d.name === 'proxy_set_header');
    if (headers.length > 0) here.set('proxy_set_header', headers);
    for (const d of directives) if (!d.block && d.name !== 'proxy_set_header') here.set(d.name, [d]);
    for (const d of directives) {
      if (d.name === 'proxy_pass') locationFindings(d, here, add);
      if (d.block) walk(d.block, here);
    }
  };

  walk(tree, new Map());
  upstreamFindings(tree, add);
  eventsFindings(tree, filesPerProcess, add);
  return findings;
}

/** A location that proxies: the upgrade headers, the idle timeouts, buffering. */
function locationFindings(proxyPass: NginxDirective, scope: Scope, add: Add): void {
  const version = scope.get('proxy_http_version')?.[0];
  const headers = scope.get('proxy_set_header') ?? [];
  const header = (name: string) => headers.find((h) => h.args[0]?.toLowerCase() === name);
  const upgrade = header('upgrade');
  const connection = header('connection');
  if (version?.args[0] !== '1.1' || !upgrade || !connection) {
    const missing = [
      version?.args[0] !== '1.1' && 'proxy_http_version 1.1',
      !upgrade && 'the Upgrade header',
      !connection && 'the Connection header',
    ].filter(Boolean);
    add(
      proxyPass.line,
      'error',
      'nginx-websocket-upgrade',
      `this location proxies without ${missing.join(', ')}: nginx speaks HTTP/1.0 to ` +
        `the upstream and drops the hop-by-hop headers, so the WebSocket handshake ` +
        `never reaches the backend as an upgrade`,
      FIXES.wsUpgradeNginx,
    );
  } else if (connection.args[1]?.toLowerCase() === 'upgrade') {
    add(
      connection.line,
      'warning',
      'nginx-connection-literal',
      'Connection "upgrade" is sent on every request of this location, plain HTTP ' +
        'ones too, which then ask the upstream to upgrade',
      "map $http_upgrade $connection_upgrade { default upgrade; '' close; } and " +
        'proxy_set_header Connection $connection_upgrade;',
    );
  }
  timeoutFindings(proxyPass, scope, add);
  bufferingFindings(scope, add);
}

/** Idle timeouts shorter than a quiet client's silence cut upgraded connections (1006). */
function timeoutFindings(proxyPass: NginxDirective, scope: Scope, add: Add): void {
  for (const name of ['proxy_read_timeout', 'proxy_send_timeout']) {
    const directive = scope.get(name)?.[0];
    const seconds = directive ? timeSeconds(directive.args[0] ?? '', 's') : 60;
    if (seconds !== null && seconds < SHORT_TIMEOUT_S) {
      add(
        directive?.line ?? proxyPass.line,
        'warning',
        'nginx-short-timeout',
        `${name} is ${directive ? directive.args[0] : 'not set (60 s by default)'}: an upgraded ` +
          `connection with no traffic for that long is cut, and the client sees 1006`,
        `${name} 3600s; (or have clients ping below ${seconds} s: traffic.ping in a stickler scenario)`,
      );
    }
  }
}

function bufferingFindings(scope: Scope, add: Add): void {
  const buffering = scope.get('proxy_buffering')?.[0];
  if (buffering?.args[0] === 'on') {
    add(
      buffering.line,
      'warning',
      'nginx-buffering',
      'proxy_buffering on holds frames back before forwarding them: latency, and connections that look stalled',
      'proxy_buffering off;',
    );
  }
}

/** Each upstream's balancing: by address, by a key, or round robin. */
function upstreamFindings(tree: NginxDirective[], add: Add): void {
  for (const upstream of find(tree, 'upstream')) {
    const body = upstream.block ?? [];
    const ipHash = body.find((d) => d.name === 'ip_hash');
    const hash = body.find((d) => d.name === 'hash');
    const balancers = body.filter((d) => ['ip_hash', 'hash', 'least_conn', 'random', 'sticky'].includes(d.name));
    if (ipHash) {
      add(
        ipHash.line,
        'warning',
        'nginx-ip-hash',
        'ip_hash hashes the first three octets of an IPv4 address (64 bits of IPv6): a ' +
          'whole /24 is one key, so clients behind carrier-grade NAT or an office proxy ' +
          'all land on one backend',
        `${FIXES.stickOnClientKey}; test it with a stickler carrier-nat scenario`,
      );
    } else if (hash && /\$(remote_addr|binary_remote_addr)/.test(hash.args[0] ?? '')) {
      add(
        hash.line,
        'warning',
        'nginx-hash-address',
        `hash ${hash.args[0]}: every client behind one NAT address is one key and lands on one backend`,
        'hash a per-client key instead (hash $arg_sid consistent)',
      );
    } else if (balancers.length === 0) {
      add(
        upstream.line,
        'info',
        'nginx-round-robin',
        `upstream ${upstream.args[0] ?? ''} balances round robin: no stickiness, a reconnect may land on any backend`,
        'ip_hash, hash $arg_sid consistent, or keep session state out of the backends',
      );
    }
  }
}

/** worker_connections against the machine's open-file limit. */
function eventsFindings(tree: NginxDirective[], filesPerProcess: number, add: Add): void {
  for (const events of find(tree, 'events')) {
    const wc = events.block?.find((d) => d.name === 'worker_connections');
    const connections = wc ? Number(wc.args[0]) : 512;
    const rlimit = find(tree, 'worker_rlimit_nofile')[0];
    add(
      wc?.line ?? events.line,
      'info',
      'nginx-worker-connections',
      `worker_connections ${connections}${wc ? '' : ' (default)'}: each proxied WebSocket ` +
        `takes two, so a worker holds about ${Math.floor(connections / 2)} WebSockets`,
      connections < 4096
        ? 'worker_connections 65535; with worker_rlimit_nofile to match'
        : 'keep worker_rlimit_nofile at least as high',
    );
    if (connections > filesPerProcess && !rlimit) {
      add(
        wc?.line ?? events.line,
        'warning',
        'nginx-rlimit',
        `worker_connections ${connections} is above this machine's open-file limit (` +
          `${filesPerProcess}) and there is no worker_rlimit_nofile: workers run out of ` +
          `descriptors first`,
        `worker_rlimit_nofile ${Math.max(connections, filesPerProcess)}; (and raise the ` +
          `limit: LimitNOFILE in systemd, limits.conf)`,
      );
    }
  }
}

function find(tree: NginxDirective[], name: string): NginxDirective[] {
  const found: NginxDirective[] = [];
  const walk = (directives: NginxDirective[]) => {
    for (const d of directives) {
      if (d.name === name) found.push(d);
      if (d.block) walk(d.block);
    }
  };
  walk(tree);
  return found;
}
