/**
 * The yardstick: the leanest honest `ws` client loop for the bench's work, written the way a careful
 * engineer would by hand. N connections opened over the ramp, each bound to its own source address
 * (as stickler's clients are), each sending its next 64-byte message with one `setTimeout` an
 * interval after the previous echo came back (no timer per client between sends), every round trip
 * recorded into one hdr-histogram-js histogram (stickler's preset), `echoes` echoes per connection,
 * then `close(1000)` and wait for the closes, as stickler ends. Prints one JSON line of figures.
 *
 *   node dist/bench/lean-ws-loop.js URL COUNT RAMP_MS INTERVAL_MS ECHOES [SOURCE]
 *   node dist/bench/lean-ws-loop.js URL COUNT RAMP_MS idle HOLD_MS [SOURCE]   # open, hold (a ping every 30 s), close
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { newHistogram } from '../src/metrics/histograms.js';

const [url, countArg, rampArg, intervalArg, fifthArg, source = '127.0.0.1'] = process.argv.slice(2);
const count = Number(countArg);
const rampMs = Number(rampArg);
const idle = intervalArg === 'idle';
const intervalMs = idle ? 0 : Number(intervalArg);
const echoes = idle ? 0 : Number(fifthArg);
const holdMs = idle ? Number(fifthArg) : 0;

const histogram = newHistogram();
const payload = Buffer.alloc(64, 'x');
let opened = 0;
let failed = 0;
let sent = 0;
let received = 0;
let closed = 0;
let peakRss = 0;
const sockets: WebSocket[] = [];
let finish: () => void = () => {};
const allClosed = new Promise<void>((resolve) => (finish = resolve));
const closedOne = () => ++closed + failed >= count && finish();

function sendOn(ws: WebSocket): void {
  // The send time travels in the message: 8 bytes of float at the front of a fixed payload.
  payload.writeDoubleLE(performance.now(), 0);
  ws.send(payload, { binary: true });
  sent++;
}

function open(i: number): void {
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    localAddress: source,
    family: 4,
  });
  sockets.push(ws);
  let left = echoes;
  let greeted = false;
  ws.on('open', () => {
    opened++;
    if (!idle) setTimeout(sendOn, intervalMs, ws);
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary && !greeted) return void (greeted = true); // the backend's hello
    histogram.recordValue(Math.max(1, Math.round((performance.now() - data.readDoubleLE(0)) * 1000)));
    received++;
    if (--left > 0) setTimeout(sendOn, intervalMs, ws);
    else ws.close(1000);
  });
  ws.on('error', () => {
    if (ws.readyState !== WebSocket.OPEN) failed++;
  });
  ws.on('close', closedOne);
  if (i === count - 1 && idle) setTimeout(() => sockets.forEach((socket) => socket.close(1000)), holdMs);
}

if (idle) setInterval(() => sockets.forEach((ws) => ws.readyState === WebSocket.OPEN && ws.ping()), 30_000).unref();
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 500);
for (let i = 0; i < count; i++) setTimeout(open, (rampMs * i) / count, i);
// Bounded: whatever happens, it ends.
const deadline = setTimeout(finish, rampMs + (idle ? holdMs : echoes * intervalMs * 3) + 20_000);
await allClosed;
clearTimeout(deadline);
clearInterval(sampler);
process.stdout.write(
  `${JSON.stringify({ opened, failed, sent, received, closed, peakRss, p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000 })}\n`,
);
process.exit(0);
