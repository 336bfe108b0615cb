/** One thing `stickler lint` found in a proxy config, with why it matters and the fix. */
export interface Finding {
  file: string;
  line: number;
  severity: 'error' | 'warning' | 'info';
  rule: string;
  message: string;
  fix: string;
}

/** Seconds of an nginx or HAProxy time value (`60`, `60s`, `5m`, `1h`, `3600000ms`, `1d`); null when unreadable. */
export function timeSeconds(text: string, bareUnit: 's' | 'ms'): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] ?? bareUnit;
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit]!;
  return value * factor;
}

/** Five minutes: an idle cut-off shorter than this catches ordinary quiet clients (lint and probe alike). */
export const SHORT_TIMEOUT_S = 300;
