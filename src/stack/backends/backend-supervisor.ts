import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fromPackageRoot } from '../../util/package-root.js';
import { registerProcess } from '../process-registry.js';

const BACKEND_SCRIPT = fromPackageRoot('dist/src/stack/backends/backend-process.js');
const READY_TIMEOUT_MS = 10_000;

export type BackendState = 'serving' | 'killed' | 'stopped' | 'paused';

/**
 * One reference backend in its own process: started on a fixed port once known, so the proxy's
 * config stays valid across kill, stop, start and restart.
 */
export class ManagedBackend {
  private child: ChildProcess | null = null;
  state: BackendState = 'stopped';
  port = 0;
  /** target.state: redis: the sessions live there rather than in the process. */
  redisUrl: string | undefined;

  constructor(
    readonly id: string,
    private readonly logDir: string | null,
    private readonly kind: 'reference' | 'socketio' = 'reference',
  ) {}

  async start(): Promise<void> {
    const log = this.logDir ? fs.openSync(path.join(this.logDir, `${this.id}.log`), 'a') : 'ignore';
    const child = fork(
      BACKEND_SCRIPT,
      [this.id, String(this.port), '127.0.0.1', this.kind, ...(this.redisUrl ? [this.redisUrl] : [])],
      { stdio: ['ignore', log, log, 'ipc'] },
    );
    if (typeof log === 'number') fs.closeSync(log);
    registerProcess(child);
    this.child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(new Error(`backend ${this.id} did not start within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      child.once('message', (message: { type: string; port: number }) => {
        clearTimeout(timeout);
        resolve(message.port);
      });
      child.once('exit', (code) => {
        clearTimeout(timeout);
        reject(new Error(`backend ${this.id} exited with code ${code} before it listened (port ${this.port} taken?)`));
      });
    });
    this.state = 'serving';
  }

  /** SIGKILL: clients see 1006 at once. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
    this.state = 'killed';
  }

  /** Graceful: the backend closes its sockets with 1001 and exits. */
  async stop(): Promise<void> {
    if (this.state === 'paused') this.child?.kill('SIGCONT');
    await this.signalAndWait('SIGTERM', 5000);
    this.state = 'stopped';
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
    this.state = 'paused';
  }

  resume(): void {
    this.child?.kill('SIGCONT');
    this.state = 'serving';
  }

  /** Wedge or unwedge the backend (see RunningBackend.wedge); it stays up and keeps its port. */
  wedge(on: boolean): void {
    this.child?.send({ type: 'wedge', on });
    this.wedged = on;
  }

  wedged = false;

  async stats(): Promise<unknown> {
    const child = this.child;
    if (!child || !child.connected || this.state !== 'serving') return null;
    return new Promise((resolve) => {
      const timeout = setTimeout(() => resolve(null), 2000);
      const listener = (message: { type: string; stats: unknown }) => {
        if (message.type !== 'stats') return;
        clearTimeout(timeout);
        child.off('message', listener);
        resolve(message.stats);
      };
      child.on('message', listener);
      child.send({ type: 'stats' });
    });
  }

  private async signalAndWait(signal: NodeJS.Signals, graceMs = 2000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
