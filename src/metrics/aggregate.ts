import {
  addCounters,
  emptyCounters,
  type GroupSlice,
  type IntervalSnapshot,
  type SnapshotHistogram,
  type WorkerCounters,
} from './counters.js';
import { decodeHistogram, newHistogram, type Histogram } from './histograms.js';
import type { TimeseriesRow } from './summary-types.js';

/** A snapshot's histogram, decoded if it came from another process (the worker has let go of it either way). */
const histogramOf = (histogram: SnapshotHistogram): Histogram =>
  typeof histogram === 'string' ? decodeHistogram(histogram) : histogram;

/** Adds a snapshot's histogram into each total (the worker has let go of it either way). */
function addInto(totals: Histogram | Histogram[], histogram: SnapshotHistogram): void {
  const decoded = histogramOf(histogram);
  for (const total of [totals].flat()) total.add(decoded);
  decoded.destroy();
}

/** What a shard summary carries of its run for `merge` to add (see ShardSection). */
export interface ShardRun {
  counters: WorkerCounters;
  histograms: IntervalSnapshot['histograms'];
  peakOpen: number;
  peakOpenByBackend: Record<string, number>;
}

interface WorkerGauges {
  open: number;
  peakOpen: number;
  openByBackend: Record<string, number>;
  peakOpenByBackend: Record<string, number>;
}

/**
 * Merges the snapshots of every worker (or, later, every shard of a distributed run) into run totals
 * and one time-series row a second. Counters add, histograms `add`: the merge is order-independent.
 */
export class RunAggregate {
  readonly totals: WorkerCounters = emptyCounters();
  readonly message: Histogram = newHistogram();
  readonly handshake: Histogram = newHistogram();
  readonly reconnect: Histogram = newHistogram();
  readonly recovery: Histogram = newHistogram();
  /**
   * The scenario protocol's: each on_open step's latency, the pushes' latency, each client's longest gap between
   * pushes.
   */
  readonly steps = new Map<string, Histogram>();
  readonly push: Histogram = newHistogram();
  readonly pushGap: Histogram = newHistogram();
  readonly rows: TimeseriesRow[] = [];
  /** clients.groups: each group's counts and message latencies, by name. */
  readonly groups = new Map<string, { counters: GroupSlice['counters']; message: Histogram }>();
  /** Stages, arrivals and sessions: the clients that should be connected at a run-clock ms (each row's target). */
  targetAt?: (ms: number) => number;
  peakOpen = 0;
  readonly peakOpenByBackend: Record<string, number> = {};
  workerCpuUs = 0;
  /** Largest resident memory a worker reported (for benchmarks). */
  workerPeakRssBytes = 0;
  workerBaseRssBytes = 0;
  private readonly gauges = new Map<number, WorkerGauges>();
  private interval = emptyCounters();
  private readonly intervalMessage: Histogram = newHistogram();
  private readonly intervalReconnect: Histogram = newHistogram();
  /** Told of each second as it closes (per-event figures fold them; nothing per second is kept here). */
  onSecondClosed: ((second: number, counters: WorkerCounters, reconnect: Histogram) => void) | null = null;
  private pendingMarkers: string[] = [];

  /** One interval of one worker (`source`: the worker's index). */
  add(source: number, snapshot: IntervalSnapshot): void {
    this.workerCpuUs += snapshot.cpuUs;
    this.workerPeakRssBytes = Math.max(this.workerPeakRssBytes, snapshot.rssBytes);
    this.addFigures(snapshot);
    for (const [name, slice] of Object.entries(snapshot.groups ?? {})) this.addGroup(name, slice);
    this.gauges.set(source, {
      open: snapshot.open,
      peakOpen: snapshot.peakOpen,
      openByBackend: snapshot.openByBackend,
      peakOpenByBackend: snapshot.peakOpenByBackend,
    });
    this.updatePeaks();
  }

  /**
   * A whole shard's run (its summary's raw figures): the same counters and histograms as a worker's
   * intervals, and its peaks, which add to the other shards' as workers' peaks do. Nothing is open.
   */
  addShard(source: number, run: ShardRun): void {
    this.addFigures(run);
    this.gauges.set(source, {
      open: 0,
      peakOpen: run.peakOpen,
      openByBackend: {},
      peakOpenByBackend: run.peakOpenByBackend,
    });
    this.updatePeaks();
  }

  addGroup(name: string, slice: GroupSlice): void {
    let group = this.groups.get(name);
    if (!group) this.groups.set(name, (group = { counters: { ...slice.counters }, message: newHistogram() }));
    else
      for (const key of Object.keys(slice.counters) as (keyof GroupSlice['counters'])[])
        group.counters[key] += slice.counters[key];
    addInto(group.message, slice.message);
  }

  private addFigures(snapshot: Pick<IntervalSnapshot, 'counters' | 'histograms'>): void {
    addCounters(this.totals, snapshot.counters);
    addCounters(this.interval, snapshot.counters);
    const { message, handshake, reconnect, recovery, steps, push, push_gap } = snapshot.histograms;
    addInto([this.message, this.intervalMessage], message);
    addInto([this.handshake], handshake);
    addInto([this.reconnect, this.intervalReconnect], reconnect);
    // Only in the snapshots that have them (and not in a v1.1 shard summary).
    if (recovery) addInto(this.recovery, recovery);
    if (push) addInto(this.push, push);
    if (push_gap) addInto(this.pushGap, push_gap);
    for (const [name, histogram] of Object.entries(steps ?? {})) {
      let total = this.steps.get(name);
      if (!total) this.steps.set(name, (total = newHistogram()));
      addInto(total, histogram);
    }
  }

  private updatePeaks(): void {
    // Peaks are sums of each worker's peak in its latest interval: an upper bound within a second.
    let peak = 0;
    const byBackend: Record<string, number> = {};
    for (const gauges of this.gauges.values()) {
      peak += gauges.peakOpen;
      for (const [backend, open] of Object.entries(gauges.peakOpenByBackend))
        byBackend[backend] = (byBackend[backend] ?? 0) + open;
    }
    this.peakOpen = Math.max(this.peakOpen, peak);
    for (const [backend, open] of Object.entries(byBackend)) {
      this.peakOpenByBackend[backend] = Math.max(this.peakOpenByBackend[backend] ?? 0, open);
    }
  }

  /** A label shown on the next time-series row (a fault event, a reload). */
  mark(label: string): void {
    this.pendingMarkers.push(label);
  }

  /** Closes the current second into a time-series row. */
  closeRow(tSeconds: number): TimeseriesRow {
    let open = 0;
    const perBackend: Record<string, number> = {};
    for (const gauges of this.gauges.values()) {
      open += gauges.open;
      for (const [backend, count] of Object.entries(gauges.openByBackend))
        perBackend[backend] = (perBackend[backend] ?? 0) + count;
    }
    const hasMessages = this.intervalMessage.totalCount > 0;
    const row: TimeseriesRow = {
      t: tSeconds,
      open,
      sent: this.interval.sent,
      received: this.interval.received,
      p50: hasMessages ? this.intervalMessage.getValueAtPercentile(50) / 1000 : null,
      p99: hasMessages ? this.intervalMessage.getValueAtPercentile(99) / 1000 : null,
      violations: this.interval.violations,
      errors: this.interval.failed,
      per_backend: perBackend,
      ...(this.targetAt ? { target: this.targetAt(tSeconds * 1000) } : {}),
      ...(this.pendingMarkers.length > 0 ? { events: this.pendingMarkers } : {}),
    };
    this.rows.push(row);
    this.onSecondClosed?.(tSeconds - 1, this.interval, this.intervalReconnect);
    this.interval = emptyCounters();
    this.intervalMessage.reset();
    this.intervalReconnect.reset();
    this.pendingMarkers = [];
    return row;
  }

  /** Adds what came in since the last row closed to that row (the final snapshots after the run's last second). */
  foldIntoLastRow(): void {
    const row = this.rows.at(-1);
    if (!row) return;
    row.sent += this.interval.sent;
    row.received += this.interval.received;
    row.violations += this.interval.violations;
    row.errors += this.interval.failed;
    this.onSecondClosed?.(row.t - 1, this.interval, this.intervalReconnect);
    this.interval = emptyCounters();
    this.intervalMessage.reset();
    this.intervalReconnect.reset();
  }

  get openNow(): number {
    let open = 0;
    for (const gauges of this.gauges.values()) open += gauges.open;
    return open;
  }
}
