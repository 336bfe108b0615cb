/** Parses shares of the scenario contract: "20%" or 0.2, always to a fraction 0..1. */
export const SHARE_HINT = 'a share such as "20%" or 0.2 (between 0 and 1)';

export function parseShare(value: unknown): number | undefined {
  let fraction: number | undefined;
  if (typeof value === 'number') fraction = value;
  else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (match) fraction = Number(match[1]) / 100;
    else if (/^\s*\d+(\.\d+)?\s*$/.test(value)) fraction = Number(value);
  }
  if (fraction === undefined || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) return undefined;
  return fraction;
}
