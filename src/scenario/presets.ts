/** The managed stacks a scenario can name in `target.stack`: what `stickler stacks` lists. */
export type ProxyKind = 'nginx' | 'haproxy';

export interface PresetInfo {
  readonly name: string;
  readonly proxy: ProxyKind | 'none';
  readonly summary: string;
  /** The balancing part of the config, rendered by the proxy's config module. */
  readonly balance: string;
}

export const PRESETS: readonly PresetInfo[] = [
  { name: 'direct', proxy: 'none', balance: 'none', summary: 'reference backends with no proxy; client i connects to backend i mod N' },
  { name: 'nginx-round-robin', proxy: 'nginx', balance: 'round-robin', summary: 'nginx, default round robin: no stickiness at all' },
  { name: 'nginx-least-conn', proxy: 'nginx', balance: 'least_conn', summary: 'nginx least_conn (shared zone, so all workers see the same counts)' },
  { name: 'nginx-ip-hash', proxy: 'nginx', balance: 'ip_hash', summary: 'nginx ip_hash: hashes the first three octets of IPv4, so a /24 lands on one backend' },
  { name: 'nginx-ip-hash-xff', proxy: 'nginx', balance: 'ip_hash on X-Forwarded-For', summary: 'nginx ip_hash on the address in X-Forwarded-For (real_ip_header, set_real_ip_from 127.0.0.0/8): a balancer behind a CDN; pair with addresses.via: x-forwarded-for' },
  { name: 'nginx-hash-query', proxy: 'nginx', balance: 'hash $arg_sid consistent', summary: 'nginx hash $arg_sid consistent; pair with session_key: query:sid' },
  { name: 'nginx-hash-cookie', proxy: 'nginx', balance: 'hash $cookie_sid consistent', summary: 'nginx hash $cookie_sid consistent; pair with session_key: cookie:sid' },
  { name: 'haproxy-round-robin', proxy: 'haproxy', balance: 'roundrobin', summary: 'HAProxy balance roundrobin: no stickiness' },
  { name: 'haproxy-leastconn', proxy: 'haproxy', balance: 'leastconn', summary: 'HAProxy balance leastconn: no stickiness, even load for long-lived sockets' },
  { name: 'haproxy-source', proxy: 'haproxy', balance: 'source', summary: 'HAProxy balance source: hashes the whole client address' },
  { name: 'haproxy-hash-xff', proxy: 'haproxy', balance: 'hdr(x-forwarded-for)', summary: 'HAProxy balance hdr(x-forwarded-for): hashes the client address a CDN or proxy put in the header; pair with addresses.via: x-forwarded-for' },
  { name: 'haproxy-cookie', proxy: 'haproxy', balance: 'cookie', summary: 'HAProxy cookie SERVERID insert indirect nocache, health checks, option redispatch' },
  { name: 'nginx-haproxy-cookie', proxy: 'haproxy', balance: 'cookie behind nginx', summary: "the seed article's layered chain: nginx in front (HTTP/1.1, Upgrade/Connection map; TLS with tls: true), HAProxy behind it with cookie SERVERID insert, checks, redispatch" },
  { name: 'haproxy-stick-src', proxy: 'haproxy', balance: 'stick-src', summary: 'HAProxy stick table on the source address (leastconn for new sources)' },
];

export const PRESET_NAMES = PRESETS.map((preset) => preset.name);

/** Presets with an nginx in front of their HAProxy. */
export function isChainPreset(name: string): boolean {
  return name === 'nginx-haproxy-cookie';
}

export function findPreset(name: string): PresetInfo | undefined {
  return PRESETS.find((preset) => preset.name === name);
}
