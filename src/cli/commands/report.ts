import { loadSummary } from '../../report/load-summary.js';
import { renderSummary } from '../../report/terminal.js';
import { writeHtmlReport } from '../../report/html.js';
import { EXIT } from '../exit-codes.js';

export function reportCommand(args: { source: string; html?: string }): number {
  try {
    const summary = loadSummary(args.source);
    process.stdout.write(`${renderSummary(summary)}\n`);
    if (args.html) {
      writeHtmlReport(args.html, [summary]);
      process.stderr.write(`HTML report written to ${args.html}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.invalidInput;
  }
}
