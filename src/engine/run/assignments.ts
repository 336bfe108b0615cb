import type { Plan } from '../../scenario/plan.js';
import { parseAddressPool, type AddressPool } from '../../util/address-pool.js';
import { deriveSeed, seededRandom } from '../../util/rng.js';
import type { ClientAssignment } from './messages.js';
import { clientGroups } from '../../scenario/population/schedule.js';

/** The plan's address pool (validated when the plan was made). */
export function clientPool(plan: Plan): AddressPool {
  return parseAddressPool(plan.clients.pool, {
    bound: plan.clients.via === 'socket',
    prefix: plan.clients.prefix,
  }) as AddressPool;
}

/**
 * Decides, from the seed alone, each client's first source address and idle windows.
 * Clients come in groups of `per_address` that share one address (carrier-grade NAT); each group
 * draws its address at random from the pool, without repeats while the pool has room.
 */
export function assignClients(plan: Plan, pool: AddressPool): ClientAssignment[] {
  const random = seededRandom(deriveSeed(plan.seed, 2));
  const { count, perAddress } = plan.clients;
  const groups = Math.ceil(count / perAddress);
  const groupAddress: (string | null)[] = [];
  const used = new Set<number>();
  for (let group = 0; group < groups; group++) {
    if (pool.isDefaultLoopback) {
      groupAddress.push(null);
      continue;
    }
    let slot = Math.floor(random() * pool.size);
    if (groups <= pool.size) {
      while (used.has(slot)) slot = (slot + 1) % pool.size;
      used.add(slot);
    }
    groupAddress.push(pool.addressAt(slot));
  }
  const idle = idleWindowsOf(plan);
  return Array.from({ length: count }, (_, index) => ({
    index,
    address: groupAddress[Math.floor(index / perAddress)],
    idle: idle(index),
  }));
}

/** Each client's idle windows: indices into its plan's idle (its group's, with groups), members drawn by the seed. */
function idleWindowsOf(plan: Plan): (index: number) => number[] {
  const membership = clientGroups(plan);
  if (!membership || !plan.groups) {
    const members = plan.idle.map((window, at) =>
      chooseMembers(plan.clients.count, window.share, deriveSeed(plan.seed, 3, at)),
    );
    return (index) => members.flatMap((chosen, at) => (chosen.has(index) ? [at] : []));
  }
  const inGroup = plan.groups.map((_, group) =>
    Array.from(membership.group.keys()).filter((i) => membership.group[i] === group),
  );
  const members = plan.groups.map(({ plan: own }, group) =>
    own.idle.map((window, at) => {
      const chosen = chooseMembers(inGroup[group].length, window.share, deriveSeed(plan.seed, 3, group + 1, at));
      return new Set([...chosen].map((rank) => inGroup[group][rank]));
    }),
  );
  return (index) => members[membership.group[index]].flatMap((chosen, at) => (chosen.has(index) ? [at] : []));
}

/** Exactly round(share * count) clients, chosen by a seeded shuffle. */
function chooseMembers(count: number, share: number, seed: number): Set<number> {
  const random = seededRandom(seed);
  const order = Array.from({ length: count }, (_, index) => index);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, Math.round(share * count)));
}

/** A distributed run's part: client i belongs to shard i mod N. */
export function shardClients<T extends { index: number }>(clients: T[], shard: { index: number; count: number }): T[] {
  return clients.filter((client) => client.index % shard.count === shard.index);
}

/** A shard's clients split over its workers: client i goes to worker (i div N) mod W. */
export function workerClients<T extends { index: number }>(
  clients: T[],
  shardCount: number,
  workers: number,
  workerIndex: number,
): T[] {
  return clients.filter((client) => Math.floor(client.index / shardCount) % workers === workerIndex);
}
