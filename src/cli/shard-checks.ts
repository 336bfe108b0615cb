import { decodeHistogram } from '../metrics/histograms.js';
import type { ShardSummary } from '../metrics/merge-shards.js';
import { SHARD_FORMAT } from '../metrics/summary.js';
import { scenarioHash } from './shard.js';

/**
 * Why a shard summary cannot be trusted (truncated, corrupted or edited by hand), each naming the field; empty when
 * it can. `merge` makes no figure from a shard with a problem.
 */
export function shardProblems(summary: ShardSummary, source: string): string[] {
  const shard = summary.shard;
  const problems: string[] = [];
  const problem = (field: string, why: string) => problems.push(`${source}: ${field}: ${why}`);
  if (shard.format !== SHARD_FORMAT)
    problem(
      'shard.format',
      `${shard.format === undefined ? 'missing' : JSON.stringify(shard.format)}: written by another version of ` +
        `stickler (this one merges format ${SHARD_FORMAT}); rerun the shards with this version`,
    );
  if (typeof shard.scenario !== 'string' || typeof shard.scenario_hash !== 'string')
    problem('shard.scenario', 'missing: the shard does not say which scenario it ran');
  else if (scenarioHash(shard.scenario, shard.override ?? {}) !== shard.scenario_hash)
    problem('shard.scenario_hash', "does not match the shard's own scenario text: the file was edited after the run");
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0)
    problem('shard.index', `${shard.index} of ${shard.count} is not a shard of a run`);
  problems.push(...counterProblems(shard.counters, source));
  for (const name of ['message', 'handshake', 'reconnect'] as const) {
    const encoded = summary.histograms?.[name];
    if (typeof encoded !== 'string') problem(`histograms.${name}`, 'missing: the latencies cannot be merged');
    else if (!decodes(encoded)) problem(`histograms.${name}`, 'not an encoded histogram (truncated or edited)');
  }
  if (!Array.isArray(summary.timeseries)) problem('timeseries', 'missing');
  return problems;
}

function counterProblems(counters: unknown, source: string): string[] {
  if (!counters || typeof counters !== 'object') return [`${source}: shard.counters: missing`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(counters)) {
    const values = typeof value === 'object' && value !== null ? Object.entries(value) : [['', value]];
    for (const [sub, count] of values) {
      if (typeof count === 'number' && Number.isFinite(count) && count >= 0) continue;
      problems.push(
        `${source}: shard.counters.${key}${sub ? `.${sub}` : ''}: ${JSON.stringify(count)} is not a count ` +
          '(a count is a number of at least 0)',
      );
    }
  }
  return problems;
}

function decodes(encoded: string): boolean {
  try {
    decodeHistogram(encoded);
    return true;
  } catch {
    return false;
  }
}
