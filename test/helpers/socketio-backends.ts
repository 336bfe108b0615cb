import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/stack/free-port.js';
import { ROOT } from './cli.js';
import type { SeedBackend } from './seed-stack.js';

/**
 * Real Socket.IO 4 servers (npm's socket.io, not stickler's code), one process each, as a user runs
 * them behind a balancer: each names itself in an X-Served-By header on every Engine.IO response
 * and in a hello event, acknowledges every emit (in the default namespace and in /chat), and serves /health.
 */
const SERVER_CJS = `
const http = require('http');
const { Server } = require('socket.io');
const ID = process.env.SERVER_ID;
const server = http.createServer((req, res) => { if (req.url === '/health') { res.writeHead(200); res.end('ok'); } });
// REQUIRE_AUTH: every Engine.IO request (each poll, the upgrade) must carry Authorization: Bearer tok-...
const io = new Server(server, process.env.REQUIRE_AUTH
  ? { allowRequest: (req, done) => done(null, /^Bearer tok-/.test(req.headers.authorization || '')) }
  : {});
io.engine.on('initial_headers', (headers) => { headers['X-Served-By'] = ID; });
io.engine.on('headers', (headers) => { headers['X-Served-By'] = ID; });
const serve = (socket) => {
  socket.emit('hello', { server: ID });
  socket.onAny((event, ...args) => { const ack = args[args.length - 1]; if (typeof ack === 'function') ack({ ok: true, server: ID, nsp: socket.nsp.name }); });
};
io.on('connection', serve);
io.of('/chat').on('connection', serve);
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

export async function startSocketioBackends(dir: string, count: number, requireAuth = false): Promise<SeedBackend[]> {
  const script = path.join(dir, 'socketio-server.cjs');
  fs.writeFileSync(script, SERVER_CJS);
  const backends: SeedBackend[] = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        SERVER_ID: `io${i}`,
        PORT: String(port),
        NODE_PATH: path.join(ROOT, 'node_modules'),
        ...(requireAuth ? { REQUIRE_AUTH: '1' } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    backends.push({ id: `io${i}`, port, child });
  }
  for (const backend of backends) await waitForHealth(backend.port);
  return backends;
}

async function waitForHealth(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`socket.io server on ${port} did not answer /health`);
}
