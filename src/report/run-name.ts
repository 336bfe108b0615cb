import type { Summary } from '../metrics/summary-types.js';

/** What every report calls a run: its label in a comparison, else its stack. */
export function runName(summary: Pick<Summary, 'label' | 'stack'>): string {
  return summary.label ?? summary.stack;
}
