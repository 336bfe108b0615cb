import fs from 'node:fs';
import path from 'node:path';
import { EXIT, CliError, exitCodeOf } from '../exit-codes.js';
import type { Summary } from '../../metrics/summary-types.js';
import { loadScenario } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { executeScenario, type ExecuteOptions } from '../execute-scenario.js';
import { defaultOutDir, outDirProblem } from '../out-dir.js';
import { defaultStartAt, parseShardSpec, parseStartAt } from '../shard.js';
import { resolveScenarioArgument } from '../../scenario/bundled.js';
import type { Plan } from '../../scenario/plan.js';
import { lintFile, renderFindings } from '../../stack/proxies/lint.js';
import { machineLimits } from '../../stack/limits.js';
import { renderSummary } from '../../report/terminal.js';
import { writeFailureJunit } from '../../report/junit.js';
import { execCommands, execRefusal } from '../exec-consent.js';
import { abortOnSignals, signalExitCode } from '../signals.js';
import { logLine } from '../human-log.js';
import { startLiveEndpoints, type LiveEndpoints } from '../live-endpoints.js';

export interface RunArgs {
  file: string;
  stack?: string;
  url?: string;
  out?: string;
  junit?: string;
  json?: boolean;
  quiet?: boolean;
  workers?: number;
  shard?: string;
  startAt?: string;
  allowExec?: boolean;
  force?: boolean;
  /** [HOST:]PORT of a Prometheus endpoint, and of the live page, for the length of the run. */
  metrics?: string;
  dashboard?: string;
}

const log = logLine;

type Shard = NonNullable<ExecuteOptions['shard']>;

/** What a run needs once its arguments and scenario are checked. */
interface Prepared {
  plan: Plan;
  shard: Shard | undefined;
  outDir: string;
}

export async function runCommand(args: RunArgs): Promise<number> {
  const prepared = prepareRun(args);
  if (typeof prepared === 'number') return prepared;
  const { plan, shard, outDir } = prepared;
  let live: LiveEndpoints;
  try {
    live = await startLiveEndpoints(args, plan, shard?.index, log);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    log(`error: ${error.message}`);
    return error.exitCode;
  }
  const controller = abortOnSignals(log);
  let summary: Summary;
  let written: string[] = [];
  try {
    summary = await executeScenario(plan, {
      live: (aggregate, summarySoFar) => live.live(aggregate, summarySoFar),
      outDir,
      log,
      signal: controller.signal,
      workers: args.workers,
      shard,
      junit: args.junit,
      written: (files) => (written = files),
      progress: process.stderr.isTTY && !args.quiet ? process.stderr : undefined,
    });
  } catch (error) {
    await live.close();
    if (!(error instanceof CliError)) throw error;
    log(`error: ${error.message}`);
    // Nothing was published (the target never started): the JUnit file still says why.
    if (args.junit && written.length === 0)
      writeFailureJunit(args.junit, `${plan.name} on ${args.url ?? args.stack ?? 'its target'}`, error.message);
    return error.exitCode;
  }
  live.ended(summary, outDir);
  printResults(args, summary, outDir, written);
  // The last figures stay up a moment for the last scrape and the live page, then the ports close.
  await live.close();
  return runExitCode(summary);
}

/** Checks the scenario, the exec consent, the shard flags and the output folder; an exit code when one fails. */
function prepareRun(args: RunArgs): Prepared | number {
  const loaded = loadScenario(args.file, { stack: args.stack, url: args.url });
  if (!loaded.ok) {
    for (const problem of loaded.problems) log(formatProblem(problem));
    return EXIT.invalidInput;
  }
  const plan = loaded.plan;
  const refusal = execRefusal(plan, args.file, args.allowExec === true);
  if (refusal) return refuse(refusal);
  for (const command of execCommands(plan)) log(`exec allowed: ${command}`);
  const shard = args.shard !== undefined || args.startAt !== undefined ? shardOptions(args, plan) : undefined;
  if (typeof shard === 'string') return refuse(shard);
  if (plan.target.kind === 'custom') printLintFindings(plan.target.configPath);
  // Resolved once: every path derived from it (proxy configs, logs, pid files) is then absolute.
  const outDir = path.resolve(
    args.out ?? defaultOutDir(shard ? `${plan.name}-shard-${shard.index}-of-${shard.count}` : plan.name),
  );
  const outProblem = outDirProblem(outDir, 'summary.json', args.force === true);
  if (outProblem) return refuse(outProblem);
  return { plan, shard, outDir };
}

function refuse(message: string): number {
  log(`error: ${message}`);
  return EXIT.invalidInput;
}

/** Your own proxy config: what lint finds in it comes first (the exit code stays the run's). */
function printLintFindings(configPath: string): void {
  const linted = lintFile(configPath, machineLimits().filesHard);
  if (!linted.ok) return;
  const findings = linted.findings.filter((finding) => finding.severity !== 'info');
  if (findings.length > 0) process.stderr.write(`${renderFindings(findings, process.stderr.isTTY === true)}\n`);
}

function printResults(args: RunArgs, summary: Summary, outDir: string, written: string[]): void {
  const human = args.json ? process.stderr : process.stdout;
  human.write(`${renderSummary(summary)}\n`);
  log(`summary written to ${outDir}/summary.json, report to ${outDir}/report.html`);
  if (written.includes('$GITHUB_STEP_SUMMARY')) log('summary appended to $GITHUB_STEP_SUMMARY');
  // A shard's summary goes out as one line, the last of the log, for `kubectl logs ... | stickler merge -`.
  if (args.json)
    process.stdout.write(summary.shard ? `${JSON.stringify(summary)}\n` : `${JSON.stringify(summary, null, 2)}\n`);
}

function runExitCode(summary: Summary): number {
  // A signal stops the run (interrupted), or came while it ended (the reports were finished first): its code.
  const signalled = signalExitCode();
  if (signalled !== null) return signalled;
  if (summary.interrupted) return exitCodeOf(summary);
  // A shard is a part: `stickler merge` judges the thresholds on the whole run (and a pod that
  // exits 1 would fail its Job before its log is read).
  if (summary.shard) {
    if (summary.verdict === 'fail')
      log('note: thresholds failed on this shard alone; stickler merge judges them on the whole run');
    return EXIT.ok;
  }
  return exitCodeOf(summary);
}

/** --shard I/N and --start-at T, checked against the plan: a shard runs against a target stickler does not run. */
function shardOptions(args: RunArgs, plan: Plan): Shard | string {
  const spec = parseShardSpec(args.shard ?? '0/1');
  if (typeof spec === 'string') return spec;
  const startAt = args.startAt !== undefined ? parseStartAt(args.startAt) : defaultStartAt();
  if (typeof startAt === 'string') return startAt;
  if (plan.target.kind !== 'url') {
    return (
      '--shard: a sharded run needs a target that every shard reaches, not one each ' +
      'shard would start: give --url (or target.url)'
    );
  }
  const file = resolveScenarioArgument(args.file);
  return {
    ...spec,
    startAtEpochMs: startAt,
    scenarioText: fs.readFileSync(file, 'utf8'),
    scenarioFile: file,
    override: { ...(args.url ? { url: args.url } : {}), ...(args.stack ? { stack: args.stack } : {}) },
  };
}
