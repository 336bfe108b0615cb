import type { Summary } from '../metrics/summary-types.js';

/** Exit codes of the contract: only the CLI decides them. */
export const EXIT = {
  ok: 0,
  thresholdFailed: 1,
  invalidInput: 2,
  infrastructure: 3,
  interrupted: 130,
} as const;

/** An error carrying the exit code it should end the program with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A finished run's exit code: interrupted, every threshold held, or one failed. */
export function exitCodeOf(summary: Pick<Summary, 'interrupted' | 'verdict'>): number {
  if (summary.interrupted) return EXIT.interrupted;
  if (summary.verdict === 'incomplete') return EXIT.infrastructure;
  return summary.verdict === 'pass' ? EXIT.ok : EXIT.thresholdFailed;
}
