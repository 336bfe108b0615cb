import type { ServingChange, ServingSource } from '../stack/stack.js';
import type { Plan } from '../scenario/plan.js';
import type { RunAggregate } from './aggregate.js';
import type { GroupSlice } from './counters.js';
import { coverBackends } from './backend-coverage.js';
import { summariseDistribution } from './distribution.js';
import { encodeHistogram, summariseLatency } from './histograms.js';
import type { EventTallyRaw } from './event-windows.js';
import type { EventSummary, ShardSection, Summary } from './summary-types.js';
import { diagnose } from './diagnosis/findings.js';
import { summaryWarnings } from './summary-warnings.js';
import { protocolFigures, protocolLatency } from './protocol-figures.js';
import { summariseContinuity } from './continuity.js';
import { suggestIdentify } from './diagnosis/identify-hint.js';
import { summariseRecovery } from './recovery.js';
import { evaluateThresholds } from './thresholds.js';
import { groupsSection, loadSection } from './load-figures.js';
import { credentialChecks, liveFaultChecks, neverPassed, stepChecks } from './implicit-checks.js';
import { redactDeep, secretsOf } from './redact.js';
import { messageSections } from './message-figures.js';
import { scenarioHash } from '../util/scenario-hash.js';

export interface SummaryInput {
  plan: Plan;
  aggregate: RunAggregate;
  stack: string;
  targetUrl: string;
  startedAt: Date;
  durationS: number;
  interrupted: boolean;
  workers: number;
  /** Clients this run drove (a shard drives part of the plan's). */
  clients?: number;
  knownBackends: readonly string[];
  events: EventSummary[];
  proxy?: unknown;
  warnings: string[];
  servingChanges?: ServingChange[];
  /** What decided whether a backend was serving (and so failover against violation). */
  servingSources?: ServingSource[];
  /** What each managed backend counted itself. */
  backendCounts?: Record<string, unknown>;
  /** A shard of a distributed run: what its summary carries for `stickler merge`. */
  shard?: ShardInput;
  /** The run cannot be judged (a worker was lost): why. */
  incomplete?: string;
  /** Its column's name in a comparison. */
  label?: string;
}

/** A shard's identity and the raw parts its summary carries besides the totals (see ShardSection). */
export type ShardInput = Omit<
  ShardSection,
  'format' | 'counters' | 'events_raw' | 'engine_warnings' | 'worker_lost'
> & {
  eventsRaw: EventTallyRaw[];
  engineWarnings: string[];
};

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/** Builds summary.json from the merged run, then judges it against the scenario's thresholds. */
export function buildSummary(input: SummaryInput): Summary {
  const { aggregate, plan } = input;
  const totals = aggregate.totals;
  const coverage = coverBackends(plan.target, input.knownBackends, totals.openedByBackend);
  const distribution = summariseDistribution(totals.openedByBackend, aggregate.peakOpenByBackend, coverage.ids);
  const warnings = summaryWarnings(input, coverage.warnings, distribution.backends);
  const base = measured(input, coverage.ids, distribution, warnings);
  const { thresholds, verdict, incomplete } = judge(input, base);
  if (incomplete && !warnings.includes(incomplete)) warnings.unshift(incomplete);
  // The verdict and thresholds come first in summary.json: what a person or a CI log reads first.
  const { scenario, stack, target_url, started_at, duration_s, ...rest } = base;
  const findings = diagnose({ ...base, thresholds }, plan);
  const summary: Summary = {
    scenario,
    stack,
    target_url,
    started_at,
    duration_s,
    verdict,
    ...(incomplete ? { incomplete_reason: incomplete } : {}),
    thresholds,
    findings,
    ...rest,
  };
  if (input.shard) summary.shard = shardSection(input.shard, input.aggregate, input.incomplete);
  if (input.backendCounts && Object.keys(input.backendCounts).length > 0) summary.backend_counts = input.backendCounts;
  return redacted(summary, plan);
}

/** Secrets (data values, literal header values) out of every text of the summary; a shard's hash follows its text. */
function redacted(summary: Summary, plan: Plan): Summary {
  const secrets = secretsOf(plan);
  if (!secrets) return summary;
  const clean = redactDeep(summary, secrets);
  if (clean.shard && clean.shard.scenario !== summary.shard?.scenario)
    clean.shard.scenario_hash = scenarioHash(clean.shard.scenario, clean.shard.override);
  return clean;
}

type Totals = RunAggregate['totals'];
type Measured = Omit<Summary, 'thresholds' | 'verdict' | 'findings'>;

/** What the run measured, section by section, in summary.json's order. */
function measured(
  input: SummaryInput,
  backendIds: readonly string[],
  distribution: Summary['distribution'],
  warnings: string[],
): Measured {
  const { aggregate, plan } = input;
  const totals = aggregate.totals;
  return {
    scenario: plan.name,
    stack: input.stack,
    ...(input.label && input.label !== input.stack ? { label: input.label } : {}),
    target_url: input.targetUrl,
    started_at: input.startedAt.toISOString(),
    duration_s: Math.round(input.durationS * 1000) / 1000,
    interrupted: input.interrupted,
    seed: plan.seed,
    workers: input.workers,
    connections: {
      clients: input.clients ?? plan.clients.count,
      attempted: totals.attempted,
      opened: totals.opened,
      failed: totals.failed,
      peak_open: aggregate.peakOpen,
      failed_by_reason: totals.failedByReason,
      ...(plan.compression
        ? { compression: { offered: totals.compressionOffered ?? 0, accepted: totals.compressionAccepted ?? 0 } }
        : {}),
    },
    load: loadSection(plan, totals, aggregate.rows),
    ...optional('groups', groupsSection(plan, aggregate)),
    handshake: {
      error_rate: totals.attempted > 0 ? round6(totals.failed / totals.attempted) : 0,
      errors_by_status: totals.errorsByStatus,
    },
    latency: {
      message: summariseLatency(aggregate.message),
      handshake: summariseLatency(aggregate.handshake),
      reconnect: summariseLatency(aggregate.reconnect),
      ...protocolLatency(plan, aggregate),
    },
    ...messageSections(totals),
    ...protocolFigures(plan, aggregate),
    ...optional('continuity', summariseContinuity(plan, totals)),
    stickiness: stickinessSection(input, totals),
    ...(totals.unidentified > 0 ? { identification: identification(totals, backendIds) } : {}),
    distribution,
    disconnects: disconnectsSection(totals),
    events: input.events,
    serving_changes: input.servingChanges ?? [],
    recovery: summariseRecovery(input.servingChanges ?? [], totals, aggregate.recovery, input.durationS),
    timeseries: aggregate.rows,
    histograms: histogramsSection(aggregate),
    ...(input.proxy !== undefined ? { proxy: input.proxy } : {}),
    ...(totals.receiversKept > 0 ? { engine: { receivers_kept: totals.receiversKept } } : {}),
    warnings,
  };
}

function stickinessSection(input: SummaryInput, totals: Totals): Summary['stickiness'] {
  const judged = totals.sticky + totals.violations;
  return {
    reconnects: totals.reconnects,
    sticky: totals.sticky,
    violations: totals.violations,
    failovers: totals.failovers,
    violation_rate: judged > 0 ? round6(totals.violations / judged) : 0,
    violations_by_cause: totals.violationsByCause,
    clients_displaced: totals.clientsDisplaced,
    address_changes: totals.addressChanges ?? 0,
    ...(input.plan.app.socketio
      ? {
          session_breaks: totals.sessionBreaks,
          session_break_rate: totals.sessionsOpened > 0 ? round6(totals.sessionBreaks / totals.sessionsOpened) : 0,
        }
      : {}),
    unidentified: totals.unidentified,
    serving_state_from: input.servingSources ?? [],
  };
}

function disconnectsSection(totals: Totals): Summary['disconnects'] {
  return {
    client: totals.clientDisconnects,
    unexpected: totals.unexpectedDisconnects,
    by_close_code: totals.closeCodes,
    by_reason: totals.closeReasons,
    idle_timeouts: totals.idleTimeouts,
    ...(totals.idleTimeouts > 0
      ? { idle_cut_after_s: Math.round(totals.idleCutSilentMs / totals.idleTimeouts / 100) / 10 }
      : {}),
    ...(Object.keys(totals.moduleErrors ?? {}).length > 0 ? { module_errors: totals.moduleErrors } : {}),
  };
}

function histogramsSection(aggregate: RunAggregate): Summary['histograms'] {
  return {
    message: encodeHistogram(aggregate.message),
    handshake: encodeHistogram(aggregate.handshake),
    reconnect: encodeHistogram(aggregate.reconnect),
    recovery: encodeHistogram(aggregate.recovery),
    ...(aggregate.steps.size > 0
      ? {
          steps: Object.fromEntries(
            [...aggregate.steps].map(([name, histogram]) => [name, encodeHistogram(histogram)]),
          ),
        }
      : {}),
    ...(aggregate.push.totalCount > 0 ? { push: encodeHistogram(aggregate.push) } : {}),
    ...(aggregate.pushGap.totalCount > 0 ? { push_gap: encodeHistogram(aggregate.pushGap) } : {}),
  };
}

/**
 * The thresholds judged and the verdict. With no connection identified, where connections landed and
 * whether they stuck is unknown: a threshold on it fails rather than pass on zeros.
 */
function judge(input: SummaryInput, base: Measured) {
  const totals = input.aggregate.totals;
  const blind = totals.opened > 0 && totals.unidentified >= totals.opened;
  const thresholds = evaluateThresholds(base, input.plan.thresholds).map((result) =>
    blind && /^(stickiness|distribution)\./.test(result.metric) && result.metric !== 'stickiness.unidentified'
      ? { ...result, actual: null, passed: false, why: 'no connection could be identified' }
      : result,
  );
  thresholds.push(...credentialChecks(input.plan, totals), ...liveFaultChecks(input.plan, totals));
  for (const result of thresholds) {
    const never = neverPassed(result.metric, totals);
    if (never) Object.assign(result, { passed: false, why: never });
  }
  thresholds.push(...stepChecks(input.plan, totals));
  const incomplete = input.incomplete ?? (totals.opened === 0 ? nothingOpened(totals) : undefined);
  const verdict: Summary['verdict'] = incomplete
    ? 'incomplete'
    : thresholds.every((result) => result.passed)
      ? 'pass'
      : 'fail';
  return { thresholds, verdict, incomplete };
}

/** The shard section's own version: `merge` reads only shards written in this format. */
export const SHARD_FORMAT = 1;

function shardSection(shard: ShardInput, aggregate: RunAggregate, workerLost: string | undefined): Summary['shard'] {
  const { eventsRaw, engineWarnings, ...identity } = shard;
  const groups = [...aggregate.groups].map(([name, { counters, message }]) => [
    name,
    { counters, message: encodeHistogram(message) },
  ]);
  return {
    format: SHARD_FORMAT,
    ...identity,
    counters: aggregate.totals,
    events_raw: eventsRaw,
    engine_warnings: engineWarnings,
    ...(groups.length > 0 ? { groups_raw: Object.fromEntries(groups) as Record<string, GroupSlice> } : {}),
    ...(workerLost ? { worker_lost: workerLost } : {}),
  };
}

/** What the servers of a few unidentified connections sent, and the identify line that would match. */
function identification(
  totals: RunAggregate['totals'],
  expected: readonly string[],
): NonNullable<Summary['identification']> {
  const headers = Object.keys(totals.unidentifiedHeaders).slice(0, 12);
  const firstMessages = Object.keys(totals.unidentifiedMessages).slice(0, 3);
  return { headers, first_messages: firstMessages, suggestion: suggestIdentify(headers, firstMessages, expected) };
}

/** Why a run in which no connection opened is not judged, with what its attempts ended in. */
function nothingOpened(totals: RunAggregate['totals']): string {
  const reasons = Object.entries(totals.failedByReason)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${reason} ${count}`);
  return totals.attempted === 0
    ? 'no connection was attempted: nothing was measured'
    : `no connection opened (${totals.attempted} attempted` +
        `${reasons.length > 0 ? `; failed: ${reasons.join(', ')}` : ''}): nothing was measured`;
}

/** `{ key: value }` when there is a value, else nothing: an optional part of the summary. */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
