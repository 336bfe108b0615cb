/**
 * Entry point of a managed backend process (forked by the stack manager with an IPC channel).
 * It reports its port once listening, and exits when its parent goes away, so that no backend
 * outlives the run that started it.
 */
import { startReferenceBackend } from './reference-backend.js';

const [id, portText, host, kind, redisUrl] = process.argv.slice(2);
const backend = await startReferenceBackend({
  id,
  port: Number(portText),
  host: host ?? '127.0.0.1',
  socketio: kind === 'socketio',
  redisUrl,
});
process.send?.({ type: 'ready', id, port: backend.port });
console.log(`${new Date().toISOString()} ${id} listening on 127.0.0.1:${backend.port} (pid ${process.pid})`);

let closing = false;
async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  console.log(
    `${new Date().toISOString()} ${id} closing ${backend.stats.open} sockets with 1001 ` +
      `(served ${backend.stats.connections_total} connections, ` +
      `${backend.stats.messages} messages)`,
  );
  await backend.close();
  process.exit(code);
}

process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => {
  // Ctrl-C reaches the whole process group: the stack manager decides when backends stop.
});
process.on('disconnect', () => void shutdown(0));
process.on('message', (message: { type?: string; on?: boolean }) => {
  if (message?.type === 'stats') process.send?.({ type: 'stats', stats: backend.stats });
  if (message?.type === 'wedge') {
    backend.wedge(message.on === true);
    console.log(
      `${new Date().toISOString()} ${id} ` +
        `${message.on ? 'wedged: /health 200, upgrades refused, sockets closed with 1011' : 'unwedged'}`,
    );
  }
});
