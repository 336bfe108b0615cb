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
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}
