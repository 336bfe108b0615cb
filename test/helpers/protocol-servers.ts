import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/stack/free-port.js';
import { ROOT } from './cli.js';
import { waitForPort, type ProxyConfig, type SeedBackend } from './seed-stack.js';

/**
 * Servers of protocols stickler does not speak by itself, written here: a binary protocol whose server speaks
 * first (HELLO naming itself, then REQUEST/REPLY frames with an id: scenarios/modules/binary-hello.mjs), and MQTT
 * brokers (aedes from npm over WebSocket, each keeping its persistent sessions in its own memory).
 */
const BINARY_HELLO_JS = `
const http = require('http');
const { WebSocketServer } = require('ws');
const [port, name] = process.argv.slice(2);
const stats = { connections: 0, requests: 0 };
const server = http.createServer((req, res) => { res.end(JSON.stringify(stats)); });
const wss = new WebSocketServer({ server, handleProtocols: (p) => (p.has('binary-hello') ? 'binary-hello' : false) });
wss.on('connection', (ws) => {
  stats.connections++;
  ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(name)]));
  ws.on('message', (data, binary) => {
    if (!binary || data[0] !== 2) return ws.close(1003, 'binary REQUEST frames only');
    stats.requests++;
    const reply = Buffer.from(data);
    reply[0] = 3;
    ws.send(reply);
  });
});
server.listen(Number(port), '127.0.0.1');
`;

const AEDES_JS = `
const http = require('http');
const { WebSocketServer, createWebSocketStream } = require('ws');
const { Aedes } = require('aedes');
const [port, name] = process.argv.slice(2);
(async () => {
  const broker = await Aedes.createBroker({ id: name });
  const stats = { connects: 0, sessionPresent: 0 };
  broker.on('client', () => stats.connects++);
  const server = http.createServer((req, res) => { res.end(JSON.stringify(stats)); });
  const wss = new WebSocketServer({ server, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  wss.on('connection', (ws) => broker.handle(createWebSocketStream(ws)));
  server.listen(Number(port), '127.0.0.1');
})();
`;

/**
 * Starts `count` servers, PREFIX1..N, each on a free port with its log in `dir`, one after the other once it listens;
 * `command` gives each its program and arguments.
 */
async function startEach(
  dir: string,
  count: number,
  prefix: string,
  command: (port: number, id: string) => Promise<{ file: string; args: string[]; env?: NodeJS.ProcessEnv }>,
): Promise<SeedBackend[]> {
  const backends: SeedBackend[] = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const id = `${prefix}${i}`;
    const { file, args, env } = await command(port, id);
    const logFile = path.join(dir, `${id}.log`);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(file, args, { env: env ?? process.env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    backends.push({ id, port, child });
    await waitForPort(port, child, id, logFile);
  }
  return backends;
}

function scriptBackends(script: string, file: string, prefix: string) {
  return async (dir: string, count: number): Promise<SeedBackend[]> => {
    const scriptFile = path.join(dir, file);
    fs.writeFileSync(scriptFile, script);
    return startEach(dir, count, prefix, async (port, id) => ({
      file: process.execPath,
      args: [scriptFile, String(port), id],
      env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
    }));
  };
}

/** `count` binary-hello servers, bin1..N. */
export const binaryHelloBackends = scriptBackends(BINARY_HELLO_JS, 'binary-hello.js', 'bin');

/** `count` aedes brokers over WebSocket, broker1..N, each with its own in-memory sessions. */
export const aedesBrokers = scriptBackends(AEDES_JS, 'aedes-broker.js', 'broker');

/**
 * `count` of Debian's mosquitto brokers, broker1..N, each with a websockets listener of its own (mosquitto binds
 * websockets to an interface, lo here, not to an address) beside a plain MQTT one on 127.0.0.1.
 */
export async function mosquittoBrokers(dir: string, count: number): Promise<SeedBackend[]> {
  return startEach(dir, count, 'broker', async (port, id) => {
    const config = path.join(dir, `${id}.conf`);
    fs.writeFileSync(
      config,
      `listener ${await freePort()} 127.0.0.1\nlistener ${port}\nbind_interface lo\nprotocol websockets\n` +
        'allow_anonymous true\npersistence false\n',
    );
    return { file: '/usr/sbin/mosquitto', args: ['-c', config] };
  });
}

/** HAProxy in front of brokers, naming each in a 101 header (x-backend-id); `sticky` inserts a cookie. */
export const haproxyNamingBackends =
  (sticky: boolean): ProxyConfig =>
  ({ listen, backends }) => `
global
maxconn 9000
defaults
mode http
timeout connect 5s
timeout client 1h
timeout server 1h
timeout tunnel 1h
option redispatch
retries 2
frontend ws
bind 127.0.0.1:${listen}
default_backend brokers
backend brokers
balance roundrobin
${sticky ? 'cookie SERVERID insert indirect nocache' : ''}
http-response set-header x-backend-id %s
${backends.map((b) => `server ${b.id} 127.0.0.1:${b.port}${sticky ? ` cookie ${b.id}` : ''}`).join('\n')}
`;
