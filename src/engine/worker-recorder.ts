import { encodeHistogram, newHistogram, type Histogram } from '../metrics/histograms.js';
import { bump, emptyCounters, type SnapshotHistogram, type WorkerCounters } from '../metrics/counters.js';
import type { WorkerSnapshot } from './protocol.js';

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

  /** A connection opened after a handshake of `handshakeMs`, `reconnectMs` after its client lost the last one (-1: its first). */
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
    let histogram = this.steps.get(step);
    if (!histogram) this.steps.set(step, (histogram = newHistogram()));
    histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** A push's send time (the server's clock, epoch ms) to its arrival. */
  pushLatency(ms: number): void {
    this.push.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** One client's longest silence between two pushes (recorded once per client, at the end). */
  pushGap(ms: number): void {
    this.pushGapHistogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** The protocol's histograms go into the snapshot only when they hold something (most runs have none). */
  private handOverProtocolHistograms(into: WorkerSnapshot['histograms']): void {
    const take = (histogram: Histogram, keep: (fresh: Histogram) => void): SnapshotHistogram => {
      if (!this.sharesMemory) {
        const encoded = encodeHistogram(histogram);
        histogram.reset();
        return encoded;
      }
      keep(newHistogram());
      return histogram;
    };
    const steps: Record<string, SnapshotHistogram> = {};
    for (const [name, histogram] of this.steps) if (histogram.totalCount > 0) steps[name] = take(histogram, (fresh) => this.steps.set(name, fresh));
    if (Object.keys(steps).length > 0) into.steps = steps;
    if (this.push.totalCount > 0) into.push = take(this.push, (fresh) => (this.push = fresh));
    if (this.pushGapHistogram.totalCount > 0) into.push_gap = take(this.pushGapHistogram, (fresh) => (this.pushGapHistogram = fresh));
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
      histograms: this.sharesMemory
        ? { message: this.message, handshake: this.handshake, reconnect: this.reconnect, recovery: this.recovery }
        : { message: encodeHistogram(this.message), handshake: encodeHistogram(this.handshake), reconnect: encodeHistogram(this.reconnect), recovery: encodeHistogram(this.recovery) },
      cpuUs: cpu.user + cpu.system,
      rssBytes: process.memoryUsage.rss(),
    };
    this.handOverProtocolHistograms(snapshot.histograms);
    this.counters = emptyCounters();
    if (this.sharesMemory) {
      this.message = newHistogram();
      this.handshake = newHistogram();
      this.reconnect = newHistogram();
      this.recovery = newHistogram();
    } else {
      this.message.reset();
      this.handshake.reset();
      this.reconnect.reset();
      this.recovery.reset();
    }
    this.peakOpen = this.open;
    this.peakOpenByBackend = { ...this.openByBackend };
    return snapshot;
  }
}
