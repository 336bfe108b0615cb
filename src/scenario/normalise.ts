import fs from 'node:fs';
import path from 'node:path';
import { parseDurationMs } from '../util/duration.js';
import { parseShare } from '../util/share.js';
import { parseSizeBytes } from '../util/size.js';
import { parseAddressPool } from '../util/address-pool.js';
import { actionInfo, type ActionName } from './actions.js';
import { readConfigTemplate } from './config-template.js';
import { normaliseApp } from './normalise-app.js';
import { normaliseState, whyRedisCannot } from './normalise-state.js';
import {
  CHECKED_PRESET_NAMES,
  findPreset,
  MISSING_CAPABILITY_WHY,
  PRESET_NAMES,
  presetHasChecks,
  PROXY_CAPABILITIES,
  type ProxyKind,
} from './presets.js';
import { isKnownMetric, THRESHOLD_METRICS, THRESHOLD_METRIC_PREFIXES } from './threshold-metrics.js';
import { CONDITION_PATTERN, type ScenarioFile } from './schema.js';
import type { Plan, SessionKey, TargetPlan, ThresholdPlan, EventPlan } from './plan.js';
import { deepFreeze } from './plan.js';
import type { Problem } from './problems.js';

/** What a client accepts in one message unless the scenario says otherwise (ws's own default is 100 MiB). */
const DEFAULT_MAX_MESSAGE = 1_048_576;

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

  const durationMs = ok('duration') ? parseDurationMs(scenario.duration)! : undefined;
  if (durationMs !== undefined && durationMs <= 0) problem('duration', 'must be longer than 0');

  const target = ok('target') ? normaliseTarget(file, scenario, problem) : undefined;
  const managed = target?.kind === 'preset' || target?.kind === 'custom';
  if (target?.kind === 'url' && scenario.target?.backend)
    problem('target.backend', 'stickler starts backends only for managed stacks (stack:), not for a url target');
  const backendCount = target && target.kind !== 'url' ? target.backends : 0;
  const stateStore = normaliseState(scenario, target, problem);

  const poolSpec = scenario.clients?.addresses?.pool ?? '127.0.0.1';
  const via = scenario.clients?.addresses?.via ?? 'socket';
  // Addresses sent in a header are only words: any IPv4 range will do (a carrier's 100.64.0.0/10, say).
  const prefix = scenario.clients?.addresses?.prefix;
  const pool = ok('clients.addresses.pool')
    ? parseAddressPool(poolSpec, { bound: via === 'socket', prefix })
    : undefined;
  if (typeof pool === 'string')
    problem(pool.includes('clients.addresses.prefix') ? 'clients.addresses.prefix' : 'clients.addresses.pool', pool);
  if (pool && typeof pool !== 'string' && !pool.ipv6 && prefix !== undefined)
    problem('clients.addresses.prefix', 'applies to IPv6 pools (such as fd00:5::/48) only');
  if (pool && typeof pool !== 'string' && !pool.rotate && scenario.churn?.rotate_address !== undefined) {
    problem(
      'churn.rotate_address',
      'rotates an address inside its IPv6 prefix: give an IPv6 pool such as fd00:5::/48 (an IPv4 client changes address with change_address)',
    );
  }

  const rampMs = ok('clients.ramp') ? ms(scenario.clients?.ramp, 0) : 0;
  if (durationMs !== undefined && rampMs > durationMs)
    problem('clients.ramp', `the ramp (${rampMs} ms) is longer than the run (${durationMs} ms)`);

  const sessionKey = parseSessionKey(ok('clients.session_key') ? (scenario.clients?.session_key ?? 'none') : 'none');

  const app = ok('traffic', 'on_open', 'push', 'identify') ? normaliseApp(scenario, problem) : undefined;
  const size = ok('traffic.size') ? (scenario.traffic?.size ?? 64) : 64;
  if (size < 32 && !app?.message)
    problem('traffic.size', `must be at least 32 bytes (the send timestamp needs room), got ${size}`);

  const idle = listAt(scenario.idle, 'idle', ok).map(({ item: window, index }) => {
    const atMs = parseDurationMs(window.at)!;
    const forMs = parseDurationMs(window.for)!;
    if (durationMs !== undefined && atMs >= durationMs)
      problem(`idle[${index}].at`, `starts after the run ends (duration ${durationMs} ms)`);
    return { atMs, forMs, share: parseShare(window.clients)! };
  });

  const events = listAt(scenario.events, 'events', ok).map(({ item: event, index }): EventPlan => {
    const at = `events[${index}]`;
    const atMs = parseDurationMs(event.at)!;
    if (durationMs !== undefined && atMs >= durationMs)
      problem(`${at}.at`, `is after the run ends (duration ${durationMs} ms)`);
    const info = actionInfo(event.action);
    if (event.backend === 'redis') {
      const why = whyRedisCannot(event.action, stateStore);
      if (why) problem(`${at}.${why.field}`, why.message);
    } else if (info.backend) {
      if (!event.backend)
        problem(`${at}.backend`, `required for action ${event.action}: name a backend b1..b${backendCount || 'N'}`);
      else if (managed && Number(event.backend.slice(1)) > backendCount) {
        problem(`${at}.backend`, `${event.backend} does not exist: this stack has b1..b${backendCount}`);
      }
    }
    if (target) {
      const cannot = whyTargetCannot(event.action, target);
      // deploy drains each backend first unless drain: false: a proxy with no drain cannot.
      const drain =
        event.action === 'deploy' &&
        event.drain !== false &&
        (target.kind === 'custom' || (target.kind === 'preset' && findPreset(target.preset)?.proxy !== 'none'))
          ? whyTargetCannot('drain', target)
          : null;
      if (cannot ?? drain)
        problem(`${at}.action`, cannot ?? `deploy drains each backend first (drain: false to skip it), and ${drain}`);
    }
    if (info.forField === 'required' && event.for === undefined)
      problem(`${at}.for`, `required for ${event.action}: how long the backend stays stopped, e.g. 2s`);
    if (info.command && !event.command)
      problem(`${at}.command`, `required for ${event.action}: the shell command to run`);
    return {
      atMs,
      action: event.action,
      ...(event.backend ? { backend: event.backend } : {}),
      ...(event.for !== undefined ? { forMs: parseDurationMs(event.for)! } : {}),
      ...(event.command ? { command: event.command } : {}),
      ...(event.drain !== undefined ? { drain: event.drain } : {}),
    };
  });
  events.sort((a, b) => a.atMs - b.atMs);

  const thresholdEntries = isRecord(scenario.thresholds) ? Object.entries(scenario.thresholds) : [];
  const thresholds = thresholdEntries.flatMap(([metric, raw]): ThresholdPlan[] => {
    // The metric's name is checked even when its condition is broken: they are two problems.
    if (!isKnownMetric(metric)) {
      problem(
        `thresholds.${metric}`,
        `unknown metric; valid metrics: ${THRESHOLD_METRICS.join(', ')}, or a key under ${THRESHOLD_METRIC_PREFIXES.join(', ')}`,
      );
      return [];
    }
    const condition = typeof raw === 'number' ? `== ${raw}` : raw;
    const match = typeof condition === 'string' ? CONDITION_PATTERN.exec(condition) : null;
    if (!match) return [];
    const percent = match[3] === '%';
    return [
      {
        metric,
        condition,
        op: match[1] as ThresholdPlan['op'],
        value: percent ? Number(match[2]) / 100 : Number(match[2]),
      },
    ];
  });

  if (broken.length > 0 || durationMs === undefined) return { problems };
  if (problems.length > 0 || !target || !app) return { problems };

  const plan: Plan = {
    name: scenario.name,
    description: scenario.description ?? '',
    sourceFile: file,
    target,
    managedBackend: scenario.target?.backend ?? 'reference',
    state: app.socketio ? null : (stateStore ?? null),
    identify: {
      header: (scenario.identify?.header ?? 'x-backend-id').toLowerCase(),
      messageField: scenario.identify?.message_field ?? 'server',
      cookie: scenario.identify?.cookie ?? null,
    },
    clients: {
      count: scenario.clients.count,
      rampMs,
      connectConcurrency: scenario.clients.connect_concurrency ?? 256,
      pool: poolSpec,
      perAddress: scenario.clients.addresses?.per_address ?? 1,
      ...(prefix !== undefined ? { prefix } : {}),
      via,
      cookies: scenario.clients.cookies ?? true,
      sessionKey,
    },
    durationMs,
    seed: scenario.seed ?? 1,
    traffic: {
      intervalMs: ms(scenario.traffic?.interval, 1000),
      size,
      pattern: scenario.traffic?.pattern ?? 'fixed',
      pingMs: ms(scenario.traffic?.ping, 0),
      maxMessageBytes: parseSizeBytes(scenario.traffic?.max_message ?? DEFAULT_MAX_MESSAGE)!,
    },
    app,
    churn: {
      dropEveryMs: ms(scenario.churn?.drop_every, 0),
      backoff: {
        initialMs: ms(scenario.churn?.backoff?.initial, 100),
        maxMs: ms(scenario.churn?.backoff?.max, 5000),
        jitter: scenario.churn?.backoff?.jitter ?? true,
      },
      changeAddress: parseShare(scenario.churn?.change_address ?? 0)!,
      rotateAddress: parseShare(scenario.churn?.rotate_address ?? 0)!,
    },
    idle,
    events,
    thresholds,
  };
  return { plan: deepFreeze(plan), problems };
}

function normaliseTarget(
  file: string,
  scenario: ScenarioFile,
  problem: (at: string, message: string) => void,
): TargetPlan | undefined {
  const target = scenario.target ?? {};
  const hasStack = target.stack !== undefined;
  const hasUrl = target.url !== undefined;
  if (hasStack === hasUrl) {
    problem(
      'target',
      hasStack
        ? 'give either stack or url, not both'
        : 'required: give target.stack (a preset from `stickler stacks`) or target.url (ws://host:port/path), or pass --stack/--url',
    );
    return undefined;
  }
  const pathPart = target.path ?? '/';
  if ((target.health !== undefined || target.redispatch !== undefined) && typeof target.stack !== 'string') {
    problem(
      target.health !== undefined ? 'target.health' : 'target.redispatch',
      `is for the managed HAProxy presets with health checks (${CHECKED_PRESET_NAMES.join(', ')})`,
    );
  }
  if (hasUrl) {
    let url: URL;
    try {
      url = new URL(target.url!);
    } catch {
      problem('target.url', `"${target.url}" is not a URL; write it like ws://127.0.0.1:8080/ws`);
      return undefined;
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      problem('target.url', `expected a ws:// or wss:// URL, got ${url.protocol}`);
      return undefined;
    }
    return {
      kind: 'url',
      url: url.toString(),
      expectedBackends:
        target.backends === undefined
          ? null
          : Array.isArray(target.backends)
            ? [...new Set(target.backends)]
            : target.backends,
      haproxyStats: target.haproxy_stats ?? null,
      tls: urlTls(file, target.tls, problem),
    };
  }
  if (Array.isArray(target.backends)) {
    problem(
      'target.backends',
      'a managed stack names its backends b1..bN: give how many to start (a list of ids is for url targets)',
    );
    return undefined;
  }
  if (target.haproxy_stats !== undefined)
    problem('target.haproxy_stats', 'is for url targets; stickler reads the stats of the HAProxy it runs itself');
  if (typeof target.stack === 'string') {
    const preset = findPreset(target.stack);
    if (!preset) {
      problem(
        'target.stack',
        `unknown preset "${target.stack}"; choose one of ${PRESET_NAMES.join(', ')}, or { proxy, config }`,
      );
      return undefined;
    }
    const backends = target.backends ?? (preset.name === 'direct' ? 1 : 3);
    for (const field of ['health', 'redispatch'] as const) {
      if (target[field] !== undefined && !presetHasChecks(preset)) {
        problem(
          `target.${field}`,
          `only the HAProxy presets with health checks take it (${CHECKED_PRESET_NAMES.join(', ')}), not ${preset.name}`,
        );
      }
    }
    if (typeof target.tls === 'object')
      problem(
        'target.tls',
        'a managed stack makes its own certificate: write tls: true (ca and insecure are for url targets)',
      );
    if (target.tls === true && preset.proxy === 'none')
      problem('target.tls', 'the direct preset has no proxy to terminate TLS: choose an nginx or HAProxy preset');
    return {
      kind: 'preset',
      preset: preset.name,
      backends,
      path: pathPart,
      health: target.health ?? 'http',
      redispatch: target.redispatch ?? true,
      tls: target.tls === true,
    };
  }
  const custom = target.stack!;
  const configPath = path.resolve(path.dirname(file), custom.config);
  const template = readConfigTemplate(configPath);
  if ('problem' in template) problem('target.stack.config', `${custom.config} (${configPath}): ${template.problem}`);
  return {
    kind: 'custom',
    proxy: custom.proxy,
    configPath,
    backends: target.backends ?? 3,
    path: pathPart,
  };
}

/** Why this target cannot carry out the action (its descriptor's needs against the target), or null when it can. */
function whyTargetCannot(action: ActionName, target: TargetPlan): string | null {
  const info = actionInfo(action);
  if (info.needs === 'any') return null;
  if (target.kind === 'url')
    return `${action} needs a managed stack (target.stack): stickler does not run ${target.url}; use exec to act on an external target`;
  const proxy: ProxyKind | 'none' = target.kind === 'custom' ? target.proxy : findPreset(target.preset)!.proxy;
  const label = target.kind === 'custom' ? `your ${target.proxy} config` : `the ${target.preset} preset`;
  if (info.needs === 'proxy' && proxy === 'none')
    return `${action} acts on the proxy, and ${label} has none: choose a preset with a proxy`;
  if (proxy !== 'none' && info.capability && !PROXY_CAPABILITIES[proxy].includes(info.capability)) {
    return `${action} is not something ${proxy} can do (${label}): it has no ${info.capability.replace('_', ' ')}${MISSING_CAPABILITY_WHY[proxy] ? ` (${MISSING_CAPABILITY_WHY[proxy]})` : ''}`;
  }
  return null;
}

/** `bad` (a rejected path) and `at` (a path a check reads) are the same field, or one holds the other. */
function related(bad: string, at: string): boolean {
  const inside = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return bad === '' || inside(bad, at) || inside(at, bad);
}

/** The items of a list field that the schema accepted, with their indices; none when the list itself is broken. */
function listAt<T>(list: T[] | undefined, at: string, ok: (path: string) => boolean): { item: T; index: number }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index) => (ok(`${at}[${index}]`) && isRecord(item) ? [{ item, index }] : []));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function urlTls(
  file: string,
  tls: boolean | { ca?: string; insecure?: boolean } | undefined,
  problem: (at: string, message: string) => void,
): { caFile?: string; insecure?: boolean } | null {
  if (tls === undefined || tls === false) return null;
  if (tls === true) {
    problem(
      'target.tls',
      'for a url target, say whom to trust: tls: { ca: FILE } or { insecure: true } (wss:// with a public CA needs no tls at all)',
    );
    return null;
  }
  if (tls.ca && tls.insecure) problem('target.tls', 'give ca or insecure, not both');
  const caFile = tls.ca ? path.resolve(path.dirname(file), tls.ca) : undefined;
  if (caFile && !fs.existsSync(caFile))
    problem(
      'target.tls.ca',
      `${tls.ca} not found (read relative to the scenario file, as ${caFile}); give the CA certificate (PEM) that signed the target's certificate`,
    );
  return { ...(caFile ? { caFile } : {}), ...(tls.insecure ? { insecure: true } : {}) };
}

export function parseSessionKey(text: string): SessionKey {
  if (text === 'none') return { kind: 'none' };
  const [kind, name] = text.split(':');
  return { kind: kind as 'query' | 'header' | 'cookie', name };
}
