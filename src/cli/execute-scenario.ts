import fs from 'node:fs';
import { runPlan } from '../engine/run/coordinator.js';
import { scenarioHash } from './shard.js';
import type { EventTallyRaw } from '../metrics/event-windows.js';
import { buildSummary, type ShardInput } from '../metrics/summary.js';
import type { Summary } from '../metrics/summary-types.js';
import type { Plan } from '../scenario/plan.js';
import { ProgressLine } from '../report/progress.js';
import { publish, ReportFolderError } from '../report/publish.js';
import { TemplateError } from '../stack/custom-config.js';
import { CapacityError } from '../stack/managed-stack.js';
import { ProxyError } from '../stack/proxy-process.js';
import { WaitAborted } from '../stack/readiness.js';
import { RunAggregate } from '../metrics/aggregate.js';
import { startTarget, UnreachableError } from '../stack/start-target.js';
import { firstClientRequest } from '../engine/client/first-request.js';
import type { RunningStack } from '../stack/stack.js';
import { CliError, EXIT } from './exit-codes.js';
import { ProtocolModuleError } from '../engine/protocols/module-registry.js';
import { loadPlanProtocols } from '../engine/protocols/index.js';

export interface ExecuteOptions {
  outDir: string;
  /** Live progress goes here (stderr, when it is a TTY and --quiet is absent). */
  progress?: NodeJS.WriteStream;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** The name this run goes by in a comparison (its column), when not its stack's. */
  label?: string;
  /** Also write the JUnit file here. */
  junit?: string;
  /** Told the files the run's publication wrote. */
  written?: (files: string[]) => void;
  /**
   * Told of the run's aggregate as its seconds close (the live metrics read it at each scrape), with a
   * summary of the run so far, built when asked (the live page asks once a second).
   */
  live?: (aggregate: RunAggregate, summarySoFar: () => Summary) => void;
  /** Load worker processes (0: in this process); default from the load and the machine. */
  workers?: number;
  /** One shard of a distributed run, and what its summary must carry for `stickler merge`. */
  shard?: {
    index: number;
    count: number;
    startAtEpochMs: number;
    scenarioText: string;
    scenarioFile: string;
    override: { url?: string; stack?: string };
  };
}

/** Starts the target, runs the plan, stops the target, writes summary.json: one run, start to end. */
export async function executeScenario(plan: Plan, options: ExecuteOptions): Promise<Summary> {
  await loadModulesOf(plan, options.log);
  fs.mkdirSync(options.outDir, { recursive: true });
  let stack: RunningStack;
  try {
    stack = await startTarget(plan, {
      logDir: options.outDir,
      signal: options.signal,
      clientHandshake: (url) => firstClientRequest(plan, url),
    });
  } catch (error) {
    if (error instanceof WaitAborted) publishInterruptedStart(plan, options, error);
    throw asCliError(error);
  }
  try {
    options.log(
      `running ${plan.name} on ${stack.label}: ${plan.clients.count} clients for ` +
        `${plan.durationMs / 1000}s against ${stack.urls.join(' ')}`,
    );
    const progress = options.progress ? new ProgressLine(options.progress, plan.durationMs / 1000) : null;
    const startedAt = new Date();
    const shard = options.shard;
    const { figures, workerFailed, incomplete, shardParts } = await runPlan(plan, stack, {
      signal: options.signal,
      workers: options.workers,
      ...(shard ? { shard: { index: shard.index, count: shard.count }, startAtEpochMs: shard.startAtEpochMs } : {}),
      onRow: (row, aggregate) => {
        progress?.row(row);
        options.live?.(aggregate, () =>
          buildSummary({
            plan,
            aggregate,
            stack: stack.label,
            targetUrl: stack.urls.join(' '),
            startedAt,
            durationS: row.t,
            interrupted: false,
            workers: 0,
            knownBackends: stack.backendIds,
            events: [],
            warnings: [],
          }),
        );
      },
      onEvent: (event, outcome) => {
        const text =
          `${event.atMs / 1000}s ${event.action}` + `${event.backend ? ` ${event.backend}` : ''}: ${outcome.detail}`;
        if (progress) progress.event(text);
        else options.log(`event ${text}`);
      },
    });
    progress?.done();
    const summary = buildSummary({
      ...figures,
      ...(options.label ? { label: options.label } : {}),
      backendCounts: await stack.backendStats().catch(() => ({})),
      ...(shard ? { shard: shardInput(shard, shardParts) } : {}),
      ...(incomplete ? { incomplete } : {}),
    });
    // Published before a worker's failure is reported: nothing measured is lost.
    publishRun(summary, options);
    if (workerFailed)
      throw new CliError(
        `the load generator failed (summary of what was measured written to ` +
          `${options.outDir}): ${summary.warnings.join('; ')}`,
        EXIT.infrastructure,
      );
    return summary;
  } finally {
    await stack.stop().catch(() => {});
  }
}

/**
 * Ctrl-C while the start-up check waited (a target that trickles its 101): the summary says so, with nothing
 * measured, and the JUnit file too, as after any interrupted run.
 */
function publishInterruptedStart(plan: Plan, options: ExecuteOptions, error: WaitAborted): void {
  const target =
    plan.target.kind === 'url' ? plan.target.url : plan.target.kind === 'preset' ? plan.target.preset : 'its stack';
  const why = `interrupted while the start-up check waited for ${target} (${error.message}): nothing was measured`;
  const summary = buildSummary({
    plan,
    aggregate: new RunAggregate(),
    stack: plan.target.kind === 'url' ? 'url' : target,
    targetUrl: plan.target.kind === 'url' ? plan.target.url : '',
    startedAt: new Date(),
    durationS: 0,
    interrupted: true,
    workers: 0,
    knownBackends: [],
    events: [],
    warnings: [why],
    incomplete: why,
  });
  publishRun(summary, options);
}

/** Every output of the run; a report folder that cannot be written sends them all to a fallback folder (exit 3). */
function publishRun(summary: Summary, options: ExecuteOptions): void {
  try {
    // Not inside `written?.(...)`: an optional call that is absent does not evaluate its argument.
    const written = publish({ kind: 'run', outDir: options.outDir, summary, junit: options.junit });
    options.written?.(written);
  } catch (error) {
    if (!(error instanceof ReportFolderError)) throw error;
    options.written?.(error.written);
    throw new CliError(error.message, EXIT.infrastructure);
  }
}

function shardInput(
  shard: NonNullable<ExecuteOptions['shard']>,
  parts: { eventsRaw: EventTallyRaw[]; engineWarnings: string[] },
): ShardInput {
  return {
    index: shard.index,
    count: shard.count,
    start_at_ms: shard.startAtEpochMs,
    scenario_hash: scenarioHash(shard.scenarioText, shard.override),
    scenario: shard.scenarioText,
    scenario_file: shard.scenarioFile,
    override: shard.override,
    ...parts,
  };
}

function asCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof WaitAborted)
    return new CliError('interrupted while the target was starting: nothing was measured', EXIT.interrupted);
  if (error instanceof TemplateError) return new CliError(error.message, EXIT.invalidInput);
  if (error instanceof ProxyError)
    return new CliError(error.message, error.kind === 'config' ? EXIT.invalidInput : EXIT.infrastructure);
  if (error instanceof CapacityError || error instanceof UnreachableError)
    return new CliError(error.message, EXIT.infrastructure);
  return new CliError(`the target could not be started: ${(error as Error)?.message ?? error}`, EXIT.infrastructure);
}

/** A protocol module is code: the run says which it loads, and one that cannot be used stops it (exit 2). */
async function loadModulesOf(plan: Plan, log: (line: string) => void): Promise<void> {
  try {
    for (const file of await loadPlanProtocols(plan))
      log(`protocol module: ${file} (its code runs in every load worker)`);
  } catch (error) {
    if (error instanceof ProtocolModuleError) throw new CliError(error.message, EXIT.invalidInput);
    throw error;
  }
}
