import os from 'node:os';
import { RunAggregate } from '../../metrics/aggregate.js';
import type { SummaryInput } from '../../metrics/summary.js';
import type { TimeseriesRow } from '../../metrics/summary-types.js';
import { actionInfo } from '../../scenario/actions.js';
import { plansOf, type EventPlan, type Plan } from '../../scenario/plan.js';
import type { ActionOutcome, RunningStack } from '../../stack/stack.js';
import { machineLimits, workerCount, workerHeapFlags, type LoadShape } from '../../stack/limits.js';
import { clientSchedule } from '../../scenario/population/schedule.js';
import { assignClients, clientPool, shardClients, workerClients } from './assignments.js';
import { EventWindows, type EventTallyRaw } from '../../metrics/event-windows.js';
import type { ClientAssignment, WorkerEvent, WorkerStart } from './messages.js';
import { DownInference, ServingState } from './serving-state.js';
import { delay, WorkerFleet } from './worker-fleet.js';

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
  /**
   * What the summary is built from (metrics/summary.ts), but for what the caller adds (shard identity, backends' own
   * counts).
   */
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

/**
 * Runs a plan against a running target: forks the workers, hands each its clients, carries out the
 * timeline, merges snapshots into one aggregate, and builds the summary. It never touches a client socket.
 */
export async function runPlan(plan: Plan, stack: RunningStack, options: RunOptions = {}): Promise<RunResult> {
  const run = new Coordinator(plan, stack, options);
  run.startWorkers();
  run.scheduleTimeline();
  run.startRows();
  const interrupted = await run.untilEnd();
  await run.stop();
  return run.result(interrupted);
}

/** One run's coordination: its workers, its clock, its timeline and what they measured. */
class Coordinator {
  private readonly shard: { index: number; count: number };
  private readonly clientCount: number;
  private readonly fleet: WorkerFleet;
  private readonly aggregate = new RunAggregate();
  private readonly eventWindows: EventWindows;
  private readonly startAtEpochMs: number;
  private readonly serving: ServingState;
  /** A target stickler does not run: only what the clients saw tells that a backend went down. */
  private readonly inference: DownInference | null;
  /**
   * Every client's address, phase and churn come from the seed and its index alone: any split gives the same clients.
   */
  private assignments: ClientAssignment[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pendingActions: Promise<void>[] = [];
  private readonly eventOutcomes: { event: EventPlan; outcome: ActionOutcome }[] = [];
  private rowTimer: NodeJS.Timeout | undefined;
  /** The last time-series row closed. */
  private second = 0;

  constructor(
    private readonly plan: Plan,
    private readonly stack: RunningStack,
    private readonly options: RunOptions,
  ) {
    const shard = (this.shard = options.shard ?? { index: 0, count: 1 });
    this.assignments = shardClients(assignClients(plan, clientPool(plan)), shard);
    this.clientCount = this.assignments.length;
    const load = loadOf(plan, this.clientCount);
    const processes = options.workers ?? workerCount(load, os.availableParallelism(), machineLimits().filesSoft);
    this.fleet = new WorkerFleet(processes, workerHeapFlags(load, Math.max(1, processes)));
    this.eventWindows = new EventWindows(plan.events);
    if (plan.clients.load.model !== 'count' || plan.clients.session) {
      const schedule = clientSchedule(plan);
      this.aggregate.targetAt = (ms) => schedule.targetAt(ms, shard);
    }
    this.aggregate.onSecondClosed = (second, counters, reconnect) =>
      this.eventWindows.addSecond(second, counters, reconnect);
    this.startAtEpochMs = options.startAtEpochMs ?? Date.now() + START_DELAY_MS;
    this.serving = new ServingState(this.runClockMs, (backend, serving) =>
      this.fleet.broadcast({ type: 'backend-state', backend, serving }),
    );
    // The stack combines its own sources (its actions, HAProxy's checks or stats): one holder.
    stack.onServingChange((backend, isServing, source) =>
      this.serving.set(backend, isServing, source ?? 'stickler', 'stack'),
    );
    this.inference = plan.target.kind === 'url' ? new DownInference() : null;
  }

  private readonly runClockMs = () => Date.now() - this.startAtEpochMs;

  /** Forks the workers and hands each its clients: client i is shard i mod N, then worker (i div N) mod W. */
  startWorkers(): void {
    const workers = this.fleet.size;
    for (let workerIndex = 0; workerIndex < workers; workerIndex++) {
      const link = this.fleet.add(workerIndex, (event) => this.onWorkerEvent(event));
      const start: WorkerStart = {
        type: 'start',
        workerIndex,
        plan: this.plan,
        urls: this.stack.urls,
        clients: workerClients(this.assignments, this.shard.count, workers, workerIndex),
        connectConcurrency: Math.max(1, Math.ceil(this.plan.clients.connectConcurrency / workers)),
        startAtEpochMs: this.startAtEpochMs,
        snapshotIntervalMs: this.options.snapshotIntervalMs ?? 1000,
        infersServing: this.inference !== null,
        ...(this.stack.clientTls ? { tls: this.stack.clientTls } : {}),
      };
      this.fleet.clientsOfWorker.push(start.clients.length);
      link.send(start);
    }
    // The workers have theirs: at 100,000 clients about 10 MB the coordinator never reads again.
    this.assignments = [];
  }

  private onWorkerEvent(event: WorkerEvent): void {
    if (event.type === 'snapshot') {
      this.aggregate.add(event.workerIndex, event);
      this.inference?.noteOpen(event.workerIndex, event.openByBackend);
    } else if (event.type === 'closes') {
      const down = this.inference?.closes(this.runClockMs(), event.workerIndex, event.closes, event.openByBackend);
      for (const backend of down ?? []) this.serving.set(backend, false, 'clients');
    } else if (event.type === 'backend-seen') this.serving.set(event.backend, true, 'clients');
    else if (event.type === 'ready') this.aggregate.workerBaseRssBytes += event.rssBytes;
  }

  /** Each timeline event at its time on the run clock. */
  scheduleTimeline(): void {
    for (const [eventIndex, event] of this.plan.events.entries()) {
      const atMs = Math.max(0, this.startAtEpochMs + event.atMs - Date.now());
      this.timers.push(setTimeout(() => this.carryOut(eventIndex, event), atMs));
    }
  }

  private carryOut(eventIndex: number, event: EventPlan): void {
    this.aggregate.mark(`${event.action}${event.backend ? ` ${event.backend}` : ''}`);
    this.pendingActions.push(
      this.actionOf(event)
        .catch((error): ActionOutcome => ({ ok: false, detail: String(error?.message ?? error) }))
        .then((outcome) => {
          this.eventOutcomes.push({ event, outcome });
          this.eventWindows.actionEnded(eventIndex, this.runClockMs());
          this.options.onEvent?.(event, outcome);
        }),
    );
  }

  /** What the clients do (drop_all) happens in every shard; what acts on the target happens once, in shard 0. */
  private actionOf(event: EventPlan): Promise<ActionOutcome> {
    if (actionInfo(event.action).by === 'clients') {
      this.fleet.broadcast({ type: 'drop-all' });
      return Promise.resolve({ ok: true, detail: 'every client dropped its connection' });
    }
    if (this.shard.index === 0) return this.stack.act(event);
    return Promise.resolve({ ok: true, detail: 'carried out by shard 0' });
  }

  /** One time-series row a second, on the run clock. */
  startRows(): void {
    const seconds = Math.ceil(this.plan.durationMs / 1000);
    this.rowTimer = setInterval(() => {
      while (this.runClockMs() >= (this.second + 1) * 1000 && this.second < seconds) {
        this.second += 1;
        this.options.onRow?.(this.aggregate.closeRow(this.second), this.aggregate);
      }
    }, 100);
  }

  /** Waits for the run's end: its duration, an abort, or a worker's failure. Returns whether it was aborted. */
  async untilEnd(): Promise<boolean> {
    const { signal } = this.options;
    const aborted = new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    const failed = this.fleet.until(() => this.fleet.fatal !== null);
    const finished = new Promise<void>((resolve) =>
      this.timers.push(setTimeout(resolve, Math.max(0, this.startAtEpochMs + this.plan.durationMs - Date.now()))),
    );
    await Promise.race([finished, aborted, failed]);
    return signal?.aborted ?? false;
  }

  /** Stops the timeline and the workers, and closes the last (partial) second. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.fleet.stop();
    clearInterval(this.rowTimer);
    await this.fleet.end();
    await Promise.race([Promise.all(this.pendingActions), delay(2000)]);
    const elapsedS = Math.ceil(this.elapsedMs() / 1000);
    // The last (partial) second, so that totals and the time series agree.
    if (this.second < elapsedS) this.options.onRow?.(this.aggregate.closeRow(++this.second), this.aggregate);
    // What the final snapshots brought after the last row closed (the end of the last second) belongs to it.
    else this.aggregate.foldIntoLastRow();
  }

  private elapsedMs(): number {
    return Math.min(this.runClockMs(), this.plan.durationMs);
  }

  async result(interrupted: boolean): Promise<RunResult> {
    const { plan, stack, fleet } = this;
    const warnings = [...(fleet.fatal ? [`a worker failed: ${fleet.fatal}`] : []), ...fleet.missingFinals()];
    this.eventOutcomes.sort((a, b) => a.event.atMs - b.event.atMs);
    const figures: RunResult['figures'] = {
      plan,
      aggregate: this.aggregate,
      stack: stack.label,
      targetUrl: stack.urls.length === 1 ? stack.urls[0] : stack.urls.join(' '),
      startedAt: new Date(this.startAtEpochMs),
      durationS: Math.max(0, this.elapsedMs()) / 1000,
      interrupted,
      workers: fleet.processes,
      clients: this.clientCount,
      knownBackends: stack.backendIds,
      events: this.eventWindows.summarise(this.eventOutcomes),
      proxy: await stack.proxyView().catch(() => undefined),
      warnings,
      servingChanges: this.serving.changes,
      servingSources: this.servingSources(),
    };
    const incomplete = fleet.fatal
      ? `a load worker was lost mid-run (${fleet.fatal}): the figures of its clients ` +
        `after its last snapshot are missing, so the run is not judged`
      : null;
    return {
      figures,
      shardParts: { eventsRaw: this.eventWindows.toRaw(this.eventOutcomes), engineWarnings: [...warnings] },
      workerFailed: fleet.fatal !== null,
      incomplete,
    };
  }

  private servingSources(): RunResult['figures']['servingSources'] {
    if (!this.inference) return [...this.serving.sources];
    const { target } = this.plan;
    return ['clients', ...(target.kind === 'url' && target.haproxyStats ? ['haproxy_stats' as const] : [])];
  }
}

/** What the clients ask of the load generator: how many, and how much work a second (messages, handshakes). */
function loadOf(plan: Plan, count: number): LoadShape {
  const perSecond = (everyMs: number) => (everyMs > 0 ? (count * 1000) / everyMs : 0);
  // A closed loop (traffic.think) sends at most one message a shortest think time, plus its reply's wait.
  const messages = (each: Plan) =>
    Math.max(
      perSecond(each.traffic.intervalMs),
      each.traffic.think ? perSecond(Math.max(1, each.traffic.think[0])) : 0,
    );
  return {
    clients: count,
    messagesPerSecond: perSecond(plan.traffic.intervalMs),
    // Sustained reconnects; the ramp's first connects pass (connect_concurrency paces them).
    handshakesPerSecond: perSecond(plan.churn.dropEveryMs),
    peakMessagesPerSecond: Math.max(...plansOf(plan).map(messages)),
    userCode: plansOf(plan).some((each) => each.app.module !== null),
  };
}
