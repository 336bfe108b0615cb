import { deriveSeed, exponential, seededRandom } from '../../util/rng.js';
import type { DataRow } from '../../util/template.js';
import type { Plan, SessionPlan, StagePlan } from '../plan.js';
import { sharedDataTable } from './data-file.js';

/** Seed streams of the population (other streams: 1 per client, 2 addresses, 3 idle windows). */
const SESSION_STREAM = 7;
const ROW_STREAM = 8;

/**
 * When each client starts and when it leaves for good, as pure functions of the plan and the client's index, so
 * that every worker and every shard of a run computes the same population on the same clock.
 */
export interface ClientSchedule {
  /** Clients in the whole run (every shard's). */
  readonly count: number;
  startMs(index: number): number;
  /** Run-clock ms at which the client leaves for good (Infinity: it stays to the end). */
  leaveMs(index: number): number;
  /** Clients that should be connected at `ms` (the load's target, drawn beside the open count); a shard's own. */
  targetAt(ms: number, shard?: { index: number; count: number }): number;
}

/** Clients a load plan makes: stages count every client that joins (a leaver does not come back). */
export function stagedClients(stages: readonly StagePlan[]): number {
  let current = 0;
  let total = 0;
  for (const stage of stages) {
    if (!('to' in stage)) continue;
    if (stage.to > current) total += stage.to - current;
    current = stage.to;
  }
  return total;
}

export function clientSchedule(plan: Pick<Plan, 'clients' | 'seed'>): ClientSchedule {
  const { count, rampMs, load, session } = plan.clients;
  const start = new Float64Array(count);
  const leave = new Float64Array(count).fill(Infinity);
  if (load.model === 'stages') placeStages(load.stages, start, leave);
  else {
    const stepMs = load.model === 'arrival' ? 1000 / load.ratePerS : count > 1 ? rampMs / count : 0;
    for (let index = 0; index < count; index++) start[index] = stepMs * index;
  }
  if (session) {
    for (let index = 0; index < count; index++)
      leave[index] = Math.min(leave[index], start[index] + sessionLength(session, plan.seed, index));
  }
  return {
    count,
    startMs: (index) => start[index],
    leaveMs: (index) => leave[index],
    targetAt: (ms, shard = { index: 0, count: 1 }) => targetAt(start, leave, ms, shard),
  };
}

/** Up: new clients evenly over the stage; down: the latest to join leave first, the last at the stage's end. */
function placeStages(stages: readonly StagePlan[], start: Float64Array, leave: Float64Array): void {
  const active: number[] = [];
  let next = 0;
  let atMs = 0;
  for (const stage of stages) {
    if ('holdMs' in stage) {
      atMs += stage.holdMs;
      continue;
    }
    const change = stage.to - active.length;
    for (let k = 0; k < Math.abs(change); k++) {
      if (change > 0) {
        start[next] = atMs + (stage.overMs * k) / change;
        active.push(next++);
      } else leave[active.pop()!] = atMs + (stage.overMs * (k + 1)) / -change;
    }
    atMs += stage.overMs;
  }
}

function targetAt(
  start: Float64Array,
  leave: Float64Array,
  ms: number,
  shard: { index: number; count: number },
): number {
  let target = 0;
  for (let index = shard.index; index < start.length; index += shard.count)
    if (start[index] <= ms && leave[index] > ms) target += 1;
  return target;
}

function sessionLength(session: SessionPlan, seed: number, index: number): number {
  const random = seededRandom(deriveSeed(seed, SESSION_STREAM, index));
  if (session.shape === 'fixed') return session.lengthMs;
  if (session.shape === 'uniform') return session.lengthMs * (0.5 + random());
  return exponential(random, session.lengthMs);
}

/** The data row of client `index` (null without clients.data); the rows are read once per process. */
export function clientRow(plan: Pick<Plan, 'clients' | 'seed'>, index: number): DataRow | null {
  const data = plan.clients.data;
  if (!data) return null;
  const { rows } = sharedDataTable(data.file);
  if (data.pick === 'random')
    return rows[Math.floor(seededRandom(deriveSeed(plan.seed, ROW_STREAM, index))() * rows.length)];
  return rows[index % rows.length];
}

/** Each client's group (an index into plan.groups) and its rank among the group's clients (for its data row). */
export interface GroupMembership {
  group: Uint8Array;
  rank: Uint32Array;
}

const GROUP_STREAM = 9;

/**
 * Which client is in which group: the groups' counts dealt over the clients in a seeded order, so every group has
 * clients early and late in a ramp or a stage. null without groups.
 */
export function clientGroups(plan: Pick<Plan, 'clients' | 'seed' | 'groups'>): GroupMembership | null {
  if (!plan.groups) return null;
  const count = plan.clients.count;
  const group = new Uint8Array(count);
  let at = 0;
  plan.groups.forEach((member, index) => group.fill(index, at, (at += member.count)));
  const random = seededRandom(deriveSeed(plan.seed, GROUP_STREAM));
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [group[i], group[j]] = [group[j], group[i]];
  }
  const rank = new Uint32Array(count);
  const seen = new Uint32Array(plan.groups.length);
  for (let index = 0; index < count; index++) rank[index] = seen[group[index]]++;
  return { group, rank };
}
