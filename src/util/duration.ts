/** Parses durations of the scenario contract: "250ms", "30s", "2m", "1h", or a bare number of milliseconds. */
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export const DURATION_HINT = 'a duration such as "250ms", "30s", "2m", "1h" (a bare number means milliseconds)';

export function isDuration(value: unknown): boolean {
  return parseDurationMs(value) !== undefined;
}

export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]];
}
