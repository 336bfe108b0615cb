/**
 * The baseline: a bare `ws` client loop doing the same work as a stickler worker, written the way
 * one would by hand. N connections opened over the ramp, each sends a timestamped 64-byte message
 * per interval until the end, times the echo, then ends its connections. Prints one JSON line of figures.
 *
 * How it ends them (the 6th argument):
 * - `reset` (default): `terminate()` and exit, the cheapest way out. The client closes TCP first,
 *   so every connection leaves a TIME_WAIT entry on the client's side for 60 s.
 * - `close`: `close(1000)` and wait for the closes, as stickler does: the WebSocket closing
 *   handshake, then the server closes TCP first (RFC 6455, 7.1.1) and the client keeps no TIME_WAIT.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const [urlsArg, countArg, rampArg, intervalArg, durationArg, endArg = 'reset'] = process.argv.slice(2);
const urls = urlsArg.split(',');
const count = Number(countArg);
const rampMs = Number(rampArg);
const intervalMs = Number(intervalArg);
const durationMs = Number(durationArg);

const baseRss = process.memoryUsage.rss();
let peakRss = baseRss;
const cpuStart = process.cpuUsage();
const latencies = new Float64Array(count * Math.ceil(durationMs / intervalMs) + count);
let received = 0;
let sent = 0;
let opened = 0;
let failed = 0;
const sockets: WebSocket[] = [];
const timers: NodeJS.Timeout[] = [];
const pad = 'x'.repeat(64);

for (let i = 0; i < count; i++) {
  setTimeout(
    () => {
      const ws = new WebSocket(urls[i % urls.length], { perMessageDeflate: false });
      sockets.push(ws);
      ws.on('open', () => {
        opened++;
        timers.push(
          setInterval(() => {
            ws.send(`t:${performance.now()}:`.padEnd(64, pad));
            sent++;
          }, intervalMs),
        );
      });
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (!text.startsWith('t:')) return; // the backend's hello
        latencies[received++] = performance.now() - Number(text.slice(2, text.indexOf(':', 2)));
      });
      ws.on('error', () => failed++);
    },
    (rampMs * i) / count,
  );
}

const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 1000);

setTimeout(async () => {
  for (const timer of timers) clearInterval(timer);
  const until = performance.now() + 1000;
  while (received < sent && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(sampler);
  if (endArg === 'close') {
    const live = sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED);
    let open = live.length;
    const closed = new Promise((resolve) => {
      if (open === 0) resolve(null);
      for (const ws of live) ws.on('close', () => --open === 0 && resolve(null));
    });
    for (const ws of live) ws.close(1000);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
  } else for (const ws of sockets) ws.terminate();
  const sorted = latencies.slice(0, received).sort();
  process.stdout.write(
    `${JSON.stringify({ opened, failed, sent, received, cpuUs: cpu.user + cpu.system, baseRss, peakRss, p50: sorted[Math.floor(received * 0.5)], p99: sorted[Math.floor(received * 0.99)] })}\n`,
  );
  process.exit(0);
}, durationMs);
