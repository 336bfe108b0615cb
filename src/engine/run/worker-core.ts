/**
 * A load worker: runs a share of the virtual clients and reports interval snapshots to the
 * coordinator. The same code runs in a worker process (worker.ts wires it to IPC) or, when one
 * process carries the whole load, inside the coordinator's own process (worker-link.ts).
 */
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { CoordinatorCommand, WorkerEvent, WorkerStart } from './messages.js';
import { clientPool } from './assignments.js';
import { wsTlsOptions } from '../../stack/tls-material.js';
import type { ClientHome } from '../client/home.js';
import type { ClientContext } from '../client/context.js';
import { VirtualClient } from '../client/virtual-client.js';
import { clientGroups, clientSchedule } from '../../scenario/population/schedule.js';
import { wheelsFor, WorkerGroups } from './worker-groups.js';
import { OutageLedger } from '../client/outage-ledger.js';
import { WorkerRecorder } from './worker-recorder.js';
import { loadPlanProtocols, planProtocolsLoaded } from '../protocols/index.js';

const QUIESCE_MS = 1000;
/**
 * A handshake under way at the end gets this long to open (ms on loopback) before it counts as pending_at_end; short,
 * so that Ctrl-C stays quick.
 */
const HANDSHAKE_GRACE_MS = 400;
const CLOSE_GRACE_MS = 2000;
/**
 * Crash-like closes go to the coordinator this soon (not with the next snapshot): reconnect verdicts wait for its word.
 */
const CLOSE_REPORT_MS = 150;

/** How long before each whole second of the run clock a worker sends its snapshot (the row closes just after it). */
const SNAPSHOT_LEAD_MS = 30;

/** How a worker talks to its coordinator: events out, and its end. */
export interface WorkerChannel {
  /** The coordinator is in this process: events are passed as they are, never serialised. */
  readonly sharesMemory: boolean;
  send(event: WorkerEvent): Promise<void>;
  exit(code: number): void;
}

export class Worker {
  private readonly recorder: WorkerRecorder;
  private readonly clients: VirtualClient[] = [];
  private readonly notServing = new Set<string>();
  private readonly runStartPerf: number;
  private snapshotTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private crashCloses: Record<string, number> = {};
  private closeReportTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<ClientHome>();
  readonly context: ClientContext;
  /** clients.groups: each group's context and recorder (null without groups). */
  private readonly groups: WorkerGroups | null;

  constructor(
    private readonly start: WorkerStart,
    private readonly channel: WorkerChannel,
  ) {
    this.recorder = new WorkerRecorder(channel.sharesMemory);
    this.runStartPerf = performance.now() + (start.startAtEpochMs - Date.now());
    const pool = clientPool(start.plan);
    // The context's getters read the worker's live fields (inside a getter, this is the context).
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- see above
    const worker = this;
    this.context = {
      plan: start.plan,
      urls: start.urls,
      recorder: this.recorder,
      limit: pLimit(start.connectConcurrency),
      pool,
      nowMs: () => performance.now() - this.runStartPerf,
      isServing: (backend) => !this.notServing.has(backend),
      get stopping() {
        return worker.stopping;
      },
      infersServing: start.infersServing,
      crashLikeClose: (backend) => this.crashLikeClose(backend),
      seenServing: (backend) => {
        this.notServing.delete(backend);
        void channel.send({ type: 'backend-seen', workerIndex: start.workerIndex, backend });
      },
      pending: this.pending,
      protocolRecorder: {
        get counters() {
          return worker.recorder.counters;
        },
        nowMs: () => performance.now() - this.runStartPerf,
        stepLatency: (step, ms) => this.recorder.stepLatency(step, ms),
        pushLatency: (ms) => this.recorder.pushLatency(ms),
        pushGap: (ms) => this.recorder.pushGap(ms),
      },
      outages: new OutageLedger(
        () => this.recorder.counters,
        (ms) => this.recorder.recoveredAfter(ms),
      ),
      tlsOptions: wsTlsOptions(start.tls),
      schedule: clientSchedule(start.plan),
      ...wheelsFor(start.plan, () => performance.now() - this.runStartPerf),
    };
    const membership = clientGroups(start.plan);
    this.groups =
      membership && start.plan.groups
        ? new WorkerGroups(this.context, start.plan.groups, membership, channel.sharesMemory)
        : null;
  }

  /**
   * Snapshots just before each whole interval of the run clock, so the coordinator's row for a second holds the gauges
   * at its end (unaligned, the open count lagged its second by up to a whole interval).
   */
  private scheduleSnapshot(): void {
    const interval = this.start.snapshotIntervalMs;
    const now = this.context.nowMs();
    const next = (Math.floor((now + SNAPSHOT_LEAD_MS) / interval) + 1) * interval - SNAPSHOT_LEAD_MS;
    this.snapshotTimer = setTimeout(() => {
      void this.snapshot(false);
      this.scheduleSnapshot();
    }, next - now);
  }

  run(): void {
    for (const assignment of this.start.clients) {
      const { index } = assignment;
      const context = this.groups?.contextOf(index) ?? this.context;
      const rowIndex = this.groups?.rowIndexOf(index, this.start.plan) ?? index;
      const client = new VirtualClient(context, index, assignment.address, assignment.idle, rowIndex);
      this.clients.push(client);
      client.start();
    }
    // The clients hold what they need of their assignments; the list would stay for the whole run.
    this.start.clients = [];
    this.scheduleSnapshot();
  }

  private snapshot(final: boolean): Promise<void> {
    const groups = this.groups?.fold(this.recorder);
    const snapshot = this.recorder.snapshot(this.start.workerIndex, this.context.nowMs(), final);
    if (groups) snapshot.groups = groups;
    return this.channel.send(snapshot);
  }

  setServing(backend: string, serving: boolean): void {
    this.context.outages.serving(backend, serving, this.context.nowMs());
    if (serving) {
      this.notServing.delete(backend);
      return;
    }
    this.notServing.add(backend);
    // Reconnects that left this backend and were waiting for word on it are failovers.
    for (const home of [...this.pending]) if (home.waitsForWordOn(backend)) home.settleWaiting();
  }

  private crashLikeClose(backend: string): void {
    this.crashCloses[backend] = (this.crashCloses[backend] ?? 0) + 1;
    this.closeReportTimer ??= setTimeout(() => {
      this.closeReportTimer = null;
      const closes = this.crashCloses;
      this.crashCloses = {};
      void this.channel.send({
        type: 'closes',
        workerIndex: this.start.workerIndex,
        closes,
        openByBackend: { ...this.recorder.openByBackend },
      });
    }, CLOSE_REPORT_MS);
  }

  dropAll(): void {
    for (const client of this.clients) client.drop();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Stop sending, give echoes in flight and handshakes under way a moment to end: a handshake
    // still pending after that counts as a failure (pending_at_end), not one cut by the stop itself.
    let inflight = 0;
    for (const client of this.clients) inflight += client.quiesce();
    const started = performance.now();
    const waiting = () =>
      (inflight > 0 && performance.now() < started + QUIESCE_MS) ||
      (performance.now() < started + HANDSHAKE_GRACE_MS && this.clients.some((client) => client.handshaking()));
    while (waiting()) {
      await delay(20);
      inflight = this.clients.reduce((sum, client) => sum + client.inflight(), 0);
    }
    // The measurement ends here: echoes still out are lost, and the final snapshot leaves before any
    // socket is closed, since closing tens of thousands of them takes longer than any fixed timeout.
    for (const client of this.clients) this.recorder.counters.lost += client.abandonAtEnd();
    this.context.outages.countLost();
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    await this.snapshot(true);
    for (const client of this.clients) client.finish();
    const closeUntil = performance.now() + CLOSE_GRACE_MS;
    while (this.clients.some((client) => !client.isClosed()) && performance.now() < closeUntil) await delay(20);
    if (this.closeReportTimer) clearTimeout(this.closeReportTimer);
    this.channel.exit(0);
  }

  /** Ends everything now: timers, handshakes and sockets (an in-process worker that must stop at once). */
  terminate(): void {
    this.stopping = true;
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    if (this.closeReportTimer) clearTimeout(this.closeReportTimer);
    for (const client of this.clients) client.terminate();
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Carries out one coordinator command on the worker (created by `start`). */
export function handleCommand(
  worker: Worker | null,
  command: CoordinatorCommand,
  channel: WorkerChannel,
): Worker | null {
  switch (command.type) {
    case 'start': {
      const rssBytes = process.memoryUsage.rss();
      const created = new Worker(command, channel);
      const ready = () => {
        created.run();
        void channel.send({ type: 'ready', workerIndex: command.workerIndex, rssBytes });
      };
      // A protocol module, MQTT's or Socket.IO's client is imported before any client is made (the coordinator has
      // checked a module loads).
      if (planProtocolsLoaded(command.plan)) ready();
      else
        void loadPlanProtocols(command.plan).then(ready, (error: unknown) =>
          channel.send({ type: 'fatal', workerIndex: command.workerIndex, message: String(error) }),
        );
      return created;
    }
    case 'backend-state':
      worker?.setServing(command.backend, command.serving);
      return worker;
    case 'drop-all':
      worker?.dropAll();
      return worker;
    case 'stop':
      if (worker) void worker.stop();
      else channel.exit(0);
      return worker;
  }
}
