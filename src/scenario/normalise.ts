import { parseAddressPool } from '../util/address-pool.js';
import { parseDurationMs } from '../util/duration.js';
import { parseShare } from '../util/share.js';
import { parseSizeBytes } from '../util/size.js';
import type { AppPlan, Plan, SessionKey, TargetPlan } from './plan.js';
import { deepFreeze } from './plan.js';
import type { Problem } from './problems.js';
import type { ScenarioFile } from './schema.js';
import { normaliseApp } from './normalise-app.js';
import { normalisePopulation, type PopulationPlan } from './population/normalise.js';
import { normaliseGroups } from './population/groups.js';
import { normaliseState } from './normalise-state.js';
import { normaliseTarget } from './normalise-target.js';
import { normaliseEvents, normaliseIdle, normaliseThresholds, type Checks } from './normalise-timeline.js';

/** What a client accepts in one message unless the scenario says otherwise (ws's own default is 100 MiB). */
const DEFAULT_MAX_MESSAGE = 1_048_576;
const DEFAULT_MAX_BUFFERED = 1_048_576;

const ms = (value: unknown, fallback: number): number => (value === undefined ? fallback : parseDurationMs(value)!);

/**
 * Checks what the schema cannot (fields that depend on each other) and fills in defaults.
 * Returns every problem found, never just the first. `broken` lists the paths the schema already
 * rejected: the scenario is then only partly valid, and a check that reads a broken field (or a
 * field inside or around one) is skipped, while every other check still runs.
 */
export function normalise(
  file: string,
  scenario: ScenarioFile,
  broken: readonly string[] = [],
): { plan?: Plan; problems: Problem[] } {
  const problems: Problem[] = [];
  const problem = (at: string, message: string) => problems.push({ file, path: at, message });
  const ok = (...paths: string[]) => paths.every((at) => !broken.some((bad) => related(bad, at)));
  const checks: Checks = { problem, ok };

  const durationMs = ok('duration') ? parseDurationMs(scenario.duration)! : undefined;
  if (durationMs !== undefined && durationMs <= 0) problem('duration', 'must be longer than 0');
  const target = ok('target') ? normaliseTarget(file, scenario, problem) : undefined;
  const stateStore = normaliseState(scenario, target, problem);
  checkAddresses(scenario, checks);
  const population = normalisePopulation(file, scenario, durationMs, checks);
  const sessionKey = sessionKeyOf(scenario, checks);
  const app = ok('traffic', 'on_open', 'on_close', 'close', 'push', 'identify')
    ? normaliseApp(scenario, problem, population?.data ?? null, file)
    : undefined;
  const size = messageSize(scenario, app, checks);
  checkFlow(scenario, checks);
  const idle = normaliseIdle(scenario, durationMs, checks);
  const events = normaliseEvents(scenario, { durationMs, target, stateStore }, checks);
  const thresholds = normaliseThresholds(scenario, problem);

  if (broken.length > 0 || durationMs === undefined) return { problems };
  if (problems.length > 0 || !target || !app || !population) return { problems };
  const checked: Checked = { file, target, app, stateStore, durationMs, population, sessionKey, size };
  const groups = normaliseGroups(file, scenario, population.count, (at, text) => normalise(at, text), problem);
  if (problems.length > 0) return { problems };
  const plan: Plan = { ...planOf(scenario, checked), idle, events, thresholds, groups };
  return { plan: deepFreeze(plan), problems };
}

/** traffic.size: stickler's echo marker carries its send time. */
function messageSize(scenario: ScenarioFile, app: AppPlan | undefined, { ok, problem }: Checks): number {
  const size = ok('traffic.size') ? (scenario.traffic?.size ?? 64) : 64;
  if (size < 32 && !app?.message)
    problem('traffic.size', `must be at least 32 bytes (the send timestamp needs room), got ${size}`);
  return size;
}

function sessionKeyOf(scenario: ScenarioFile, { ok }: Checks): SessionKey {
  const key = ok('clients.session_key') ? scenario.clients?.session_key : undefined;
  return parseSessionKey(key ?? 'none');
}

/** The address pool (bound on the socket, or only named in a header) and what depends on its kind. */
function checkAddresses(scenario: ScenarioFile, { problem, ok }: Checks): void {
  const addresses = scenario.clients?.addresses;
  const via = addresses?.via ?? 'socket';
  // Addresses sent in a header are only words: any IPv4 range will do (a carrier's 100.64.0.0/10, say).
  const prefix = addresses?.prefix;
  if (!ok('clients.addresses.pool')) return;
  const pool = parseAddressPool(addresses?.pool ?? '127.0.0.1', { bound: via === 'socket', prefix });
  if (typeof pool === 'string') {
    problem(pool.includes('clients.addresses.prefix') ? 'clients.addresses.prefix' : 'clients.addresses.pool', pool);
    return;
  }
  if (!pool.ipv6 && prefix !== undefined)
    problem('clients.addresses.prefix', 'applies to IPv6 pools (such as fd00:5::/48) only');
  if (!pool.rotate && scenario.churn?.rotate_address !== undefined) {
    problem(
      'churn.rotate_address',
      'rotates an address inside its IPv6 prefix: give an IPv6 pool such as ' +
        'fd00:5::/48 (an IPv4 client changes address with change_address)',
    );
  }
}

/** What the checks made of the scenario, for the plan. */
interface Checked {
  file: string;
  target: TargetPlan;
  app: AppPlan;
  stateStore: 'memory' | 'redis' | undefined;
  durationMs: number;
  population: PopulationPlan;
  sessionKey: SessionKey;
  size: number;
}

/** The plan with its defaults filled in, but for the timeline and thresholds. */
function planOf(scenario: ScenarioFile, checked: Checked): Omit<Plan, 'idle' | 'events' | 'thresholds' | 'groups'> {
  const { app, stateStore } = checked;
  return {
    name: scenario.name,
    description: scenario.description ?? '',
    sourceFile: checked.file,
    target: checked.target,
    managedBackend: scenario.target?.backend ?? 'reference',
    state: app.socketio ? null : (stateStore ?? null),
    identify: {
      header: (scenario.identify?.header ?? 'x-backend-id').toLowerCase(),
      messageField: scenario.identify?.message_field ?? 'server',
      cookie: scenario.identify?.cookie ?? null,
    },
    clients: clientsOf(scenario, checked),
    compression: scenario.compression ?? false,
    durationMs: checked.durationMs,
    seed: scenario.seed ?? 1,
    traffic: trafficOf(scenario, checked.size),
    app,
    churn: churnOf(scenario),
  };
}

function clientsOf(scenario: ScenarioFile, { population, sessionKey }: Checked): Plan['clients'] {
  const { clients } = scenario;
  const prefix = clients.addresses?.prefix;
  return {
    ...population,
    connectConcurrency: clients.connect_concurrency ?? 256,
    pool: clients.addresses?.pool ?? '127.0.0.1',
    perAddress: clients.addresses?.per_address ?? 1,
    ...(prefix !== undefined ? { prefix } : {}),
    via: clients.addresses?.via ?? 'socket',
    cookies: clients.cookies ?? true,
    sessionKey,
  };
}

function trafficOf(scenario: ScenarioFile, size: number): Plan['traffic'] {
  const traffic = scenario.traffic;
  return {
    intervalMs: ms(traffic?.interval, 1000),
    size,
    pattern: traffic?.pattern ?? 'fixed',
    pingMs: ms(traffic?.ping, 0),
    maxMessageBytes: parseSizeBytes(traffic?.max_message ?? DEFAULT_MAX_MESSAGE)!,
    maxBufferedBytes: parseSizeBytes(traffic?.max_buffered ?? DEFAULT_MAX_BUFFERED)!,
    pingTimeoutMs: ms(traffic?.ping_timeout, 2 * ms(traffic?.ping, 0)),
    count: traffic?.count ?? 0,
    think: thinkOf(traffic?.think),
  };
}

/** traffic.count and think: a count needs messages to go out; a think time is one duration or a range. */
function checkFlow(scenario: ScenarioFile, { ok, problem }: Checks): void {
  const traffic = scenario.traffic;
  if (!ok('traffic') || !traffic) return;
  if (traffic.think !== undefined) {
    const parts = String(traffic.think)
      .split('-')
      .map((part) => parseDurationMs(part.trim()));
    if (parts.some((part) => part === undefined) || (parts.length === 2 && parts[0]! > parts[1]!))
      problem('traffic.think', `expected a duration ("1s") or a range ("1s-3s", low first), got "${traffic.think}"`);
  }
  const interval = traffic.interval === undefined ? 1000 : parseDurationMs(traffic.interval);
  if (traffic.count !== undefined && interval === 0 && traffic.think === undefined)
    problem('traffic.count', 'the clients send nothing (traffic.interval is 0): give an interval or a think time');
  if (traffic.ping_timeout !== undefined && !parseDurationMs(traffic.ping ?? 0))
    problem('traffic.ping_timeout', 'applies to pings: give traffic.ping (e.g. ping: 1s), or remove it');
}

/** traffic.think: "1s" or "1s-3s" (validated by checkFlow). */
function thinkOf(think: string | number | undefined): [number, number] | null {
  if (think === undefined) return null;
  const [low, high] = String(think)
    .split('-')
    .map((part) => parseDurationMs(part.trim())!);
  return [low, high ?? low];
}

function churnOf(scenario: ScenarioFile): Plan['churn'] {
  const churn = scenario.churn;
  return {
    dropEveryMs: ms(churn?.drop_every, 0),
    backoff: {
      initialMs: ms(churn?.backoff?.initial, 100),
      maxMs: ms(churn?.backoff?.max, 5000),
      jitter: churn?.backoff?.jitter ?? true,
    },
    changeAddress: parseShare(churn?.change_address ?? 0)!,
    rotateAddress: parseShare(churn?.rotate_address ?? 0)!,
  };
}

/** `bad` (a rejected path) and `at` (a path a check reads) are the same field, or one holds the other. */
function related(bad: string, at: string): boolean {
  const inside = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return bad === '' || inside(bad, at) || inside(at, bad);
}

export function parseSessionKey(text: string): SessionKey {
  if (text === 'none') return { kind: 'none' };
  const [kind, name] = text.split(':');
  return { kind: kind as 'query' | 'header' | 'cookie', name };
}
