import type http from 'node:http';
import { Server } from 'socket.io';

/** What a managed Socket.IO server exposes to its backend process. */
export interface SocketioNode {
  /** Refuse new sessions and end the live ones (wedge), or serve again. */
  wedge(on: boolean): void;
  close(): void;
  readonly sessions: () => number;
}

/** Longest and shortest tick interval a subscriber may ask for. */
const TICK_MS = { min: 20, max: 60_000, default: 1000 };

/**
 * A real Socket.IO 4 server (npm's socket.io) on the reference backend's HTTP server, at /socket.io/:
 * it names itself in an x-backend-id header on every Engine.IO response and in a `hello` event,
 * acknowledges every emit that asks for it with `{ ok, server }`, and answers `subscribe`
 * (`{ every_ms }`) with a `tick` every that many ms carrying its send time (`at`, epoch ms).
 */
export function attachSocketio(server: http.Server, id: string): SocketioNode {
  let wedged = false;
  // destroyUpgrade false: the reference backend's own WebSocket handler serves every other path.
  const io = new Server(server, {
    destroyUpgrade: false,
    allowRequest: (_request, callback) => callback(wedged ? 'backend wedged' : null, !wedged),
  });
  const name = (headers: Record<string, unknown>) => {
    headers['x-backend-id'] = id;
  };
  io.engine.on('initial_headers', name);
  io.engine.on('headers', name);
  io.on('connection', (socket) => {
    socket.emit('hello', { server: id });
    const timers: NodeJS.Timeout[] = [];
    socket.on('disconnect', () => timers.forEach(clearInterval));
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args.at(-1);
      if (event === 'subscribe') {
        const asked = Number((args[0] as { every_ms?: unknown } | undefined)?.every_ms);
        const every = Number.isFinite(asked) ? Math.min(TICK_MS.max, Math.max(TICK_MS.min, asked)) : TICK_MS.default;
        timers.push(setInterval(() => socket.emit('tick', { at: Date.now(), server: id }), every));
      }
      if (typeof ack === 'function') ack({ ok: true, server: id });
    });
  });
  return {
    wedge(on) {
      wedged = on;
      if (on) io.disconnectSockets(true);
    },
    close: () => io.close(),
    sessions: () => io.engine.clientsCount,
  };
}
