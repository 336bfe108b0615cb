import { encodeHistogram, newHistogram, type Histogram } from '../../metrics/histograms.js';
import {
  addCounters,
  bump,
  emptyCounters,
  type GroupSlice,
  type SnapshotHistogram,
  type WorkerCounters,
} from '../../metrics/counters.js';
import type { WorkerSnapshot } from './messages.js';

/** Unidentified connections whose headers and first message a worker keeps, to show what the servers sent. */
const MAX_SAMPLES = 3;

/**
 * What one worker measured since its last snapshot. The hot path touches plain numeric fields and
 * one histogram; tallies keyed by strings are only touched on connect, close and failure.
 */
export class WorkerRecorder {
  counters: WorkerCounters = emptyCounters();
  message: Histogram = newHistogram();
  handshake: Histogram = newHistogram();
  reconnect: Histogram = newHistogram();
  /** From a client's cut by an outage to its next open connection. */
  recovery: Histogram = newHistogram();
  private readonly steps = new Map<string, Histogram>();
  private push: Histogram = newHistogram();
  private pushGapHistogram: Histogram = newHistogram();
  open = 0;
  peakOpen = 0;
  readonly openByBackend: Record<string, number> = {};
  peakOpenByBackend: Record<string, number> = {};
  private lastCpu = process.cpuUsage();
  private samplesTaken = 0;

  /**
   * @param sharesMemory the coordinator runs in this process: snapshots hand over the histograms
   *   themselves (and recording goes on in new ones) instead of encoding them, which cost about
   *   5 ms a second for nothing.
   */
  constructor(private readonly sharesMemory = false) {}

  /**
   * A connection opened after a handshake of `handshakeMs`, `reconnectMs` after its client lost the last one (-1: its
   * first).
   */
  connectionOpened(handshakeMs: number, reconnectMs: number): void {
    this.counters.opened += 1;
    this.handshake.recordValue(Math.max(1, Math.round(handshakeMs * 1000)));
    if (reconnectMs >= 0) this.reconnect.recordValue(Math.max(1, Math.round(reconnectMs * 1000)));
    this.open += 1;
    if (this.open > this.peakOpen) this.peakOpen = this.open;
  }

  /** A handshake that did not open, and why (`status`: the HTTP status of a refused upgrade). */
  failed(reason: string, status?: number): void {
    this.counters.failed += 1;
    bump(this.counters.failedByReason, reason);
    if (status) bump(this.counters.errorsByStatus, String(status));
  }

  /** What an unidentified connection's server sent: its 101's headers and first message, for the first few only. */
  unidentifiedSample(headers: readonly string[], firstMessage?: Buffer): void {
    if (this.samplesTaken >= MAX_SAMPLES) return;
    this.samplesTaken += 1;
    for (const header of headers) bump(this.counters.unidentifiedHeaders, header);
    if (firstMessage) bump(this.counters.unidentifiedMessages, firstMessage.subarray(0, 200).toString());
  }

  recoveredAfter(ms: number): void {
    this.recovery.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  connectionClosed(): void {
    this.open -= 1;
  }

  backendOpened(backend: string): void {
    const open = (this.openByBackend[backend] ?? 0) + 1;
    this.openByBackend[backend] = open;
    if (open > (this.peakOpenByBackend[backend] ?? 0)) this.peakOpenByBackend[backend] = open;
    this.counters.openedByBackend[backend] = (this.counters.openedByBackend[backend] ?? 0) + 1;
  }

  backendClosed(backend: string): void {
    this.openByBackend[backend] -= 1;
  }

  /** A step's send to its expected answer. */
  stepLatency(step: string, ms: number): void {
    this.stepHistogram(step).recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** A push's send time (the server's clock, epoch ms) to its arrival. */
  pushLatency(ms: number): void {
    this.push.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** One client's longest silence between two pushes (recorded once per client, at the end). */
  pushGap(ms: number): void {
    this.pushGapHistogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /**
   * A histogram for the snapshot, and the one recording goes on in: the same one reset after encoding, or a new one
   * when handed over in memory.
   */
  private handOver(histogram: Histogram): [SnapshotHistogram, Histogram] {
    if (this.sharesMemory) return [histogram, newHistogram()];
    const encoded = encodeHistogram(histogram);
    histogram.reset();
    return [encoded, histogram];
  }

  /**
   * The histograms most runs leave empty (recovery, steps, pushes) go into a snapshot only when they hold something.
   */
  private handOverRare(into: WorkerSnapshot['histograms']): void {
    if (this.recovery.totalCount > 0) [into.recovery, this.recovery] = this.handOver(this.recovery);
    if (this.push.totalCount > 0) [into.push, this.push] = this.handOver(this.push);
    if (this.pushGapHistogram.totalCount > 0)
      [into.push_gap, this.pushGapHistogram] = this.handOver(this.pushGapHistogram);
    for (const [name, histogram] of this.steps) {
      if (histogram.totalCount === 0) continue;
      const [out, next] = this.handOver(histogram);
      (into.steps ??= {})[name] = out;
      this.steps.set(name, next);
    }
  }

  /**
   * A group's recorder (clients.groups) hands its interval to the worker's, which reports the totals, and keeps the
   * group's own slice: its counts and its message latencies.
   */
  foldInto(main: WorkerRecorder): GroupSlice {
    const { attempted, opened, failed, sent, received, lost, reconnects, violations } = this.counters;
    addCounters(main.counters, this.counters);
    this.counters = emptyCounters();
    main.message.add(this.message);
    for (const [into, from] of [
      [main.handshake, this.handshake],
      [main.reconnect, this.reconnect],
      [main.recovery, this.recovery],
      [main.push, this.push],
      [main.pushGapHistogram, this.pushGapHistogram],
    ]) {
      if (from.totalCount > 0) into.add(from);
      from.reset();
    }
    for (const [name, histogram] of this.steps) {
      if (histogram.totalCount > 0) main.stepHistogram(name).add(histogram);
      histogram.reset();
    }
    const slice: GroupSlice = {
      counters: { attempted, opened, failed, sent, received, lost, reconnects, violations },
      message: '',
    };
    [slice.message, this.message] = this.handOver(this.message);
    return slice;
  }

  /** The worker's gauges are its groups' added up (taken just before its snapshot). */
  sumGauges(groups: readonly WorkerRecorder[]): void {
    this.open = 0;
    this.peakOpen = 0;
    for (const key of Object.keys(this.openByBackend)) this.openByBackend[key] = 0;
    const peaks: Record<string, number> = {};
    for (const group of groups) {
      this.open += group.open;
      this.peakOpen += group.peakOpen;
      group.peakOpen = group.open;
      for (const [backend, open] of Object.entries(group.openByBackend))
        this.openByBackend[backend] = (this.openByBackend[backend] ?? 0) + open;
      for (const [backend, peak] of Object.entries(group.peakOpenByBackend))
        peaks[backend] = (peaks[backend] ?? 0) + peak;
      group.peakOpenByBackend = { ...group.openByBackend };
    }
    this.peakOpenByBackend = peaks;
  }

  private stepHistogram(step: string): Histogram {
    let histogram = this.steps.get(step);
    if (!histogram) this.steps.set(step, (histogram = newHistogram()));
    return histogram;
  }

  /** Takes this interval's figures and starts the next interval. */
  snapshot(workerIndex: number, tMs: number, final: boolean): WorkerSnapshot {
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    const snapshot: WorkerSnapshot = {
      type: 'snapshot',
      workerIndex,
      final,
      tMs,
      counters: this.counters,
      open: this.open,
      peakOpen: this.peakOpen,
      openByBackend: { ...this.openByBackend },
      peakOpenByBackend: this.peakOpenByBackend,
      histograms: { message: '', handshake: '', reconnect: '' },
      cpuUs: cpu.user + cpu.system,
      rssBytes: process.memoryUsage.rss(),
    };
    const histograms = snapshot.histograms;
    [histograms.message, this.message] = this.handOver(this.message);
    [histograms.handshake, this.handshake] = this.handOver(this.handshake);
    [histograms.reconnect, this.reconnect] = this.handOver(this.reconnect);
    this.handOverRare(histograms);
    this.counters = emptyCounters();
    this.peakOpen = this.open;
    this.peakOpenByBackend = { ...this.openByBackend };
    return snapshot;
  }
}
