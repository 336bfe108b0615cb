import { fork } from 'node:child_process';
import fs from 'node:fs';
import type { CoordinatorCommand, WorkerEvent } from './messages.js';
import { handleCommand, type Worker, type WorkerChannel } from './worker-core.js';
import { fromPackageRoot } from '../../util/package-root.js';

/** The coordinator's handle on one load worker, whether a process of its own or inside the coordinator. */
export interface WorkerLink {
  send(command: CoordinatorCommand): void;
  /** Ends it at once, sockets and all (SIGKILL for a process). */
  kill(): void;
  readonly exited: boolean;
  onEvent(listener: (event: WorkerEvent) => void): void;
  /** `detail`: what the worker printed on stderr before it died, when anything. */
  onExit(listener: (code: number | null, detail: string) => void): void;
}

// The bundled worker (one file, about 3 MB less a process than its ~120 modules) where `npm run build` made it.
const BUNDLED_WORKER = fromPackageRoot('dist/src/bundle/worker.js');
const WORKER_SCRIPT = fs.existsSync(BUNDLED_WORKER) ? BUNDLED_WORKER : fromPackageRoot('dist/src/engine/run/worker.js');

/** A worker process: its own file limit and its own core; `v8Flags` for its runtime (limits.ts, workerHeapFlags). */
export function forkWorker(v8Flags: readonly string[] = []): WorkerLink {
  const child = fork(WORKER_SCRIPT, ['serve'], {
    execArgv: [...process.execArgv, ...v8Flags],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    if (stderr.length < 4000) stderr += chunk;
  });
  return {
    send(command) {
      if (child.connected) child.send(command);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    onEvent(listener) {
      child.on('message', listener);
    },
    onExit(listener) {
      // Killed by a signal, exit's code is null: the signal says what ended it.
      child.on('exit', (code, signal) =>
        listener(code, [signal ? `killed by ${signal}` : '', stderr.trim()].filter(Boolean).join(': ')),
      );
    },
  };
}

/**
 * A worker inside the coordinator's process, for loads one process carries: no second Node
 * runtime, no IPC. Messages still go through the event loop, in order, as they would over IPC.
 */
export function inProcessWorker(): WorkerLink {
  let worker: Worker | null = null;
  let exited = false;
  const eventListeners: ((event: WorkerEvent) => void)[] = [];
  const exitListeners: ((code: number | null, detail: string) => void)[] = [];
  const end = (code: number) => {
    if (exited) return;
    exited = true;
    setImmediate(() => {
      for (const listener of exitListeners) listener(code, '');
    });
  };
  const channel: WorkerChannel = {
    sharesMemory: true,
    send: (event) =>
      new Promise((resolve) =>
        setImmediate(() => {
          if (!exited) for (const listener of eventListeners) listener(event);
          resolve();
        }),
      ),
    exit: end,
  };
  return {
    send(command) {
      if (exited) return;
      setImmediate(() => {
        if (exited) return;
        try {
          worker = handleCommand(worker, command, channel);
        } catch (error) {
          void channel.send({ type: 'fatal', workerIndex: -1, message: String((error as Error)?.stack ?? error) });
          worker?.terminate();
          end(1);
        }
      });
    },
    kill() {
      worker?.terminate();
      end(137);
    },
    get exited() {
      return exited;
    },
    onEvent(listener) {
      eventListeners.push(listener);
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
  };
}
