import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/stack/free-port.js';
import { ROOT } from './cli.js';
import { waitForPort, type SeedBackend } from './seed-stack.js';

/**
 * A login-token service of the kind a real API is, written here and not by stickler: the upgrade needs
 * `Authorization: Bearer TOKEN` with a token of users.csv and `Origin: https://app.example.test` (else 401), or
 * `?username=` and the subprotocol chat.v1 in chat mode (else 400); one live connection per user (a second one
 * closes the first with 4000 "duplicate session"); `{"id":X}` is answered `{"type":"ack","id":X,"user":U}`. Each
 * instance greets with `{"type":"welcome","server":NAME}` and counts at GET /stats.
 */
const TOKEN_SERVICE_JS = `
const http = require('http');
const fs = require('fs');
const { WebSocketServer } = require('ws');
const [port, name, usersFile, mode] = process.argv.slice(2);
const users = new Map();
if (usersFile !== '-') for (const line of fs.readFileSync(usersFile, 'utf8').trim().split('\\n').slice(1)) {
  const [user, token] = line.split(',');
  users.set(token, user);
}
const stats = { users: [], refused: 0, duplicates: 0, messages: 0, closes: {} };
const seen = new Set();
const live = new Map();
const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/stats' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ...stats, users: [...seen] }));
});
const wss = new WebSocketServer({
  server,
  handleProtocols: (protocols) => (protocols.has('chat.v1') ? 'chat.v1' : false),
  verifyClient: (info, done) => {
    const url = new URL(info.req.url, 'http://x');
    if (mode === 'chat') {
      const user = url.searchParams.get('username');
      const subprotocols = String(info.req.headers['sec-websocket-protocol'] ?? '');
      if (!user || !subprotocols.includes('chat.v1')) { stats.refused++; return done(false, 400); }
      info.req.user = user;
      return done(true);
    }
    const token = String(info.req.headers.authorization ?? '').replace(/^Bearer /, '');
    const user = users.get(token);
    if (!user || info.req.headers.origin !== 'https://app.example.test') { stats.refused++; return done(false, 401); }
    info.req.user = user;
    done(true);
  },
});
wss.on('connection', (ws, req) => {
  const user = req.user;
  seen.add(user);
  const before = live.get(user);
  if (before) { stats.duplicates++; before.close(4000, 'duplicate session'); }
  live.set(user, ws);
  ws.send(JSON.stringify({ type: 'welcome', server: name }));
  ws.on('message', (data) => {
    stats.messages++;
    let message;
    try { message = JSON.parse(data.toString()); } catch { return; }
    ws.send(JSON.stringify({ type: 'ack', id: message.id, user }));
  });
  ws.on('close', (code, reason) => {
    const key = code + ' ' + reason;
    stats.closes[key] = (stats.closes[key] || 0) + 1;
    if (live.get(user) === ws) live.delete(user);
  });
});
server.listen(Number(port), '127.0.0.1');
`;

export interface TokenStats {
  users: string[];
  /** Closes the service saw, by `code reason`. */
  closes: Record<string, number>;
  refused: number;
  duplicates: number;
  messages: number;
}

/** `count` instances (tok1..N) checking tokens of `usersFile` ('-' in chat mode). */
export function tokenBackends(usersFile: string, mode: 'token' | 'chat' = 'token') {
  return async (dir: string, count: number): Promise<SeedBackend[]> => {
    const script = path.join(dir, 'token-service.js');
    fs.writeFileSync(script, TOKEN_SERVICE_JS);
    const backends: SeedBackend[] = [];
    for (let i = 1; i <= count; i++) {
      const port = await freePort();
      const logFile = path.join(dir, `tok${i}.log`);
      const log = fs.openSync(logFile, 'a');
      const child = spawn(process.execPath, [script, String(port), `tok${i}`, usersFile, mode], {
        env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
        stdio: ['ignore', log, log],
      });
      fs.closeSync(log);
      backends.push({ id: `tok${i}`, port, child });
      await waitForPort(port, child, `tok${i}`, logFile);
    }
    return backends;
  };
}

export async function tokenStats(backends: SeedBackend[]): Promise<TokenStats> {
  const all = await Promise.all(
    backends.map(async ({ port }) => (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as TokenStats),
  );
  return {
    users: [...new Set(all.flatMap((stats) => stats.users))],
    closes: all.reduce<Record<string, number>>((sum, stats) => {
      for (const [key, count] of Object.entries(stats.closes)) sum[key] = (sum[key] ?? 0) + count;
      return sum;
    }, {}),
    refused: all.reduce((sum, stats) => sum + stats.refused, 0),
    duplicates: all.reduce((sum, stats) => sum + stats.duplicates, 0),
    messages: all.reduce((sum, stats) => sum + stats.messages, 0),
  };
}
