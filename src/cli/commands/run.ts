import path from 'node:path';
import { EXIT, CliError } from '../exit-codes.js';
import type { Summary } from '../../metrics/summary-types.js';
import { loadScenario } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { executeScenario, defaultOutDir } from '../execute-scenario.js';
import { renderSummary } from '../../report/terminal.js';
import { abortOnSignals } from '../signals.js';
import { writeJunit } from '../../report/junit.js';
import { appendToGithubStepSummary, renderMarkdown } from '../../report/markdown.js';

export interface RunArgs {
  file: string;
  stack?: string;
  url?: string;
  out?: string;
  junit?: string;
  json?: boolean;
  quiet?: boolean;
  workers?: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function runCommand(args: RunArgs): Promise<number> {
  const human = args.json ? process.stderr : process.stdout;
  const loaded = loadScenario(args.file, { stack: args.stack, url: args.url });
  if (!loaded.ok) {
    for (const problem of loaded.problems) log(formatProblem(problem));
    return EXIT.invalidInput;
  }
  const plan = loaded.plan;
  // Resolved once: every path derived from it (proxy configs, logs, pid files) is then absolute.
  const outDir = path.resolve(args.out ?? defaultOutDir(plan.name));
  const controller = abortOnSignals(log);
  let summary: Summary;
  try {
    summary = await executeScenario(plan, {
      outDir,
      log,
      signal: controller.signal,
      workers: args.workers,
      progress: process.stderr.isTTY && !args.quiet ? process.stderr : undefined,
    });
  } catch (error) {
    if (error instanceof CliError) {
      log(`error: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
  human.write(`${renderSummary(summary)}\n`);
  log(`summary written to ${outDir}/summary.json, report to ${outDir}/report.html`);
  if (appendToGithubStepSummary(renderMarkdown(summary))) log('summary appended to $GITHUB_STEP_SUMMARY');
  if (args.junit) writeJunit(args.junit, [summary]);
  if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.interrupted) return EXIT.interrupted;
  return summary.verdict === 'pass' ? EXIT.ok : EXIT.thresholdFailed;
}
