import net from 'node:net';
import { parseIpv6Pool, type Ipv6Pool } from './ipv6-pool.js';
import type { Random } from './rng.js';

/**
 * A pool of client source addresses: a CIDR inside 127.0.0.0/8, a single IPv4 or IPv6 address
 * (for example ::1, or an address assigned to this machine for an external target).
 */
export interface AddressPool {
  readonly description: string;
  readonly size: number;
  addressAt(index: number): string;
  /** True when the pool is 127.0.0.1 alone: clients then let the kernel choose, which saves ephemeral ports. */
  readonly isDefaultLoopback: boolean;
  /** IPv6 CIDR pools: the range to make bindable, and each client's /prefix (rotate stays inside it). */
  readonly ipv6?: Pick<Ipv6Pool, 'cidr' | 'prefix'>;
  rotate?(address: string, random: Random): string;
}

/** `bound: false`: the addresses are sent in a header, not bound, so they need not be loopback. */
export function parseAddressPool(
  spec: string,
  options: { bound?: boolean; prefix?: number } = {},
): AddressPool | string {
  const [address, prefixText] = spec.split('/');
  // Only a colon makes an IPv6 address; net.isIPv6 compiles a large pattern on its first call (10 ms of a start).
  if (address.includes(':') && net.isIPv6(address)) {
    if (prefixText === undefined || prefixText === '128') return single(address);
    const pool = parseIpv6Pool(spec, options.prefix);
    if (typeof pool === 'string') return pool;
    return {
      description: spec,
      size: pool.size,
      isDefaultLoopback: false,
      addressAt: pool.addressAt,
      rotate: pool.rotate,
      ipv6: { cidr: pool.cidr, prefix: pool.prefix },
    };
  }
  if (!net.isIPv4(address)) return `"${spec}" is not an IPv4 CIDR such as 127.64.0.0/16 or an address`;
  if (prefixText === undefined) return single(address);
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 32) return `prefix /${prefixText} must be between /8 and /32`;
  if (options.bound !== false && !address.startsWith('127.'))
    return (
      `pool ${spec} is outside 127.0.0.0/8: only loopback ranges can be bound without ` +
      `setup (use a single assigned address otherwise)`
    );
  const base = ipv4ToInt(address) & prefixMask(prefix);
  const total = 2 ** (32 - prefix);
  // Leave out the network and broadcast addresses of pools larger than /31.
  const first = total > 2 ? 1 : 0;
  const size = total > 2 ? total - 2 : total;
  return {
    description: spec,
    size,
    isDefaultLoopback: false,
    addressAt: (index) => intToIpv4(base + first + (index % size)),
  };
}

function single(address: string): AddressPool {
  return { description: address, size: 1, isDefaultLoopback: address === '127.0.0.1', addressAt: () => address };
}

function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
}

export function intToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}
