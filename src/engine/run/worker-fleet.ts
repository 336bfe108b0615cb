import { EventEmitter } from 'node:events';
import type { CoordinatorCommand, WorkerEvent } from './messages.js';
import { forkWorker, inProcessWorker, type WorkerLink } from './worker-link.js';

/** Time the workers get to quiesce and send their final snapshot (sent before their sockets close). */
const STOP_TIMEOUT_MS = 8000;
/** Time the workers then get to close their sockets politely before they are killed. */
const CLOSE_TIMEOUT_MS = 3000;

/** Resolves after `ms` without keeping the process alive. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The coordinator's load workers as one: started, spoken to, waited for and stopped together. It keeps
 * what a run must say when one of them fails (the first fatal error, whose final snapshot never came).
 */
export class WorkerFleet {
  readonly links: WorkerLink[] = [];
  readonly clientsOfWorker: number[] = [];
  /** Run-clock ms of each worker's latest snapshot, to say what is missing when a final one never comes. */
  readonly lastSnapshotMs = new Map<number, number>();
  private readonly finals = new Set<number>();
  private readonly exited = new Set<number>();
  /** Worker messages and exits are the only things the waits wait for. */
  private readonly news = new EventEmitter();
  fatal: string | null = null;

  /** `processes` 0: one worker inside this process. */
  constructor(
    readonly processes: number,
    private readonly v8Flags: readonly string[],
  ) {}

  get size(): number {
    return Math.max(1, this.processes);
  }

  /** Starts worker `index`; `onEvent` sees each of its events before the fleet's waits do. */
  add(index: number, onEvent: (event: WorkerEvent) => void): WorkerLink {
    const link = this.processes === 0 ? inProcessWorker() : forkWorker(this.v8Flags);
    link.onEvent((event) => {
      if (event.type === 'snapshot') {
        this.lastSnapshotMs.set(event.workerIndex, event.tMs);
        if (event.final) this.finals.add(event.workerIndex);
      } else if (event.type === 'fatal') this.fatal = `worker ${index}: ${event.message}`;
      onEvent(event);
      this.news.emit('news');
    });
    link.onExit((code, stderr) => {
      this.exited.add(index);
      if (code !== 0 && !this.finals.has(index))
        this.fatal ??=
          `worker ${index} exited${code === null ? '' : ` with code ${code}`}` + `${stderr ? ` (${stderr})` : ''}`;
      this.news.emit('news');
    });
    this.links.push(link);
    return link;
  }

  broadcast(command: CoordinatorCommand): void {
    for (const link of this.links) link.send(command);
  }

  /** Resolves once `condition` holds, checked at every worker event and exit. */
  until(condition: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.news.off('news', check);
        resolve();
      };
      this.news.on('news', check);
      check();
    });
  }

  /** Asks every worker to stop, waits for the final snapshots and the exits, then kills what is left. */
  async stop(): Promise<void> {
    this.broadcast({ type: 'stop' });
    const done = (index: number) => this.finals.has(index) || this.exited.has(index);
    await Promise.race([this.until(() => this.links.every((_, index) => done(index))), delay(STOP_TIMEOUT_MS)]);
  }

  /** After `stop`: waits for the workers to close their sockets and exit, then kills what is left. */
  async end(): Promise<void> {
    await Promise.race([
      this.until(() => this.links.every((_, index) => this.exited.has(index))),
      delay(CLOSE_TIMEOUT_MS),
    ]);
    for (const link of this.links) if (!link.exited) link.kill();
  }

  /** A warning for each worker whose final snapshot never came, naming what is missing. */
  missingFinals(): string[] {
    return this.links.flatMap((_, index) => {
      if (this.finals.has(index)) return [];
      const last = this.lastSnapshotMs.get(index);
      const since = last === undefined ? 'of the whole run' : `after t=${(last / 1000).toFixed(1)}s`;
      return [
        `worker ${index} (${this.clientsOfWorker[index]} clients) sent no final ` +
          `snapshot: its figures ${since} are missing`,
      ];
    });
  }
}
