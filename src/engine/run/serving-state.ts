import type { ServingChange, ServingSource } from '../../stack/stack.js';

/**
 * Which backends serve right now, from every source that can say so. A backend serves while no
 * source holds it down. Each change is kept (run clock, seconds) with the source that decided it,
 * for `serving_changes` in the summary.
 */
export class ServingState {
  /** Per backend, who holds it down: the stack (its combined view) or the clients (inferred). */
  private readonly down = new Map<string, Set<string>>();
  readonly changes: ServingChange[] = [];
  readonly sources = new Set<ServingSource>();

  constructor(
    private readonly clockMs: () => number,
    private readonly onChange: (backend: string, serving: boolean) => void,
  ) {}

  /** `holder`: who says it; a later word from the same holder replaces its earlier one. */
  set(backend: string, serving: boolean, source: ServingSource, holder: string = source): void {
    const before = this.isServing(backend);
    const holders = this.down.get(backend) ?? new Set<string>();
    if (serving) holders.delete(holder);
    else holders.add(holder);
    this.down.set(backend, holders);
    const after = this.isServing(backend);
    if (before === after) return;
    this.sources.add(source);
    this.changes.push({ t: Math.round(this.clockMs()) / 1000, backend, serving: after, source });
    this.onChange(backend, after);
  }

  isServing(backend: string): boolean {
    return (this.down.get(backend)?.size ?? 0) === 0;
  }
}

/** Least share of a backend's open connections that must close at once (crash-like) to take it out. */
const DOWN_SHARE = 0.5;
/** A single cut connection (an idle timeout, one reset) never takes a backend out. */
const DOWN_MIN_CLOSES = 2;
const WINDOW_MS = 1000;

/**
 * Infers from what the clients saw that a backend went down, for targets stickler does not run:
 * most of its open connections closed unexpectedly (1006, 1001, 1011, 1012) within about a second.
 */
export class DownInference {
  private readonly recent = new Map<string, { atMs: number; count: number }[]>();
  private readonly openByWorker = new Map<number, Record<string, number>>();

  /** The latest open counts of a worker (from its snapshots and close reports). */
  noteOpen(workerIndex: number, openByBackend: Record<string, number>): void {
    this.openByWorker.set(workerIndex, openByBackend);
  }

  /** Adds a worker's report of crash-like closes; returns the backends that now count as down. */
  closes(
    nowMs: number,
    workerIndex: number,
    closes: Record<string, number>,
    openByBackend: Record<string, number>,
  ): string[] {
    this.noteOpen(workerIndex, openByBackend);
    const down: string[] = [];
    for (const [backend, count] of Object.entries(closes)) {
      const window = (this.recent.get(backend) ?? []).filter((entry) => nowMs - entry.atMs <= WINDOW_MS);
      window.push({ atMs: nowMs, count });
      this.recent.set(backend, window);
      const closed = window.reduce((sum, entry) => sum + entry.count, 0);
      let stillOpen = 0;
      for (const open of this.openByWorker.values()) stillOpen += open[backend] ?? 0;
      if (closed >= DOWN_MIN_CLOSES && closed >= DOWN_SHARE * (closed + stillOpen)) {
        down.push(backend);
        this.recent.delete(backend);
      }
    }
    return down;
  }
}
