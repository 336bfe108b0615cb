/**
 * The managed stacks a scenario can name in `target.stack`: one descriptor each, read by validation
 * (what the preset supports), the stack (which proxies, in which order, balancing how), `stickler
 * stacks` and the docs. Adding a preset is adding an entry here (and, for a new proxy, its driver in
 * stack/proxies/).
 */
import type { ProxyCapability } from './actions.js';

export type ProxyKind = 'nginx' | 'haproxy' | 'caddy';

/** What each proxy can be told to do (its driver in stack/proxies/ carries it out). */
export const PROXY_CAPABILITIES: Record<ProxyKind, readonly ProxyCapability[]> = {
  haproxy: ['admin_state', 'reload'], // admin socket: set server state; SIGUSR2 to the master
  nginx: ['admin_state', 'reload'], // a server marked down in the config, then a reload (SIGHUP)
  // Caddy's admin API can only replace the upstream list, which cuts the streams of a removed server
  // at once: no drain, ready or maint (validation says so); reload through the admin API.
  caddy: ['reload'],
};

/** Why a proxy lacks a capability, where it is not obvious (validation says it). */
export const MISSING_CAPABILITY_WHY: Partial<Record<ProxyKind, string>> = {
  caddy:
    "Caddy's admin API can only replace the whole upstream list, which cuts the " +
    'WebSockets of a removed server at once: there is no drain',
};

/** The balancing part of a preset's config, in its proxy's own words; the proxy's driver renders the rest. */
export interface BalanceSpec {
  /** nginx: the upstream directive (`ip_hash;`, empty for round robin); HAProxy: the `balance` algorithm. */
  readonly directive: string;
  /** HAProxy: more lines of the backend section (cookie, stick table, redispatch, checks). */
  readonly lines?: readonly string[];
  /** HAProxy: the servers are health-checked (so `health` and `redispatch` apply). */
  readonly checks?: boolean;
  /** HAProxy: each server line carries `cookie bN`. */
  readonly cookie?: boolean;
  /** nginx: take the client address from X-Forwarded-For sent by loopback peers (a balancer behind a CDN). */
  readonly realIpFromHeader?: boolean;
  /** nginx: lines of the http block the directive needs (a map it hashes on). */
  readonly httpLines?: readonly string[];
  /** Caddy: retry another upstream this long when the chosen one fails (lb_try_duration). */
  readonly tryDuration?: string;
}

export interface PresetInfo {
  readonly name: string;
  /** The proxy that balances over the backends, or none (`direct`). */
  readonly proxy: ProxyKind | 'none';
  /** A proxy in front of the balancing one (a layered chain); it terminates TLS when there is TLS. */
  readonly front?: ProxyKind;
  readonly summary: string;
  /** How `stickler stacks` and the docs name its balancing. */
  readonly balance: string;
  readonly config?: BalanceSpec;
}

/** HAProxy's HTTP health check; driver code swaps it for the WebSocket check or none (target.health). */
export const HTTP_HEALTH_CHECK: readonly string[] = ['option httpchk GET /health', 'http-check expect status 200'];

const COOKIE_LINES = ['cookie SERVERID insert indirect nocache', 'option redispatch', ...HTTP_HEALTH_CHECK];

export const PRESETS: readonly PresetInfo[] = [
  {
    name: 'direct',
    proxy: 'none',
    balance: 'none',
    summary: 'reference backends with no proxy; client i connects to backend i mod N',
  },
  {
    name: 'nginx-round-robin',
    proxy: 'nginx',
    balance: 'round-robin',
    config: { directive: '' },
    summary: 'nginx, default round robin: no stickiness at all',
  },
  {
    name: 'nginx-least-conn',
    proxy: 'nginx',
    balance: 'least_conn',
    config: { directive: 'least_conn;' },
    summary: 'nginx least_conn (shared zone, so all workers see the same counts)',
  },
  {
    name: 'nginx-ip-hash',
    proxy: 'nginx',
    balance: 'ip_hash',
    config: { directive: 'ip_hash;' },
    summary: 'nginx ip_hash: hashes the first three octets of IPv4, so a /24 lands on one backend',
  },
  {
    name: 'nginx-ip-hash-xff',
    proxy: 'nginx',
    balance: 'ip_hash on X-Forwarded-For',
    config: { directive: 'ip_hash;', realIpFromHeader: true },
    summary:
      'nginx ip_hash on the address in X-Forwarded-For (real_ip_header, ' +
      'set_real_ip_from 127.0.0.0/8): a balancer behind a CDN; pair with ' +
      'addresses.via: x-forwarded-for',
  },
  {
    name: 'nginx-hash-64',
    proxy: 'nginx',
    balance: 'hash on the /64 of the address',
    summary:
      "nginx hash on the first 64 bits of the client's address (IPv4: the whole " +
      'address): an IPv6 phone keeps its backend across temporary-address rotations',
    config: {
      directive: 'hash $client_prefix64 consistent;',
      // The first 8 bytes of the binary address: exact whatever the address's text hides in `::`.
      httpLines: [
        'map $binary_remote_addr $client_prefix64 {',
        '    "~(?s)^(?<prefix>.{8})" $prefix;',
        '    default $binary_remote_addr;',
        '}',
      ],
    },
  },
  {
    name: 'nginx-hash-query',
    proxy: 'nginx',
    balance: 'hash $arg_sid consistent',
    config: { directive: 'hash $arg_sid consistent;' },
    summary: 'nginx hash $arg_sid consistent; pair with session_key: query:sid',
  },
  {
    name: 'nginx-hash-cookie',
    proxy: 'nginx',
    balance: 'hash $cookie_sid consistent',
    config: { directive: 'hash $cookie_sid consistent;' },
    summary: 'nginx hash $cookie_sid consistent; pair with session_key: cookie:sid',
  },
  {
    name: 'haproxy-round-robin',
    proxy: 'haproxy',
    balance: 'roundrobin',
    config: { directive: 'roundrobin' },
    summary: 'HAProxy balance roundrobin: no stickiness',
  },
  {
    name: 'haproxy-leastconn',
    proxy: 'haproxy',
    balance: 'leastconn',
    config: { directive: 'leastconn' },
    summary: 'HAProxy balance leastconn: no stickiness, even load for long-lived sockets',
  },
  {
    name: 'haproxy-source',
    proxy: 'haproxy',
    balance: 'source',
    config: { directive: 'source' },
    summary: 'HAProxy balance source: hashes the whole client address',
  },
  {
    name: 'haproxy-source-64',
    proxy: 'haproxy',
    balance: 'hash src,ipmask(24,64)',
    config: { directive: 'hash src,ipmask(24,64)' },
    summary:
      'HAProxy hash on the client address masked to its /64 (IPv4: its /24): an IPv6 ' +
      'phone keeps its backend across temporary-address rotations',
  },
  {
    name: 'haproxy-hash-xff',
    proxy: 'haproxy',
    balance: 'hdr(x-forwarded-for)',
    config: { directive: 'hdr(x-forwarded-for)' },
    summary:
      'HAProxy balance hdr(x-forwarded-for): hashes the client address a CDN or proxy ' +
      'put in the header; pair with addresses.via: x-forwarded-for',
  },
  {
    name: 'haproxy-cookie',
    proxy: 'haproxy',
    balance: 'cookie',
    config: { directive: 'leastconn', lines: COOKIE_LINES, checks: true, cookie: true },
    summary: 'HAProxy cookie SERVERID insert indirect nocache, health checks, option redispatch',
  },
  {
    name: 'nginx-haproxy-cookie',
    proxy: 'haproxy',
    front: 'nginx',
    balance: 'cookie behind nginx',
    config: { directive: 'leastconn', lines: COOKIE_LINES, checks: true, cookie: true },
    summary:
      'a layered chain: nginx in front (HTTP/1.1, Upgrade/Connection ' +
      'map; TLS with tls: true), HAProxy behind it with cookie SERVERID insert, ' +
      'checks, redispatch',
  },
  {
    name: 'haproxy-stick-src',
    proxy: 'haproxy',
    balance: 'stick-src',
    config: {
      directive: 'leastconn',
      lines: ['stick-table type ip size 1m expire 30m', 'stick on src', 'option redispatch', ...HTTP_HEALTH_CHECK],
      checks: true,
    },
    summary: 'HAProxy stick table on the source address (leastconn for new sources)',
  },
  {
    name: 'caddy-round-robin',
    proxy: 'caddy',
    balance: 'lb_policy round_robin',
    config: { directive: 'round_robin', checks: true },
    summary: 'Caddy reverse_proxy, lb_policy round_robin: no stickiness',
  },
  {
    name: 'caddy-least-conn',
    proxy: 'caddy',
    balance: 'lb_policy least_conn',
    config: { directive: 'least_conn', checks: true },
    summary: 'Caddy lb_policy least_conn: no stickiness, even load for long-lived sockets',
  },
  {
    name: 'caddy-ip-hash',
    proxy: 'caddy',
    balance: 'lb_policy ip_hash',
    config: { directive: 'ip_hash', checks: true },
    summary: "Caddy lb_policy ip_hash: hashes the client address (the whole address, unlike nginx's /24)",
  },
  {
    name: 'caddy-cookie',
    proxy: 'caddy',
    balance: 'lb_policy cookie',
    config: { directive: 'cookie', checks: true, cookie: true, tryDuration: '2s' },
    summary:
      'Caddy lb_policy cookie (cookie lb): cookie stickiness without a module, ' +
      'health-checked, retries another upstream for 2 s',
  },
  {
    name: 'caddy-header',
    proxy: 'caddy',
    balance: 'lb_policy header X-Sid',
    config: { directive: 'header X-Sid', checks: true },
    summary: 'Caddy lb_policy header X-Sid: hashes a header; pair with session_key: header:x-sid',
  },
];

/** Every proxy a scenario can name (presets' proxy and front, `{ proxy, config }`). */
export const PROXY_KINDS = Object.keys(PROXY_CAPABILITIES) as [ProxyKind, ...ProxyKind[]];

export const PRESET_NAMES = PRESETS.map((preset) => preset.name);

export function findPreset(name: string): PresetInfo | undefined {
  return PRESETS.find((preset) => preset.name === name);
}

/** Presets whose HAProxy checks its servers: they take target.health and target.redispatch. */
export function presetHasChecks(preset: PresetInfo): boolean {
  return preset.config?.checks === true;
}

export const CHECKED_PRESET_NAMES = PRESETS.filter(presetHasChecks).map((preset) => preset.name);
