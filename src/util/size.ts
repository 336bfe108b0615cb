/** Byte sizes in scenario files: a number of bytes, or `64KiB`, `1MiB`, `2MB`, `512kb`. */
const UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1_000_000, mib: 1_048_576 };
const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib)?\s*$/i;

export const SIZE_HINT = 'a number of bytes, or a size such as 64KiB, 1MiB or 2MB';

export function parseSizeBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = SIZE_PATTERN.exec(value);
  if (!match) return undefined;
  const bytes = Math.round(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]);
  return bytes > 0 ? bytes : undefined;
}
