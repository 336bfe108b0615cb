import { EventEmitter } from 'node:events';
import os from 'node:os';
import { RunAggregate } from '../../metrics/aggregate.js';
import type { SummaryInput } from '../../metrics/summary.js';
import type { TimeseriesRow } from '../../metrics/summary-types.js';
import { actionInfo } from '../../scenario/actions.js';
import type { EventPlan, Plan } from '../../scenario/plan.js';
import type { ActionOutcome, RunningStack } from '../../stack/stack.js';
import { machineLimits, workerCount, workerHeapFlags, type LoadShape } from '../../stack/limits.js';
import { assignClients, clientPool } from './assignments.js';
import { EventWindows, type EventTallyRaw } from '../../metrics/event-windows.js';
import type { ClientAssignment, CoordinatorCommand, WorkerEvent, WorkerStart } from './messages.js';
import { DownInference, ServingState } from './serving-state.js';
import { forkWorker, inProcessWorker, type WorkerLink } from './worker-link.js';

export interface RunOptions {
  /** Called once a second with the newest time-series row (live progress). */
  onRow?: (row: TimeseriesRow, aggregate: RunAggregate) => void;
  /** Called when a timeline event has been carried out. */
  onEvent?: (event: EventPlan, outcome: ActionOutcome) => void;
  /** Aborting ends the run early; the summary is still built from what was measured. */
  signal?: AbortSignal;
  /** Load worker processes; 0 runs the clients in this process. Default: from the load and the machine. */
  workers?: number;
  snapshotIntervalMs?: number;
  /** Run only shard `index` of `count`: the clients whose index mod count is index (a distributed run). */
  shard?: { index: number; count: number };
  /** Epoch ms at which the run clock starts (shards share one); default: a moment from now. */
  startAtEpochMs?: number;
}

export interface RunResult {
  /** What the summary is built from (metrics/summary.ts), but for what the caller adds (shard identity, backends' own counts). */
  figures: Omit<SummaryInput, 'shard' | 'backendCounts'>;
  /** Per-event tallies with their outcomes and the engine's own warnings, for a shard summary merged later. */
  shardParts: { eventsRaw: EventTallyRaw[]; engineWarnings: string[] };
  /** A worker crashed: the summary holds what was measured, but the run is an infrastructure failure. */
  workerFailed: boolean;
  /** Why the run cannot be judged (a worker lost mid-run), or null. */
  incomplete: string | null;
}

/** Time the workers get to set up before the run clock starts. */
const START_DELAY_MS = 300;
/** Time the workers get to quiesce and send their final snapshot (sent before their sockets close). */
const STOP_TIMEOUT_MS = 8000;
/** Time the workers then get to close their sockets politely before they are killed. */
const CLOSE_TIMEOUT_MS = 3000;

/**
 * Runs a plan against a running target: forks the workers, hands each its clients, carries out the
 * timeline, merges snapshots into one aggregate, and builds the summary. It never touches a client socket.
 */
export async function runPlan(plan: Plan, stack: RunningStack, options: RunOptions = {}): Promise<RunResult> {
  const pool = clientPool(plan);
  const shard = options.shard ?? { index: 0, count: 1 };
  // Every client's address, phase and churn come from the seed and its index alone: any split gives the same clients.
  // Dropped once the workers have theirs (at 100,000 clients about 10 MB the coordinator never reads again).
  let assignments: ClientAssignment[] | null = assignClients(plan, pool).filter(
    (assignment) => assignment.index % shard.count === shard.index,
  );
  const clientCount = assignments.length;
  const load = loadOf(plan, clientCount);
  const processes = options.workers ?? workerCount(load, os.availableParallelism(), machineLimits().filesSoft);
  // 0 processes: one worker, inside this process.
  const workers = Math.max(1, processes);
  const v8Flags = workerHeapFlags(load, workers);
  const aggregate = new RunAggregate();
  const eventWindows = new EventWindows(plan.events);
  aggregate.onSecondClosed = (second, counters, reconnect) => eventWindows.addSecond(second, counters, reconnect);
  const startAtEpochMs = options.startAtEpochMs ?? Date.now() + START_DELAY_MS;
  const startedAt = new Date(startAtEpochMs);
  const snapshotIntervalMs = options.snapshotIntervalMs ?? 1000;
  const children: WorkerLink[] = [];
  const clientsOfWorker: number[] = [];
  const finals = new Set<number>();
  /** Run-clock ms of each worker's latest snapshot, to say what is missing when a final one never comes. */
  const lastSnapshotMs = new Map<number, number>();
  const exited = new Set<number>();
  const warnings: string[] = [];
  let fatal: string | null = null;
  // Worker messages and exits are the only things the waits below wait for.
  const workerNews = new EventEmitter();
  const wake = () => workerNews.emit('news');
  const until = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!condition()) return;
        workerNews.off('news', check);
        resolve();
      };
      workerNews.on('news', check);
      check();
    });

  const broadcast = (command: CoordinatorCommand) => {
    for (const child of children) child.send(command);
  };
  const runClockMs = () => Date.now() - startAtEpochMs;
  const serving = new ServingState(runClockMs, (backend, isServing) =>
    broadcast({ type: 'backend-state', backend, serving: isServing }),
  );
  // The stack combines its own sources (its actions, HAProxy's checks or stats): one holder.
  stack.onServingChange((backend, isServing, source) => serving.set(backend, isServing, source ?? 'stickler', 'stack'));
  // A target stickler does not run: only what the clients saw tells that a backend went down.
  const inference = plan.target.kind === 'url' ? new DownInference() : null;

  for (let workerIndex = 0; workerIndex < workers; workerIndex++) {
    const child = processes === 0 ? inProcessWorker() : forkWorker(v8Flags);
    child.onEvent((event: WorkerEvent) => {
      if (event.type === 'snapshot') {
        aggregate.add(event.workerIndex, event);
        lastSnapshotMs.set(event.workerIndex, event.tMs);
        inference?.noteOpen(event.workerIndex, event.openByBackend);
        if (event.final) finals.add(event.workerIndex);
      } else if (event.type === 'closes') {
        for (const backend of inference?.closes(runClockMs(), event.workerIndex, event.closes, event.openByBackend) ??
          [])
          serving.set(backend, false, 'clients');
      } else if (event.type === 'backend-seen') serving.set(event.backend, true, 'clients');
      else if (event.type === 'ready') aggregate.workerBaseRssBytes += event.rssBytes;
      else if (event.type === 'fatal') fatal = `worker ${workerIndex}: ${event.message}`;
      wake();
    });
    child.onExit((code, stderr) => {
      exited.add(workerIndex);
      if (code !== 0 && !finals.has(workerIndex))
        fatal ??= `worker ${workerIndex} exited${code === null ? '' : ` with code ${code}`}${stderr ? ` (${stderr})` : ''}`;
      wake();
    });
    children.push(child);
    const start: WorkerStart = {
      type: 'start',
      workerIndex,
      plan,
      urls: stack.urls,
      // Client i: shard i mod N, then worker (i div N) mod W inside the shard.
      clients: assignments.filter((assignment) => Math.floor(assignment.index / shard.count) % workers === workerIndex),
      connectConcurrency: Math.max(1, Math.ceil(plan.clients.connectConcurrency / workers)),
      startAtEpochMs,
      snapshotIntervalMs,
      infersServing: inference !== null,
      ...(stack.clientTls ? { tls: stack.clientTls } : {}),
    };
    clientsOfWorker.push(start.clients.length);
    child.send(start);
  }
  assignments = null;

  const eventOutcomes: { event: EventPlan; outcome: ActionOutcome }[] = [];
  const timers: NodeJS.Timeout[] = [];
  const pendingActions: Promise<void>[] = [];
  for (const [eventIndex, event] of plan.events.entries()) {
    timers.push(
      setTimeout(
        () => {
          aggregate.mark(`${event.action}${event.backend ? ` ${event.backend}` : ''}`);
          // What the clients do (drop_all) happens in every shard; what acts on the target happens once, in shard 0.
          const action =
            actionInfo(event.action).by === 'clients'
              ? Promise.resolve(broadcast({ type: 'drop-all' })).then(() => ({
                  ok: true,
                  detail: 'every client dropped its connection',
                }))
              : shard.index === 0
                ? stack.act(event)
                : Promise.resolve({ ok: true, detail: 'carried out by shard 0' });
          pendingActions.push(
            action
              .catch((error): ActionOutcome => ({ ok: false, detail: String(error?.message ?? error) }))
              .then((outcome) => {
                eventOutcomes.push({ event, outcome });
                eventWindows.actionEnded(eventIndex, runClockMs());
                options.onEvent?.(event, outcome);
              }),
          );
        },
        Math.max(0, startAtEpochMs + event.atMs - Date.now()),
      ),
    );
  }

  // One time-series row a second, on the run clock.
  let second = 0;
  const rowTimer = setInterval(() => {
    while (runClockMs() >= (second + 1) * 1000 && second < Math.ceil(plan.durationMs / 1000)) {
      second += 1;
      options.onRow?.(aggregate.closeRow(second), aggregate);
    }
  }, 100);

  const aborted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const failed = until(() => fatal !== null);
  const finished = new Promise<void>((resolve) =>
    timers.push(setTimeout(resolve, Math.max(0, startAtEpochMs + plan.durationMs - Date.now()))),
  );
  await Promise.race([finished, aborted, failed]);
  const interrupted = options.signal?.aborted ?? false;

  for (const timer of timers) clearTimeout(timer);
  broadcast({ type: 'stop' });
  const allFinal = until(() => children.every((_, index) => finals.has(index) || exited.has(index)));
  await Promise.race([allFinal, new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref())]);
  clearInterval(rowTimer);
  const allExited = until(() => children.every((_, index) => exited.has(index)));
  await Promise.race([allExited, new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
  for (const child of children) if (!child.exited) child.kill();
  await Promise.race([Promise.all(pendingActions), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  const elapsedMs = Math.min(runClockMs(), plan.durationMs);
  // The last (partial) second, so that totals and the time series agree.
  if (second < Math.ceil(elapsedMs / 1000)) options.onRow?.(aggregate.closeRow(++second), aggregate);
  // What the final snapshots brought after the last row closed (the end of the last second) belongs to it.
  else aggregate.foldIntoLastRow();
  if (fatal) warnings.push(`a worker failed: ${fatal}`);
  const workerFailed = fatal !== null;
  for (let index = 0; index < children.length; index++) {
    if (finals.has(index)) continue;
    const clients = clientsOfWorker[index];
    const since = lastSnapshotMs.has(index)
      ? `after t=${(lastSnapshotMs.get(index)! / 1000).toFixed(1)}s`
      : 'of the whole run';
    warnings.push(`worker ${index} (${clients} clients) sent no final snapshot: its figures ${since} are missing`);
  }

  eventOutcomes.sort((a, b) => a.event.atMs - b.event.atMs);
  const proxy = await stack.proxyView().catch(() => undefined);
  const figures: RunResult['figures'] = {
    plan,
    aggregate,
    stack: stack.label,
    targetUrl: stack.urls.length === 1 ? stack.urls[0] : stack.urls.join(' '),
    startedAt,
    durationS: Math.max(0, elapsedMs) / 1000,
    interrupted,
    workers: processes,
    clients: clientCount,
    knownBackends: stack.backendIds,
    events: eventWindows.summarise(eventOutcomes),
    proxy,
    warnings,
    servingChanges: serving.changes,
    servingSources: inference
      ? ['clients', ...(plan.target.kind === 'url' && plan.target.haproxyStats ? ['haproxy_stats' as const] : [])]
      : [...serving.sources],
  };
  const incomplete = fatal
    ? `a load worker was lost mid-run (${fatal}): the figures of its clients after its last snapshot are missing, so the run is not judged`
    : null;
  return {
    figures,
    shardParts: { eventsRaw: eventWindows.toRaw(eventOutcomes), engineWarnings: [...warnings] },
    workerFailed,
    incomplete,
  };
}

/** What the clients ask of the load generator: how many, and how much work a second (messages, handshakes). */
function loadOf(plan: Plan, count: number): LoadShape {
  const perSecond = (everyMs: number) => (everyMs > 0 ? (count * 1000) / everyMs : 0);
  return {
    clients: count,
    messagesPerSecond: perSecond(plan.traffic.intervalMs),
    // Sustained reconnects; the ramp's first connects pass (connect_concurrency paces them).
    handshakesPerSecond: perSecond(plan.churn.dropEveryMs),
  };
}
