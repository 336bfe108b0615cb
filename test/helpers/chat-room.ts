import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/stack/free-port.js';
import { ROOT } from './cli.js';
import { waitForPort, type SeedBackend } from './seed-stack.js';

/**
 * Servers written here, not by stickler, of the kinds load testers meet: `room`: a chat room by `?room=`
 * that greets each connection ({"type":"welcome"}), tells the room of a join ({"type":"joined","user":U}) and
 * sends every message to every member, the sender included (the sender's copy is its reply); `ok` and `error`:
 * Tsung's text server, answering every message with that line; `silent`: never answers. Each counts at GET
 * /stats: messages by user, on_close messages seen before a close, and closes by `code reason`.
 */
const CHAT_ROOM_JS = `
const http = require('http');
const { WebSocketServer } = require('ws');
const [port, name, mode] = process.argv.slice(2);
const stats = { messages: {}, leaves_before_close: 0, closes: {}, binary: 0 };
const rooms = new Map();
const server = http.createServer((req, res) => { res.writeHead(200); res.end(JSON.stringify(stats)); });
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  const room = new URL(req.url, 'http://x').searchParams.get('room') || 'lobby';
  if (!rooms.has(room)) rooms.set(room, new Set());
  const members = rooms.get(room);
  members.add(ws);
  let left = false;
  if (mode === 'room') ws.send(JSON.stringify({ type: 'welcome', server: name }));
  ws.on('message', (data, binary) => {
    if (binary) { stats.binary++; return ws.send(Buffer.concat([Buffer.from([0x03, data.length & 0xff]), data]), { binary: true }); }
    const text = data.toString();
    if (mode === 'ok' || mode === 'error') return ws.send(mode);
    if (mode === 'silent') return;
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (message.type === 'leave') { left = true; return; }
    if (message.user) stats.messages[message.user] = (stats.messages[message.user] || 0) + 1;
    const out = message.type === 'join' ? { type: 'joined', user: message.user } : { ...message, type: 'said', at: Date.now() };
    for (const member of members) member.send(JSON.stringify(out));
  });
  ws.on('close', (code, reason) => {
    members.delete(ws);
    if (left) stats.leaves_before_close++;
    const key = code + ' ' + reason;
    stats.closes[key] = (stats.closes[key] || 0) + 1;
  });
});
server.listen(Number(port), '127.0.0.1');
`;

export interface ChatStats {
  messages: Record<string, number>;
  leaves_before_close: number;
  closes: Record<string, number>;
  binary: number;
}

export function chatBackends(mode: 'room' | 'ok' | 'error' | 'silent') {
  return async (dir: string, count: number): Promise<SeedBackend[]> => {
    const script = path.join(dir, 'chat-room.js');
    fs.writeFileSync(script, CHAT_ROOM_JS);
    const backends: SeedBackend[] = [];
    for (let i = 1; i <= count; i++) {
      const port = await freePort();
      const logFile = path.join(dir, `chat${i}.log`);
      const log = fs.openSync(logFile, 'a');
      const child = spawn(process.execPath, [script, String(port), `chat${i}`, mode], {
        env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
        stdio: ['ignore', log, log],
      });
      fs.closeSync(log);
      backends.push({ id: `chat${i}`, port, child });
      await waitForPort(port, child, `chat${i}`, logFile);
    }
    return backends;
  };
}

export async function chatStats(backend: SeedBackend): Promise<ChatStats> {
  return (await (await fetch(`http://127.0.0.1:${backend.port}/stats`)).json()) as ChatStats;
}
