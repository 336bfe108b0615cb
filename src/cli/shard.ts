export { scenarioHash } from '../util/scenario-hash.js';

/** A shard of a distributed run: `I/N`, shard I (0-based) of N. */
export interface ShardSpec {
  index: number;
  count: number;
}

export function parseShardSpec(text: string): ShardSpec | string {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return `--shard: expected I/N such as 0/4 (shard I, counted from 0, of N), got "${text}"`;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) return `--shard: N must be at least 1, got ${count}`;
  if (index >= count) return `--shard: I must be below N (shards are 0..${count - 1}), got ${index}`;
  return { index, count };
}

/** `--start-at`: epoch milliseconds or an ISO 8601 time. */
export function parseStartAt(text: string): number | string {
  const trimmed = text.trim();
  const epoch = /^\d{10,}$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isFinite(epoch))
    return (
      `--start-at: expected epoch milliseconds (1767225600000) or an ISO 8601 time ` +
      `(2026-01-01T00:00:00Z), got "${text}"`
    );
  return epoch;
}

/** The default shared start: 5 s from now, on a whole second, so shards started by hand a moment apart agree. */
export function defaultStartAt(nowMs = Date.now()): number {
  return Math.ceil((nowMs + 5000) / 1000) * 1000;
}
