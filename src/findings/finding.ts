/**
 * What every finding says, wherever it was found: in a proxy config (lint), in a live balancer (probe's
 * advice) or in a run's figures (summary.json's findings). Fixes come from one catalogue (fixes.ts).
 */
export interface FindingBase {
  severity: 'error' | 'warning' | 'info';
  /** A stable name (nginx-ip-hash, affinity-by-subnet, idle-cut...). */
  rule: string;
  fix: string;
}

/** One thing `stickler lint` found in a proxy config: where, and why it matters. */
export interface Finding extends FindingBase {
  file: string;
  line: number;
  message: string;
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
