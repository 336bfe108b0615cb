import path from 'node:path';
import Table from 'cli-table3';
import type { Summary } from '../../metrics/summary-types.js';
import { loadScenario } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { publish } from '../../report/publish.js';
import { renderSummary } from '../../report/terminal.js';
import { COMPARE_ROWS } from '../../report/compare-rows.js';
import { CliError, EXIT, exitCodeOf } from '../exit-codes.js';
import { executeScenario } from '../execute-scenario.js';
import { lingerThenClose, startMetricsEndpoint, type HttpEndpoint } from '../metrics-endpoint.js';
import { renderPrometheusOf } from '../../metrics/prometheus.js';
import type { RunAggregate } from '../../metrics/aggregate.js';
import { defaultOutDir, outDirProblem } from '../out-dir.js';
import { compareTargets, folderFor } from '../compare-targets.js';
import { execCommands, execRefusal } from '../exec-consent.js';
import { abortOnSignals } from '../signals.js';
import { logLine } from '../human-log.js';

interface CompareArgs {
  file: string;
  stack?: string[];
  url?: string[];
  out?: string;
  junit?: string;
  json?: boolean;
  quiet?: boolean;
  allowExec?: boolean;
  force?: boolean;
  /** [HOST:]PORT: one Prometheus endpoint for the whole comparison, every series labelled by stack. */
  metrics?: string;
}

const log = logLine;

type Loaded = Extract<ReturnType<typeof loadScenario>, { ok: true }>;
type Result = { stack: string; summary?: Summary; error?: string; exitCode: number };
type Source = { aggregate: RunAggregate | null; labels: Record<string, string> };

/** The same scenario and seed on each stack in turn, then one side-by-side table and compare.json. */
export async function compareCommand(args: CompareArgs): Promise<number> {
  const prepared = prepareCompare(args);
  if (typeof prepared === 'number') return prepared;
  const { targets, plans, outDir } = prepared;
  const sources: Source[] = [];
  let metrics: HttpEndpoint | null = null;
  if (args.metrics !== undefined) {
    try {
      const endpoint = await startMetricsEndpoint(args.metrics, () => renderPrometheusOf(sources));
      log(`metrics: ${endpoint.url} (Prometheus text, every series labelled by stack, while the comparison lasts)`);
      metrics = endpoint;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      log(`error: ${error.message}`);
      return error.exitCode;
    }
  }
  const controller = abortOnSignals(log);
  const results: Result[] = [];
  for (const [index, { label: stack }] of targets.entries()) {
    if (controller.signal.aborted) break;
    results.push(await runOne(args, plans[index], stack, path.join(outDir, folderFor(stack)), sources, controller));
  }
  await lingerThenClose(metrics ? [metrics] : []);
  publishComparison(args, plans[0].plan, results, outDir);
  // The worst outcome decides: interrupted, then infrastructure, invalid input, a failed threshold.
  const codes = results.map((result) => result.exitCode);
  for (const code of [EXIT.interrupted, EXIT.infrastructure, EXIT.invalidInput, EXIT.thresholdFailed])
    if (codes.includes(code)) return code;
  return controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
}

/** The targets, a checked plan for each, the exec consent and the output folder; an exit code when one fails. */
function prepareCompare(args: CompareArgs) {
  const targets = compareTargets(args.stack ?? [], args.url ?? []);
  if (typeof targets === 'string') return refuse(targets);
  const loaded = targets.map((target) => loadScenario(args.file, target.override));
  const invalid = loaded.flatMap((result) => (result.ok ? [] : result.problems));
  if (invalid.length > 0) {
    for (const problem of new Set(invalid.map(formatProblem))) log(problem);
    return EXIT.invalidInput;
  }
  const plans = loaded as Loaded[];
  const refusal = execRefusal(plans[0].plan, args.file, args.allowExec === true);
  if (refusal) return refuse(refusal);
  for (const command of execCommands(plans[0].plan)) log(`exec allowed: ${command}`);
  const outDir = path.resolve(args.out ?? defaultOutDir(`${plans[0].plan.name}-compare`));
  const outProblem = outDirProblem(outDir, 'compare.json', args.force === true);
  if (outProblem) return refuse(outProblem);
  return { targets, plans, outDir };
}

function refuse(message: string): number {
  log(`error: ${message}`);
  return EXIT.invalidInput;
}

/** One stack's run: its summary, or the error that stopped it. */
async function runOne(
  args: CompareArgs,
  loaded: Loaded,
  stack: string,
  outDir: string,
  sources: Source[],
  controller: AbortController,
): Promise<Result> {
  const source: Source = { aggregate: null, labels: { scenario: loaded.plan.name, stack } };
  sources.push(source);
  try {
    const summary = await executeScenario(loaded.plan, {
      live: (aggregate) => (source.aggregate = aggregate),
      label: stack,
      outDir,
      log,
      signal: controller.signal,
      progress: process.stderr.isTTY && !args.quiet ? process.stderr : undefined,
    });
    log(renderSummary(summary));
    return { stack, summary, exitCode: exitCodeOf(summary) };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    log(`error on ${stack}: ${error.message}`);
    return { stack, error: error.message, exitCode: error.exitCode };
  }
}

/** The side-by-side table, compare.json and compare.html. */
function publishComparison(args: CompareArgs, plan: Loaded['plan'], results: Result[], outDir: string): void {
  const table = renderCompareTable(results);
  (args.json ? process.stderr : process.stdout).write(`${table}\n`);
  const compare = {
    scenario: plan.name,
    seed: plan.seed,
    stacks: results.map((result) => ({
      stack: result.stack,
      folder: folderFor(result.stack),
      verdict: result.summary?.verdict ?? 'error',
      error: result.error,
      summary: result.summary,
    })),
  };
  const summaries = results.flatMap((result) => (result.summary ? [result.summary] : []));
  publish({ kind: 'compare', outDir, summaries, compare, junit: args.junit });
  log(`compare.json and compare.html written to ${outDir}`);
  if (args.json) process.stdout.write(`${JSON.stringify(compare, null, 2)}\n`);
}

export function renderCompareTable(results: { stack: string; summary?: Summary; error?: string }[]): string {
  const table = new Table({ head: ['', ...results.map((result) => result.stack)], style: { head: [], border: [] } });
  for (const [label, value] of COMPARE_ROWS)
    table.push([label, ...results.map((result) => (result.summary ? value(result.summary) : `error`))]);
  return table.toString();
}
