import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { answerAsApp } from './reference-app.js';
import { attachSocketio } from './socketio-backend.js';
import { formatResume, SESSION_HEADER, STATE_HEADER, type ResumeAnswer } from '../../util/session-resume.js';
import { openSessionStore } from './session-store.js';

/**
 * The reference WebSocket backend: names itself in an `x-backend-id` header on the 101 response and
 * in its first message (`{"server": id}`), echoes every message (or answers an application scenario's JSON:
 * reference-app.ts), serves /health, /ws-health and /stats. A client that sends its session value
 * (x-stickler-session) resumes its session: the 101 says what the backend holds (session-store.ts), and
 * each message is stored before it is answered.
 * Managed stacks run one of these per backend, each in its own process so it can be killed alone.
 */
export interface BackendOptions {
  id: string;
  port: number;
  host: string;
  maxPayload?: number;
  /** Also run a real Socket.IO server at /socket.io/ (target.backend: socketio). */
  socketio?: boolean;
  /** Keep sessions in this Redis (redis://host:port) rather than in the process's memory (target.state). */
  redisUrl?: string;
}

export interface BackendStats {
  id: string;
  /** WebSocket connections accepted (health probes excluded). */
  connections_total: number;
  open: number;
  messages: number;
  /** X-Forwarded-Proto of the upgrades it accepted (https when a proxy terminated TLS). */
  forwarded_proto: Record<string, number>;
  /** Distinct client addresses the proxy reported (X-Real-IP, X-Forwarded-For, else the peer), and the last one. */
  client_addresses: number;
  last_client_address: string | null;
  /** Sessions resumed and opened new on reconnects of clients that sent their session; store commands that failed. */
  sessions_resumed: number;
  sessions_new: number;
  store_errors: number;
}

export interface RunningBackend {
  readonly port: number;
  readonly stats: BackendStats;
  /** Graceful shutdown: every socket is closed with 1001 (going away), then the server stops. */
  close(): Promise<void>;
  /**
   * Wedged: the process runs and /health still answers 200, but WebSocket upgrades (and /ws-health)
   * are refused with 503 and open sockets are closed with 1011, as a backend whose shared state is gone.
   */
  wedge(on: boolean): void;
}

export async function startReferenceBackend(options: BackendOptions): Promise<RunningBackend> {
  const stats = emptyStats(options.id);
  const store = openSessionStore(options.redisUrl);
  /** The resume answer of each upgrade under way, for its 101 headers. */
  const resumes = new WeakMap<http.IncomingMessage, ResumeAnswer>();
  let wedged = false;

  const server = http.createServer(httpHandler(options.id, stats));
  server.keepAliveTimeout = 5000;

  const wss = upgradeServer(options, resumes);
  const shared: BackendShared = { id: options.id, stats, store, hello: JSON.stringify({ server: options.id }) };

  const io = options.socketio ? attachSocketio(server, options.id) : null;

  server.on('upgrade', (req, socket, head) => {
    // Socket.IO's engine takes the upgrades of its own path.
    if (io && req.url?.startsWith('/socket.io/')) return;
    socket.on('error', () => socket.destroy());
    if (wedged) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const session = req.headers[SESSION_HEADER];
    if (typeof session !== 'string') return upgrade(req, socket, head, null);
    // The session is looked up before the 101, so that the client learns what it resumed to.
    store.resume(session).then(
      (answer) => {
        stats[answer.state === 'new' ? 'sessions_new' : 'sessions_resumed'] += 1;
        resumes.set(req, answer);
        upgrade(req, socket, head, session);
      },
      () => {
        stats.store_errors += 1;
        refuse(socket, options.id, 'session store unavailable');
      },
    );
  });

  const noteClient = clientNoter(stats);

  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, session: string | null): void {
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (req.url?.startsWith('/ws-health')) {
        ws.close(1000, 'healthy');
        return;
      }
      noteClient(req);
      const proto = String(req.headers['x-forwarded-proto'] ?? 'none');
      stats.forwarded_proto[proto] = (stats.forwarded_proto[proto] ?? 0) + 1;
      const authRequired = req.url?.includes('auth=required') ?? false;
      accept(shared, ws, authRequired, session, resumes.get(req) ?? null);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => resolve());
  });

  return {
    port: (server.address() as AddressInfo).port,
    stats,
    wedge(on) {
      wedged = on;
      io?.wedge(on);
      if (on) for (const client of wss.clients) client.close(1011, 'backend wedged');
    },
    close: () => {
      io?.close();
      store.close();
      return closeServers(server, wss);
    },
  };
}

/** A backend's counters before its first connection. */
function emptyStats(id: string): BackendStats {
  return {
    id,
    connections_total: 0,
    open: 0,
    messages: 0,
    forwarded_proto: {},
    client_addresses: 0,
    last_client_address: null,
    sessions_resumed: 0,
    sessions_new: 0,
    store_errors: 0,
  };
}

/** /health, /stats, and a named 426 for anything else. */
function httpHandler(id: string, stats: BackendStats): http.RequestListener {
  return (req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-backend-id': id }).end('ok');
    } else if (req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    } else {
      // Named, so that a client whose upgrade lost its headers on the way can tell who answered.
      res.writeHead(426, { 'content-type': 'text/plain', 'x-backend-id': id }).end('WebSocket upgrade required');
    }
  };
}

/** The client's address as the proxy in front passed it on (an IPv6 pool's addresses reach here as text). */
function clientNoter(stats: BackendStats): (req: http.IncomingMessage) => void {
  const clients = new Set<string>();
  return (req) => {
    const forwarded =
      req.headers['x-real-ip'] ??
      String(req.headers['x-forwarded-for'] ?? '')
        .split(',')
        .pop()
        ?.trim();
    const address = (typeof forwarded === 'string' && forwarded) || req.socket.remoteAddress || null;
    if (!address) return;
    stats.last_client_address = address;
    // Bounded: a count, not a log.
    if (clients.size < 1_000_000) clients.add(address);
    stats.client_addresses = clients.size;
  };
}

/** What a connection of the backend shares with the others. */
interface BackendShared {
  id: string;
  stats: BackendStats;
  store: ReturnType<typeof openSessionStore>;
  /** The first message: the backend's name. */
  hello: string;
}

/** A connection: echoed (or answered as the app), each message stored first when it has a session. */
function accept(
  shared: BackendShared,
  ws: WebSocket,
  authRequired: boolean,
  session: string | null,
  resumed: ResumeAnswer | null,
): void {
  const { stats, store } = shared;
  stats.connections_total += 1;
  stats.open += 1;
  const app = { authRequired, authed: false, timers: [] as NodeJS.Timeout[], resumed };
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    stats.open -= 1;
    for (const timer of app.timers) clearInterval(timer);
  });
  const answer = (data: Buffer, isBinary: boolean) => {
    // stickler's echo marker is echoed; the JSON of an application scenario is answered as an app would.
    if (!isBinary && answerAsApp(ws, data, shared.id, app)) return;
    ws.send(data, { binary: isBinary });
  };
  ws.on('message', (data: Buffer, isBinary) => {
    stats.messages += 1;
    // Stored before it is answered: an answered message is in the session, wherever the client goes next.
    const stored = session === null ? undefined : store.record(session);
    if (!stored) return answer(data, isBinary);
    stored.then(
      () => answer(data, isBinary),
      () => {
        stats.store_errors += 1;
        ws.close(1011, 'session store unavailable');
      },
    );
  });
  ws.send(shared.hello);
}

/** The backend's WebSocket server: its 101 names the backend, and what a resumed session holds. */
function upgradeServer(options: BackendOptions, resumes: WeakMap<http.IncomingMessage, ResumeAnswer>) {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: options.maxPayload ?? 1024 * 1024,
    clientTracking: true,
  });
  wss.on('headers', (headers, request) => {
    headers.push(`x-backend-id: ${options.id}`);
    const resumed = resumes.get(request);
    if (resumed) headers.push(`${STATE_HEADER}: ${formatResume(resumed)}`);
  });
  return wss;
}

function refuse(socket: Duplex, id: string, why: string): void {
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nx-backend-id: ` +
      `${id}\r\nContent-Type: text/plain\r\nContent-Length: ${why.length}\r\n\r\n` +
      `${why}`,
  );
}

/** Every socket closed with 1001 (going away), then the server stopped; peers that never answer are cut after 2 s. */
function closeServers(server: http.Server, wss: WebSocketServer): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const client of wss.clients) client.close(1001, 'backend shutting down');
    server.close(() => resolve());
    server.closeAllConnections();
    setTimeout(() => {
      for (const client of wss.clients) client.terminate();
      resolve();
    }, 2000).unref();
  });
}
