/**
 * Worker process entry: a load worker (worker-core.ts) wired to the coordinator over IPC. It never
 * prints; it exits when told to stop or when its parent goes away.
 */
import { handleCommand, type Worker, type WorkerChannel } from './worker-core.js';
import type { CoordinatorCommand, WorkerEvent } from './messages.js';

const channel: WorkerChannel = {
  sharesMemory: false,
  send: (event: WorkerEvent) =>
    new Promise((resolve) => {
      if (!process.connected) return resolve();
      process.send!(event, undefined, undefined, () => resolve());
    }),
  exit: (code) => process.exit(code),
};

let worker: Worker | null = null;

process.on('message', (command: CoordinatorCommand) => {
  try {
    worker = handleCommand(worker, command, channel);
  } catch (error) {
    void channel
      .send({ type: 'fatal', workerIndex: -1, message: String((error as Error)?.stack ?? error) })
      .then(() => process.exit(1));
  }
});

// Ctrl-C reaches the whole process group; the coordinator decides how the run ends.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => {
  void channel
    .send({ type: 'fatal', workerIndex: -1, message: String(error?.stack ?? error) })
    .then(() => process.exit(1));
});
