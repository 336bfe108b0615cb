import Table from 'cli-table3';
import { diffSummaries } from '../../report/diff.js';
import { loadSummary } from '../../report/load-summary.js';
import { parseShare } from '../../util/share.js';
import { EXIT } from '../exit-codes.js';

export function diffCommand(args: { base: string; candidate: string; tolerance: string }): number {
  const tolerance = parseShare(args.tolerance);
  if (tolerance === undefined) {
    process.stderr.write(`error: --tolerance: expected a share such as 10% or 0.1, got "${args.tolerance}"\n`);
    return EXIT.invalidInput;
  }
  let rows;
  try {
    rows = diffSummaries(loadSummary(args.base), loadSummary(args.candidate), tolerance);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.invalidInput;
  }
  const table = new Table({ head: ['metric', 'base', 'candidate', 'change', 'result'], style: { head: [], border: [] } });
  for (const row of rows) {
    const change = row.change === null ? 'new' : `${row.change >= 0 ? '+' : ''}${(row.change * 100).toFixed(1)}%`;
    table.push([row.metric, row.base, row.candidate, change, row.regression ? 'REGRESSION' : 'ok']);
  }
  process.stdout.write(`${table.toString()}\n`);
  const regressions = rows.filter((row) => row.regression).length;
  process.stdout.write(regressions > 0 ? `${regressions} regression(s) beyond ${args.tolerance}\n` : `no regression beyond ${args.tolerance}\n`);
  return regressions > 0 ? EXIT.thresholdFailed : EXIT.ok;
}
