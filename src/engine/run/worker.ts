/**
 * Worker process entry: a load worker (worker-core.ts) wired to the coordinator over IPC. It never
 * prints; it exits when told to stop or when its parent goes away.
 */
import { handleCommand, type Worker, type WorkerChannel } from './worker-core.js';
import type { CoordinatorCommand, WorkerEvent } from './messages.js';

/**
 * This bundle's own copy of ws and of the frame reader, for the differential test (test/unit/frame-receiver.test.ts),
 * which imports the bundle without forking it: it then serves nothing.
 */
export { default as WebSocket } from 'ws';
export { isConcluded, isParked, PARK, parkReceiver, wakeReceiver } from '../wire/frame-receiver.js';

const channel: WorkerChannel = {
  sharesMemory: false,
  send: (event: WorkerEvent) =>
    new Promise((resolve) => {
      if (!process.connected) return resolve();
      process.send!(event, undefined, undefined, () => resolve());
    }),
  exit: (code) => process.exit(code),
};

// Forked by the coordinator (worker-link.ts) with this word; imported by a test without it.
if (process.argv[2] === 'serve' && process.send) serve();

function serve(): void {
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
}
