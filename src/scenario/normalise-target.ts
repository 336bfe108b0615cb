import fs from 'node:fs';
import path from 'node:path';
import { actionInfo, type ActionName } from './actions.js';
import { readConfigTemplate } from './config-template.js';
import {
  CHECKED_PRESET_NAMES,
  findPreset,
  MISSING_CAPABILITY_WHY,
  PRESET_NAMES,
  presetHasChecks,
  PROXY_CAPABILITIES,
  type ProxyKind,
} from './presets.js';
import type { ScenarioFile } from './schema.js';
import type { TargetPlan } from './plan.js';

/** Where a check reports a problem: the field's path and what is wrong with it. */
export type ProblemSink = (at: string, message: string) => void;

/** The scenario's target (or --stack/--url), checked: a url, a managed preset, or the user's own proxy config. */
export function normaliseTarget(file: string, scenario: ScenarioFile, problem: ProblemSink): TargetPlan | undefined {
  const target = targetOf(file, scenario, problem);
  if (target?.kind === 'url' && scenario.target?.backend)
    problem('target.backend', 'stickler starts backends only for managed stacks (stack:), not for a url target');
  return target;
}

function targetOf(file: string, scenario: ScenarioFile, problem: ProblemSink): TargetPlan | undefined {
  const target = scenario.target ?? {};
  const hasStack = target.stack !== undefined;
  const hasUrl = target.url !== undefined;
  if (hasStack === hasUrl) {
    problem(
      'target',
      hasStack
        ? 'give either stack or url, not both'
        : 'required: give target.stack (a preset from `stickler stacks`) or target.url ' +
            '(ws://host:port/path), or pass --stack/--url',
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
  if (hasUrl) return urlTarget(file, target, problem, scenario.protocol === 'socketio');
  if (Array.isArray(target.backends)) {
    problem(
      'target.backends',
      'a managed stack names its backends b1..bN: give how many to start (a list of ids is for url targets)',
    );
    return undefined;
  }
  if (target.haproxy_stats !== undefined)
    problem('target.haproxy_stats', 'is for url targets; stickler reads the stats of the HAProxy it runs itself');
  if (typeof target.stack === 'string') return presetTarget(target.stack, target.backends, target, pathPart, problem);
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

type TargetSection = NonNullable<ScenarioFile['target']>;

function urlTarget(
  file: string,
  target: TargetSection,
  problem: ProblemSink,
  socketio = false,
): TargetPlan | undefined {
  let url: URL;
  try {
    url = new URL(target.url!);
  } catch {
    problem('target.url', `"${target.url}" is not a URL; write it like ws://127.0.0.1:8080/ws`);
    return undefined;
  }
  // Every Socket.IO client is given an http(s):// URL: its WebSocket is the same URL as ws(s)://.
  if (socketio && (url.protocol === 'http:' || url.protocol === 'https:'))
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    const also = socketio ? ' (or http:// / https://, for protocol: socketio)' : '';
    problem('target.url', `expected a ws:// or wss:// URL${also}, got ${url.protocol}`);
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

/** `count`: target.backends, known by now to be a number when given. */
function presetTarget(
  name: string,
  count: number | undefined,
  target: TargetSection,
  pathPart: string,
  problem: ProblemSink,
): TargetPlan | undefined {
  const preset = findPreset(name);
  if (!preset) {
    problem('target.stack', `unknown preset "${name}"; choose one of ${PRESET_NAMES.join(', ')}, or { proxy, config }`);
    return undefined;
  }
  const backends = count ?? (preset.name === 'direct' ? 1 : 3);
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

/** Why this target cannot carry out the action (its descriptor's needs against the target), or null when it can. */
export function whyTargetCannot(action: ActionName, target: TargetPlan): string | null {
  const info = actionInfo(action);
  if (info.needs === 'any') return null;
  if (target.kind === 'url')
    return (
      `${action} needs a managed stack (target.stack): stickler does not run ` +
      `${target.url}; use exec to act on an external target`
    );
  const proxy: ProxyKind | 'none' = target.kind === 'custom' ? target.proxy : findPreset(target.preset)!.proxy;
  const label = target.kind === 'custom' ? `your ${target.proxy} config` : `the ${target.preset} preset`;
  if (info.needs === 'proxy' && proxy === 'none')
    return `${action} acts on the proxy, and ${label} has none: choose a preset with a proxy`;
  if (proxy !== 'none' && info.capability && !PROXY_CAPABILITIES[proxy].includes(info.capability)) {
    return (
      `${action} is not something ${proxy} can do (${label}): it has no ` +
      `${info.capability.replace('_', ' ')}` +
      `${MISSING_CAPABILITY_WHY[proxy] ? ` (${MISSING_CAPABILITY_WHY[proxy]})` : ''}`
    );
  }
  return null;
}

function urlTls(
  file: string,
  tls: boolean | { ca?: string; insecure?: boolean } | undefined,
  problem: ProblemSink,
): { caFile?: string; insecure?: boolean } | null {
  if (tls === undefined || tls === false) return null;
  if (tls === true) {
    problem(
      'target.tls',
      'for a url target, say whom to trust: tls: { ca: FILE } or { insecure: true } ' +
        '(wss:// with a public CA needs no tls at all)',
    );
    return null;
  }
  if (tls.ca && tls.insecure) problem('target.tls', 'give ca or insecure, not both');
  const caFile = tls.ca ? path.resolve(path.dirname(file), tls.ca) : undefined;
  if (caFile && !fs.existsSync(caFile))
    problem(
      'target.tls.ca',
      `${tls.ca} not found (read relative to the scenario file, as ${caFile}); give the ` +
        `CA certificate (PEM) that signed the target's certificate`,
    );
  return { ...(caFile ? { caFile } : {}), ...(tls.insecure ? { insecure: true } : {}) };
}
