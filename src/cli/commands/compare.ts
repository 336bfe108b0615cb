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

/** The same scenario and seed on each stack in turn, then one side-by-side table and compare.json. */
export async function compareCommand(args: CompareArgs): Promise<number> {
  const targets = compareTargets(args.stack ?? [], args.url ?? []);
  if (typeof targets === 'string') {
    log(`error: ${targets}`);
    return EXIT.invalidInput;
  }
  const plans = targets.map((target) => loadScenario(args.file, target.override));
  const invalid = plans.flatMap((loaded) => (loaded.ok ? [] : loaded.problems));
  if (invalid.length > 0) {
    for (const problem of new Set(invalid.map(formatProblem))) log(problem);
    return EXIT.invalidInput;
  }
  const first = plans[0] as Extract<(typeof plans)[number], { ok: true }>;
  const refusal = execRefusal(first.plan, args.file, args.allowExec === true);
  if (refusal) {
    log(`error: ${refusal}`);
    return EXIT.invalidInput;
  }
  for (const command of execCommands(first.plan)) log(`exec allowed: ${command}`);
  const outDir = path.resolve(args.out ?? defaultOutDir(`${first.plan.name}-compare`));
  const outProblem = outDirProblem(outDir, 'compare.json', args.force === true);
  if (outProblem) {
    log(`error: ${outProblem}`);
    return EXIT.invalidInput;
  }
  const sources: { aggregate: RunAggregate | null; labels: Record<string, string> }[] = [];
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
  const results: { stack: string; summary?: Summary; error?: string; exitCode: number }[] = [];
  for (const [index, { label: stack }] of targets.entries()) {
    if (controller.signal.aborted) break;
    const loaded = plans[index] as Extract<(typeof plans)[number], { ok: true }>;
    const source = { aggregate: null as RunAggregate | null, labels: { scenario: loaded.plan.name, stack } };
    sources.push(source);
    try {
      const summary = await executeScenario(loaded.plan, {
        live: (aggregate) => (source.aggregate = aggregate),
        label: stack,
        outDir: path.join(outDir, folderFor(stack)),
        log,
        signal: controller.signal,
        progress: process.stderr.isTTY && !args.quiet ? process.stderr : undefined,
      });
      log(renderSummary(summary));
      results.push({ stack, summary, exitCode: exitCodeOf(summary) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      log(`error on ${stack}: ${error.message}`);
      results.push({ stack, error: error.message, exitCode: error.exitCode });
    }
  }
  await lingerThenClose(metrics ? [metrics] : []);
  const table = renderCompareTable(results);
  (args.json ? process.stderr : process.stdout).write(`${table}\n`);
  const compare = {
    scenario: first.plan.name,
    seed: first.plan.seed,
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
  // The worst outcome decides: interrupted, then infrastructure, invalid input, a failed threshold.
  const codes = results.map((result) => result.exitCode);
  for (const code of [EXIT.interrupted, EXIT.infrastructure, EXIT.invalidInput, EXIT.thresholdFailed])
    if (codes.includes(code)) return code;
  return controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
}

export function renderCompareTable(results: { stack: string; summary?: Summary; error?: string }[]): string {
  const table = new Table({ head: ['', ...results.map((result) => result.stack)], style: { head: [], border: [] } });
  for (const [label, value] of COMPARE_ROWS)
    table.push([label, ...results.map((result) => (result.summary ? value(result.summary) : `error`))]);
  return table.toString();
}
