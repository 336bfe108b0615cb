import Table from 'cli-table3';
import { diffSummaries } from '../../report/diff.js';
import { loadSummary } from '../../report/load-summary.js';
import { parseShare } from '../../util/share.js';
import type { Summary } from '../../metrics/summary-types.js';
import { EXIT } from '../exit-codes.js';

/** Why two summaries are not runs of one thing (another scenario, target kind, length or seed), for a warning. */
function mismatches(base: Summary, candidate: Summary): string[] {
  const differs: string[] = [];
  if (base.scenario !== candidate.scenario) differs.push(`scenario ${base.scenario} vs ${candidate.scenario}`);
  if (base.stack !== candidate.stack) differs.push(`stack ${base.stack} vs ${candidate.stack}`);
  if (base.duration_s !== candidate.duration_s)
    differs.push(`duration ${base.duration_s} s vs ${candidate.duration_s} s`);
  if (base.connections.clients !== candidate.connections.clients)
    differs.push(`clients ${base.connections.clients} vs ${candidate.connections.clients}`);
  if (base.seed !== candidate.seed) differs.push(`seed ${base.seed} vs ${candidate.seed}`);
  return differs;
}

export function diffCommand(args: { base: string; candidate: string; tolerance: string; strict?: boolean }): number {
  const tolerance = parseShare(args.tolerance);
  if (tolerance === undefined) {
    process.stderr.write(`error: --tolerance: expected a share such as 10% or 0.1, got "${args.tolerance}"\n`);
    return EXIT.invalidInput;
  }
  let rows;
  try {
    const [base, candidate] = [loadSummary(args.base), loadSummary(args.candidate)];
    const differs = mismatches(base, candidate);
    if (differs.length > 0) {
      process.stderr.write(
        `${args.strict ? 'error' : 'warning'}: the two runs are not of the same ` +
          `scenario and target (${differs.join('; ')}): the comparison may mean little\n`,
      );
      if (args.strict) return EXIT.invalidInput;
    }
    rows = diffSummaries(base, candidate, tolerance);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.invalidInput;
  }
  const table = new Table({
    head: ['metric', 'base', 'candidate', 'change', 'result'],
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    const change = row.change === null ? 'new' : `${row.change >= 0 ? '+' : ''}${(row.change * 100).toFixed(1)}%`;
    table.push([row.metric, row.base, row.candidate, change, row.regression ? 'REGRESSION' : 'ok']);
  }
  process.stdout.write(`${table.toString()}\n`);
  const regressions = rows.filter((row) => row.regression).length;
  process.stdout.write(
    regressions > 0
      ? `${regressions} regression(s) beyond ${args.tolerance}\n`
      : `no regression beyond ${args.tolerance}\n`,
  );
  return regressions > 0 ? EXIT.thresholdFailed : EXIT.ok;
}
