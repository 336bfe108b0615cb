import { parseDurationMs } from '../util/duration.js';
import { parseShare } from '../util/share.js';
import { actionInfo } from './actions.js';
import { whyRedisCannot } from './normalise-state.js';
import { whyTargetCannot, type ProblemSink } from './normalise-target.js';
import { findPreset } from './presets.js';
import { CONDITION_PATTERN, type ScenarioFile } from './schema.js';
import type { EventPlan, IdleWindow, TargetPlan, ThresholdPlan } from './plan.js';
import { isKnownMetric, THRESHOLD_METRICS, THRESHOLD_METRIC_PREFIXES } from './threshold-metrics.js';

/** The checks' shared tools: where problems go, and whether the schema accepted the fields a check reads. */
export interface Checks {
  problem: ProblemSink;
  ok: (...paths: string[]) => boolean;
}

/** What the timeline's checks read of the rest of the scenario. */
export interface TimelineContext {
  durationMs: number | undefined;
  target: TargetPlan | undefined;
  stateStore: 'memory' | 'redis' | undefined;
}

/** The idle windows, each starting inside the run. */
export function normaliseIdle(
  scenario: ScenarioFile,
  durationMs: number | undefined,
  { problem, ok }: Checks,
): IdleWindow[] {
  return listAt(scenario.idle, 'idle', ok).map(({ item: window, index }) => {
    const atMs = parseDurationMs(window.at)!;
    const forMs = parseDurationMs(window.for)!;
    if (durationMs !== undefined && atMs >= durationMs)
      problem(`idle[${index}].at`, `starts after the run ends (duration ${durationMs} ms)`);
    return { atMs, forMs, share: parseShare(window.clients)! };
  });
}

type ScenarioEvent = NonNullable<ScenarioFile['events']>[number];

/** The timeline's events, each checked against the target that must carry it out, in time order. */
export function normaliseEvents(scenario: ScenarioFile, context: TimelineContext, checks: Checks): EventPlan[] {
  const events = listAt(scenario.events, 'events', checks.ok).map(({ item: event, index }): EventPlan => {
    checkEvent(event, `events[${index}]`, context, checks.problem);
    const atMs = parseDurationMs(event.at)!;
    return {
      atMs,
      action: event.action,
      ...(event.backend ? { backend: event.backend } : {}),
      ...(event.for !== undefined ? { forMs: parseDurationMs(event.for)! } : {}),
      ...(event.command ? { command: event.command } : {}),
      ...(event.drain !== undefined ? { drain: event.drain } : {}),
    };
  });
  return events.sort((a, b) => a.atMs - b.atMs);
}

function checkEvent(event: ScenarioEvent, at: string, context: TimelineContext, problem: ProblemSink): void {
  const { durationMs, target } = context;
  const atMs = parseDurationMs(event.at)!;
  if (durationMs !== undefined && atMs >= durationMs)
    problem(`${at}.at`, `is after the run ends (duration ${durationMs} ms)`);
  const info = actionInfo(event.action);
  if (event.backend === 'redis') {
    const why = whyRedisCannot(event.action, context.stateStore);
    if (why) problem(`${at}.${why.field}`, why.message);
  } else if (info.backend) checkBackend(event, at, target, problem);
  if (target) checkTargetCan(event, at, target, problem);
  if (info.forField === 'required' && event.for === undefined)
    problem(`${at}.for`, `required for ${event.action}: how long the backend stays stopped, e.g. 2s`);
  if (info.command && !event.command)
    problem(`${at}.command`, `required for ${event.action}: the shell command to run`);
}

/** An action on one backend names one that exists. */
function checkBackend(event: ScenarioEvent, at: string, target: TargetPlan | undefined, problem: ProblemSink): void {
  const backendCount = target && target.kind !== 'url' ? target.backends : 0;
  const managed = target?.kind === 'preset' || target?.kind === 'custom';
  if (!event.backend)
    problem(`${at}.backend`, `required for action ${event.action}: name a backend b1..b${backendCount || 'N'}`);
  else if (managed && Number(event.backend.slice(1)) > backendCount)
    problem(`${at}.backend`, `${event.backend} does not exist: this stack has b1..b${backendCount}`);
}

function checkTargetCan(event: ScenarioEvent, at: string, target: TargetPlan, problem: ProblemSink): void {
  const cannot = whyTargetCannot(event.action, target);
  // deploy drains each backend first unless drain: false: a proxy with no drain cannot.
  const drains =
    event.action === 'deploy' &&
    event.drain !== false &&
    (target.kind === 'custom' || (target.kind === 'preset' && findPreset(target.preset)?.proxy !== 'none'));
  const drain = drains ? whyTargetCannot('drain', target) : null;
  if (cannot ?? drain)
    problem(`${at}.action`, cannot ?? `deploy drains each backend first (drain: false to skip it), and ${drain}`);
}

/** The thresholds: a known metric and a condition each. */
export function normaliseThresholds(scenario: ScenarioFile, problem: ProblemSink): ThresholdPlan[] {
  const thresholdEntries = isRecord(scenario.thresholds) ? Object.entries(scenario.thresholds) : [];
  return thresholdEntries.flatMap(([metric, raw]): ThresholdPlan[] => {
    // The metric's name is checked even when its condition is broken: they are two problems.
    if (!isKnownMetric(metric)) {
      problem(
        `thresholds.${metric}`,
        `unknown metric; valid metrics: ${THRESHOLD_METRICS.join(', ')}, or a key under ` +
          `${THRESHOLD_METRIC_PREFIXES.join(', ')}`,
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
}

/** The items of a list field that the schema accepted, with their indices; none when the list itself is broken. */
function listAt<T>(list: T[] | undefined, at: string, ok: (path: string) => boolean): { item: T; index: number }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index) => (ok(`${at}[${index}]`) && isRecord(item) ? [{ item, index }] : []));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
