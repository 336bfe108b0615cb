import net from 'node:net';
import type { Random } from './rng.js';

const ALL = (1n << 128n) - 1n;

/** The 128-bit value of an IPv6 address (any textual form). */
export function ipv6ToBigInt(address: string): bigint {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group || '0', 16)), 0n);
}

/** The canonical text (RFC 5952, as URLs write it: lower case, the longest run of zero groups as ::). */
export function bigIntToIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - i * 16)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

/** The first `bits` bits of an address, as text with the rest zero (`fd00:5:0:7::` for /64). */
export function ipv6Prefix(address: string, bits: number): string {
  return bigIntToIpv6(ipv6ToBigInt(address) & prefixMask(bits));
}

function prefixMask(bits: number): bigint {
  return bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL;
}

/** An interface identifier of four non-zero groups, so that an address's text never hides part of it in `::`. */
function interfaceId(draw: () => number, bits: number): bigint {
  let iid = 0n;
  for (let group = 0; group < 4; group++) iid = (iid << 16n) | BigInt(0x1000 + Math.floor(draw() * 0xe000));
  return iid & ((1n << BigInt(bits)) - 1n);
}

/** A hash of a slot number to [0, 1), for the interface identifier a slot's client starts with. */
function slotDraws(slot: number): () => number {
  let state = (slot * 2654435761 + 0x9e3779b9) >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0;
    return state / 2 ** 32;
  };
}

export interface Ipv6Pool {
  readonly description: string;
  /** The CIDR the pool binds from (for the route that makes it bindable). */
  readonly cidr: string;
  /** Each client (or NAT group) owns one /prefix of the pool. */
  readonly prefix: number;
  readonly size: number;
  addressAt(slot: number): string;
  /** A new address inside the same /prefix (a phone's temporary address, RFC 8981). */
  rotate(address: string, random: Random): string;
}

/**
 * `fd00:5::/48` (each client one /64 by default; one /128 in a pool of /64 or longer), or a wider prefix per client;
 * errors as text.
 */
export function parseIpv6Pool(spec: string, prefixOption: number | undefined): Ipv6Pool | string {
  const [address, bitsText] = spec.split('/');
  if (!net.isIPv6(address)) return `"${spec}" is not an IPv6 CIDR such as fd00:5::/48`;
  const bits = Number(bitsText);
  if (!Number.isInteger(bits) || bits < 16 || bits > 127) return `prefix /${bitsText} must be between /16 and /127`;
  const prefix = prefixOption ?? (bits < 64 ? 64 : 128);
  if (prefix <= bits || prefix > 128)
    return (
      `clients.addresses.prefix ${prefix} must be longer than the pool's /${bits} and at most 128: give ` +
      `prefix: 128 (each client one address of the pool), or a pool wider than /${Math.min(prefix, 128)}`
    );
  const base = ipv6ToBigInt(address) & prefixMask(bits);
  // Enough slots for any run; the rest of the range stays unused.
  const slotBits = Math.min(prefix - bits, 24);
  // Slot 0 (the pool's first subnet, or its network address) is left out.
  const size = 2 ** slotBits - 1;
  const hostBits = 128 - prefix;
  const slotBase = (slot: number) => base + (BigInt((slot % size) + 1) << BigInt(hostBits));
  return {
    description: spec,
    cidr: `${bigIntToIpv6(base)}/${bits}`,
    prefix,
    size,
    addressAt: (slot) => bigIntToIpv6(slotBase(slot) + (hostBits > 0 ? interfaceId(slotDraws(slot), hostBits) : 0n)),
    rotate: (current, random) => {
      if (hostBits === 0) return current;
      return bigIntToIpv6((ipv6ToBigInt(current) & prefixMask(prefix)) | interfaceId(random, hostBits));
    },
  };
}
