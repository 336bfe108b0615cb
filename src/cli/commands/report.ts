import { loadSummary } from '../../report/load-summary.js';
import { renderSummary } from '../../report/terminal.js';
import { EXIT } from '../exit-codes.js';

export function reportCommand(args: { source: string }): number {
  try {
    process.stdout.write(`${renderSummary(loadSummary(args.source))}\n`);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.invalidInput;
  }
}
