import { encodeHistogram, newHistogram, type Histogram } from '../metrics/histograms.js';
import { emptyCounters, type WorkerCounters, type WorkerSnapshot } from './protocol.js';

/**
 * What one worker measured since its last snapshot. The hot path touches plain numeric fields and
 * one histogram; tallies keyed by strings are only touched on connect, close and failure.
 */
export class WorkerRecorder {
  counters: WorkerCounters = emptyCounters();
  readonly message: Histogram = newHistogram();
  readonly handshake: Histogram = newHistogram();
  readonly reconnect: Histogram = newHistogram();
  open = 0;
  peakOpen = 0;
  readonly openByBackend: Record<string, number> = {};
  peakOpenByBackend: Record<string, number> = {};
  private lastCpu = process.cpuUsage();

  connectionOpened(): void {
    this.open += 1;
    if (this.open > this.peakOpen) this.peakOpen = this.open;
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
      histograms: {
        message: encodeHistogram(this.message),
        handshake: encodeHistogram(this.handshake),
        reconnect: encodeHistogram(this.reconnect),
      },
      cpuUs: cpu.user + cpu.system,
      rssBytes: process.memoryUsage.rss(),
    };
    this.counters = emptyCounters();
    this.message.reset();
    this.handshake.reset();
    this.reconnect.reset();
    this.peakOpen = this.open;
    this.peakOpenByBackend = { ...this.openByBackend };
    return snapshot;
  }
}
