/**
 * What two socket-level choices of the engine cost, each measured alone through one HAProxy to
 * three reference backends, variants interleaved, each in a fresh process:
 *
 * - `close`: ending N open connections with the closing handshake (`close(1000)`, what stickler
 *   does) against `terminate()`: CPU from the first close to the last 'close' event, and the
 *   TIME_WAIT entries each leaves on the client's side and the proxy's side (`ss`).
 * - `send`: one message a second on each of N connections for 10 s, sent with `ws.send` against
 *   framed and written to the socket directly (src/engine/text-frame.ts): CPU per echo.
 *
 *   node dist/bench/socket-costs.js close 5000 3     # what, connections, rounds
 *   node dist/bench/socket-costs.js send 5000 4
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { writeTextFrame } from '../src/engine/wire/text-frame.js';
import { median, startBenchStack } from './bench-stack.js';

const [what, countArg, third] = process.argv.slice(2);

/** The socket under each WebSocket, from its 101 response (as the engine takes it). */
const socketOf = new Map<WebSocket, Duplex>();

/** Opens `count` connections over count * 0.4 ms, resolves when all are open. */
async function openAll(url: string, count: number, source: string): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let opened = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      setTimeout(() => {
        const ws = new WebSocket(url, {
          perMessageDeflate: false,
          skipUTF8Validation: true,
          localAddress: source,
          family: 4,
        });
        ws.on('upgrade', (response) => socketOf.set(ws, response.socket));
        ws.on('open', () => ++opened === count && resolve());
        ws.on('error', () => {});
        sockets.push(ws);
      }, i * 0.4);
    }
  });
  return sockets;
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** One measurement in this process (a child of the driver below); prints one JSON line. */
async function measureOne(
  kind: 'close' | 'send',
  url: string,
  count: number,
  variant: string,
  source: string,
): Promise<void> {
  const sockets = await openAll(url, count, source);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  if (kind === 'close') {
    let open = count;
    const closed = new Promise<void>((resolve) => {
      for (const ws of sockets) ws.on('close', () => --open === 0 && resolve());
    });
    const start = process.cpuUsage();
    for (const ws of sockets) {
      if (variant === 'terminate') ws.terminate();
      else ws.close(1000);
    }
    await closed;
    process.stdout.write(`${JSON.stringify({ cpuMs: cpuMs(process.cpuUsage(start)) })}\n`);
    return;
  }
  let received = 0;
  for (const ws of sockets) ws.on('message', (data: Buffer) => data[0] === 0x73 && received++); // 's' of stk:
  const payload = Buffer.alloc(64, 'x');
  payload.write('stk:', 0);
  const start = process.cpuUsage();
  const receivedBefore = received;
  let next = 0;
  // Every 3 ms, a 333th of the sockets send: each socket once a second.
  const perTick = Math.ceil(count / 333);
  const timer = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      const ws = sockets[next];
      next = (next + 1) % count;
      if (variant === 'ws.send') ws.send(payload, { binary: false });
      else writeTextFrame(socketOf.get(ws)!, payload);
    }
  }, 3);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const echoes = received - receivedBefore;
  process.stdout.write(`${JSON.stringify({ echoes, usPerEcho: (cpuMs(process.cpuUsage(start)) * 1000) / echoes })}\n`);
  for (const ws of sockets) ws.terminate();
}

/**
 * TIME_WAIT entries of one run's connections: each run opens its connections from its own loopback
 * address, so the client's side is `src` that address and the proxy's side is `dst` it.
 */
function timeWait(source: string): { client: number; proxy: number } {
  const count = (filter: string) =>
    execFileSync('ss', ['-tanH', 'state', 'time-wait', filter, source], { maxBuffer: 256 * 2 ** 20 })
      .toString()
      .split('\n')
      .filter(Boolean).length;
  return { client: count('src'), proxy: count('dst') };
}

async function drive(kind: 'close' | 'send', count: number, rounds: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-socket-costs-'));
  const stack = await startBenchStack(count, dir);
  const url = stack.urls[0];
  const variants = kind === 'close' ? ['close', 'terminate'] : ['ws.send', 'direct'];
  const results = new Map<string, Record<string, number>[]>(variants.map((variant) => [variant, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
        const source = `127.77.${round}.${variants.indexOf(variant) + 1}`;
        const out = execFileSync(process.execPath, [
          fileURLToPath(import.meta.url),
          'one',
          kind,
          url,
          String(count),
          variant,
          source,
        ]).toString();
        const figures = JSON.parse(out) as Record<string, number>;
        if (kind === 'close') {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const left = timeWait(source);
          figures.timeWaitClient = left.client;
          figures.timeWaitProxy = left.proxy;
        }
        results.get(variant)!.push(figures);
        process.stderr.write(`round ${round + 1} ${variant}: ${JSON.stringify(figures)}\n`);
      }
    }
  } finally {
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary: Record<string, Record<string, number>> = {};
  for (const [variant, rows] of results) {
    summary[variant] = Object.fromEntries(
      Object.keys(rows[0]).map((key) => [key, Math.round(median(rows.map((row) => row[key])) * 10) / 10]),
    );
  }
  process.stdout.write(`${JSON.stringify({ what: kind, connections: count, rounds, medians: summary }, null, 2)}\n`);
}

if (what === 'one') {
  const [kind, url, count, variant, source] = process.argv.slice(3);
  await measureOne(kind as 'close' | 'send', url, Number(count), variant, source);
  process.exit(0);
} else if (what === 'close' || what === 'send') {
  await drive(what, Number(countArg ?? 5000), Number(third ?? 3));
} else {
  process.stderr.write('usage: node dist/bench/socket-costs.js close|send [connections] [rounds]\n');
  process.exit(2);
}
