import { emptyCounters } from './counters.js';
import { EventWindows } from './event-windows.js';
import type { EventPlan, Plan } from '../scenario/plan.js';
import type { ActionOutcome } from '../stack/stack.js';
import { RunAggregate, type ShardRun } from './aggregate.js';
import { buildSummary } from './summary.js';
import type { ShardSection, Summary, TimeseriesRow } from './summary-types.js';

export type ShardSummary = Summary & { shard: ShardSection };

/** Why a set of shard summaries is not one run (missing, doubled or foreign shards), or null when it is. */
export function shardSetProblems(shards: readonly { source: string; summary: ShardSummary }[]): string[] {
  if (shards.length === 0)
    return ['no shard summary found (a shard summary is a summary.json written by `stickler run --shard I/N`)'];
  const problems: string[] = [];
  const first = shards[0].summary.shard;
  for (const { source, summary } of shards.slice(1)) {
    const shard = summary.shard;
    if (shard.scenario_hash !== first.scenario_hash)
      problems.push(`${source}: another scenario or target than ${shards[0].source} (scenario hash differs)`);
    if (shard.count !== first.count)
      problems.push(`${source}: shard of ${shard.count}, but ${shards[0].source} is a shard of ${first.count}`);
    if (shard.start_at_ms !== first.start_at_ms) {
      problems.push(
        `${source}: run clock started at ${new Date(shard.start_at_ms).toISOString()}, ` +
          `${shards[0].source} at ${new Date(first.start_at_ms).toISOString()} (give every ` +
          `shard the same --start-at)`,
      );
    }
  }
  const byIndex = new Map<number, string[]>();
  for (const { source, summary } of shards)
    byIndex.set(summary.shard.index, [...(byIndex.get(summary.shard.index) ?? []), source]);
  for (const [index, sources] of byIndex)
    if (sources.length > 1)
      problems.push(`shard ${index} of ${first.count} appears ${sources.length} times: ${sources.join(', ')}`);
  const missing = Array.from({ length: first.count }, (_, index) => index).filter((index) => !byIndex.has(index));
  if (missing.length > 0) problems.push(`missing shard(s) ${missing.join(', ')} of ${first.count}`);
  return problems;
}

/**
 * Merges the shards of one run into one summary. The run totals go through the very merge that
 * adds up local workers (RunAggregate.add: counters add, histograms add, peaks add); time-series
 * rows add second by second; event tallies add; thresholds are judged on the merged run.
 */
export function mergeShardSummaries(plan: Plan, shards: readonly ShardSummary[]): Summary {
  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const aggregate = new RunAggregate();
  for (const summary of ordered) {
    aggregate.addShard(summary.shard.index, shardRun(summary));
    for (const [name, slice] of Object.entries(summary.shard.groups_raw ?? {})) aggregate.addGroup(name, slice);
  }
  aggregate.rows.push(...mergeRows(ordered.map((summary) => summary.timeseries)));

  const windows = new EventWindows(plan.events);
  const outcomes = new Map<number, ActionOutcome>();
  for (const summary of ordered) {
    windows.addRaw(summary.shard.events_raw);
    // Shard 0 carried the timeline out: its outcome is the one to tell (first seen wins, shard 0 first).
    for (const raw of summary.shard.events_raw)
      if (!outcomes.has(raw.index)) outcomes.set(raw.index, { ok: raw.ok, detail: raw.detail });
  }
  const happened: { event: EventPlan; outcome: ActionOutcome }[] = [...outcomes]
    .sort(([a], [b]) => a - b)
    .map(([index, outcome]) => ({ event: plan.events[index], outcome }));

  const first = ordered[0];
  const lostWorkers = ordered.filter((summary) => summary.shard.worker_lost);
  const sources = [...new Set(ordered.flatMap((summary) => summary.stickiness.serving_state_from ?? []))] as never[];
  return buildSummary({
    plan,
    aggregate,
    stack: first.stack,
    targetUrl: first.target_url,
    startedAt: new Date(first.shard.start_at_ms),
    durationS: Math.max(...ordered.map((summary) => summary.duration_s)),
    interrupted: ordered.some((summary) => summary.interrupted),
    workers: ordered.reduce((sum, summary) => sum + summary.workers, 0),
    clients: ordered.reduce((sum, summary) => sum + summary.connections.clients, 0),
    knownBackends: [],
    events: windows.summarise(happened),
    warnings: ordered.flatMap((summary) =>
      summary.shard.engine_warnings.map((warning) => `shard ${summary.shard.index}: ${warning}`),
    ),
    servingChanges: ordered
      .flatMap((summary) => summary.serving_changes as never[])
      .sort((a: { t: number }, b: { t: number }) => a.t - b.t),
    servingSources: sources,
    // A shard that lost a worker leaves a hole in the merged run; one that opened nothing does not
    // (the merged run opened something, or is judged incomplete on its own).
    ...(lostWorkers.length > 0
      ? {
          incomplete: lostWorkers
            .map((summary) => `shard ${summary.shard.index}: ${summary.shard.worker_lost}`)
            .join('; '),
        }
      : {}),
  });
}

/** A shard's raw figures, as its summary carries them. */
function shardRun(summary: ShardSummary): ShardRun {
  return {
    counters: { ...emptyCounters(), ...summary.shard.counters },
    histograms: summary.histograms,
    peakOpen: summary.connections.peak_open,
    peakOpenByBackend: Object.fromEntries(
      summary.distribution.backends.map((backend) => [backend.id, backend.peak_open]),
    ),
  };
}

/**
 * Rows of one second add up across shards. Per-second percentiles cannot be added: the merged p50
 * is the mean of the shards' weighted by their echoes, the merged p99 the highest shard's (an upper
 * bound). The run's own percentiles come from the merged histograms and are exact.
 */
export function mergeRows(series: readonly TimeseriesRow[][]): TimeseriesRow[] {
  const byT = new Map<number, TimeseriesRow[]>();
  for (const rows of series) for (const row of rows) byT.set(row.t, [...(byT.get(row.t) ?? []), row]);
  return [...byT.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, rows]) => {
      const received = rows.reduce((sum, row) => sum + row.received, 0);
      const withP50 = rows.filter((row) => row.p50 !== null && row.received > 0);
      const weight = withP50.reduce((sum, row) => sum + row.received, 0);
      const p99s = rows.flatMap((row) => (row.p99 === null ? [] : [row.p99]));
      const perBackend: Record<string, number> = {};
      for (const row of rows)
        for (const [backend, open] of Object.entries(row.per_backend))
          perBackend[backend] = (perBackend[backend] ?? 0) + open;
      const events = [...new Set(rows.flatMap((row) => row.events ?? []))];
      return {
        t,
        open: rows.reduce((sum, row) => sum + row.open, 0),
        sent: rows.reduce((sum, row) => sum + row.sent, 0),
        received,
        p50:
          weight > 0
            ? Math.round((withP50.reduce((sum, row) => sum + row.p50! * row.received, 0) / weight) * 1000) / 1000
            : null,
        p99: p99s.length > 0 ? Math.max(...p99s) : null,
        violations: rows.reduce((sum, row) => sum + row.violations, 0),
        errors: rows.reduce((sum, row) => sum + row.errors, 0),
        per_backend: perBackend,
        ...(rows.some((row) => row.target !== undefined)
          ? { target: rows.reduce((sum, row) => sum + (row.target ?? 0), 0) }
          : {}),
        ...(events.length > 0 ? { events } : {}),
      };
    });
}
