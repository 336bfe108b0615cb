/**
 * Benchmark: what a user pays for stickler, against a bare `ws` client loop doing the same work in
 * the same run. The bare loop runs twice a round: ending with `terminate()` (`bare`, the cheapest
 * way out, which leaves a TIME_WAIT per connection on the client) and ending with `close(1000)` as
 * stickler does (`bare_closing`: the same work, closing handshake included). Both are whole programs started the way a user starts them (`stickler run FILE --url`
 * and `node bare-ws-loop.js`), through the same HAProxy to the same three reference backends:
 * N connections opened over a 5 s ramp, each sending one 64-byte message a second, 30 each.
 *
 * - CPU per echo: all the CPU of the program's process tree (coordinator and load workers for
 *   stickler), counted by the kernel when the processes exit, over the echoes received.
 * - Peak RSS: the most resident memory of the whole process tree, sampled every 0.2 s.
 * The order rotates round by round; the figures are medians. Targets (issue 13): CPU <= 1.0x,
 * peak RSS <= 1.5x. The CPU of the steady middle of each run (every connection open and sending,
 * sampled from /proc) gives the cost of an echo alone, without start, ramp and close. One more run
 * of each with 10 echoes per connection splits the CPU into a part per echo (marginal) and a fixed
 * part per run (start, handshakes, closes, reports).
 *
 *   npm run bench                       # 5,000 connections, 1 s interval, 5 rounds (about 10 minutes)
 *   npm run bench -- 2000 1000 1        # connections, interval ms, rounds
 *   STICKLER_ARGS="--workers 2" npm run bench   # extra arguments for `stickler run` (to compare settings)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/stack/free-port.js';
import { median, startBenchStack } from './bench-stack.js';
import { waitedChildrenCpuSeconds, watchTree } from './process-tree.js';

const connections = Number(process.argv[2] ?? 5000);
const intervalMs = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 5);
const messagesPerConnection = 30;
/** A shorter run of each, to split the CPU into a fixed part (start, handshakes, closes, reports) and a part per echo. */
const shortMessagesPerConnection = 10;
const rampMs = 5000;
// Each connection is open for (duration - its ramp slot): on average `echoes` intervals.
const durationFor = (echoes: number) => rampMs / 2 + echoes * intervalMs;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

interface Figures {
  cpuSeconds: number;
  /** CPU per echo while every connection is open and sending (between the ramp and the end). */
  steadyUsPerEcho: number;
  cpuUsPerEcho: number;
  peakRssMb: number;
  received: number;
  opened: number;
  p50: number;
  p99: number;
}

/**
 * The steady window, in seconds after the program starts: the ramp is over (with room for
 * stickler's start-up, which delays its ramp by about half a second) and the end is not near.
 */
function steadyWindow(durationMs: number): [number, number] {
  return [rampMs / 1000 + 4, durationMs / 1000 - 2];
}

/** Runs one program to its end; CPU is what the kernel charged its whole tree. */
async function measure(args: string[], durationMs: number): Promise<{ stdout: string; cpuSeconds: number; peakRssBytes: number; steadyUsPerEcho: number }> {
  const cpuBefore = waitedChildrenCpuSeconds();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const watch = watchTree(child.pid!, 200);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const { peakRssBytes, samples } = watch.stop();
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  // Every connection sends one message an interval in the window: CPU rate over echo rate.
  const [from, to] = steadyWindow(durationMs);
  const cpuAt = (t: number) => samples.find(([time]) => time >= t)?.[2] ?? Number.NaN;
  const echoesPerSecond = connections / (intervalMs / 1000);
  // A run too short for a steady middle (the 10-echo run) has none.
  const steadyUsPerEcho = to - from >= 10 ? ((cpuAt(to) - cpuAt(from)) / (to - from) / echoesPerSecond) * 1e6 : Number.NaN;
  return { stdout, cpuSeconds: waitedChildrenCpuSeconds() - cpuBefore, peakRssBytes, steadyUsPerEcho };
}

async function runBare(url: string, end: 'reset' | 'close', echoes = messagesPerConnection): Promise<Figures> {
  const durationMs = durationFor(echoes);
  const run = await measure([path.join(here, 'bare-ws-loop.js'), url, String(connections), String(rampMs), String(intervalMs), String(durationMs), end], durationMs);
  const r = JSON.parse(run.stdout) as { opened: number; received: number; p50: number; p99: number };
  return { cpuSeconds: run.cpuSeconds, steadyUsPerEcho: run.steadyUsPerEcho, cpuUsPerEcho: (run.cpuSeconds * 1e6) / r.received, peakRssMb: run.peakRssBytes / 2 ** 20, received: r.received, opened: r.opened, p50: r.p50, p99: r.p99 };
}

/** The application-protocol row: a JSON template whose ack (the reference backend's) is matched by its id field. */
const JSON_TRAFFIC = `  message: '{"type":"ping","id":"{{id}}","sent":{{now_ms}},"pad":"{{pad:12}}"}'\n  reply: { field: id }\n`;

/** `metrics`: with --metrics on, scraped every second as a Prometheus would (the scraper's own CPU is not stickler's). */
async function runStickler(url: string, dir: string, echoes = messagesPerConnection, json = false, metrics = false): Promise<Figures> {
  const durationMs = durationFor(echoes);
  const scenario = path.join(dir, 'bench.yaml');
  fs.writeFileSync(scenario, `name: bench
target: { url: "${url}" }
clients: { count: ${connections}, ramp: ${rampMs}ms }
duration: ${durationMs}ms
traffic:
  interval: ${intervalMs}ms
  size: 64
${json ? JSON_TRAFFIC : ''}`);
  const out = path.join(dir, `out-${Date.now()}`);
  const extra = (process.env.STICKLER_ARGS ?? '').split(' ').filter(Boolean);
  const port = metrics ? await freePort() : 0;
  const scraper = metrics ? setInterval(() => void fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => ''), 1000) : null;
  const run = await measure([path.join(root, 'bin/stickler.js'), 'run', scenario, '--out', out, '--quiet', '--json', ...extra, ...(metrics ? ['--metrics', String(port)] : [])], durationMs).finally(() => scraper && clearInterval(scraper));
  const summary = JSON.parse(run.stdout) as { messages: { received: number }; connections: { opened: number }; latency: { message: { p50: number; p99: number } }; warnings: string[] };
  return {
    cpuSeconds: run.cpuSeconds,
    steadyUsPerEcho: run.steadyUsPerEcho,
    cpuUsPerEcho: (run.cpuSeconds * 1e6) / summary.messages.received,
    peakRssMb: run.peakRssBytes / 2 ** 20,
    received: summary.messages.received,
    opened: summary.connections.opened,
    p50: summary.latency.message.p50,
    p99: summary.latency.message.p99,
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-bench-'));
const stack = await startBenchStack(connections, dir);
const url = stack.urls[0];
const bare: Figures[] = [];
const bareClosing: Figures[] = [];
const stickler: Figures[] = [];
const sticklerJson: Figures[] = [];
const sticklerMetrics: Figures[] = [];
let bareShort: Figures | null = null;
let sticklerShort: Figures | null = null;
try {
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no program always runs first, on a cooler machine.
    const programs = [
      async () => bare.push(await runBare(url, 'reset')),
      async () => bareClosing.push(await runBare(url, 'close')),
      async () => stickler.push(await runStickler(url, dir)),
      async () => sticklerJson.push(await runStickler(url, dir, messagesPerConnection, true)),
      async () => sticklerMetrics.push(await runStickler(url, dir, messagesPerConnection, false, true)),
    ];
    for (let k = 0; k < programs.length; k++) await programs[(round + k) % programs.length]();
    process.stderr.write(`round ${round + 1}/${rounds}:\n  bare         ${JSON.stringify(bare.at(-1))}\n  bare_closing ${JSON.stringify(bareClosing.at(-1))}\n  stickler     ${JSON.stringify(stickler.at(-1))}\n  stickler_json ${JSON.stringify(sticklerJson.at(-1))}\n  stickler_metrics ${JSON.stringify(sticklerMetrics.at(-1))}\n`);
  }
  // One shorter run of each: what the longer runs cost beyond it is the price of an echo alone.
  bareShort = await runBare(url, 'reset', shortMessagesPerConnection);
  sticklerShort = await runStickler(url, dir, shortMessagesPerConnection);
  process.stderr.write(`short (${shortMessagesPerConnection} echoes):\n  bare     ${JSON.stringify(bareShort)}\n  stickler ${JSON.stringify(sticklerShort)}\n`);
} finally {
  await stack.stop();
}

const cpuBare = median(bare.map((f) => f.cpuUsPerEcho));
const cpuBareClosing = median(bareClosing.map((f) => f.cpuUsPerEcho));
const cpuStickler = median(stickler.map((f) => f.cpuUsPerEcho));
const steadyBare = median(bare.map((f) => f.steadyUsPerEcho));
const steadyBareClosing = median(bareClosing.map((f) => f.steadyUsPerEcho));
const steadyStickler = median(stickler.map((f) => f.steadyUsPerEcho));
const rssBare = median(bare.map((f) => f.peakRssMb));
const rssBareClosing = median(bareClosing.map((f) => f.peakRssMb));
const rssStickler = median(stickler.map((f) => f.peakRssMb));
/** CPU per echo beyond the short run, and the fixed CPU left once echoes are taken out. */
function split(long: Figures[], short: Figures): { marginalUs: number; fixedSeconds: number } {
  const cpu = median(long.map((f) => f.cpuSeconds));
  const echoes = median(long.map((f) => f.received));
  const marginalUs = ((cpu - short.cpuSeconds) * 1e6) / (echoes - short.received);
  return { marginalUs, fixedSeconds: short.cpuSeconds - (marginalUs * short.received) / 1e6 };
}
const bareSplit = split(bare, bareShort!);
const sticklerSplit = split(stickler, sticklerShort!);
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, node ${process.version}`,
  work: `${connections} connections through HAProxy to 3 backends, ${messagesPerConnection} echoes each, ${intervalMs} ms apart`,
  rounds,
  cpu_us_per_echo: {
    bare: round2(cpuBare),
    bare_closing: round2(cpuBareClosing),
    stickler: round2(cpuStickler),
    ratio: round2(cpuStickler / cpuBare),
    ratio_to_bare_closing: round2(cpuStickler / cpuBareClosing),
    target: 1.0,
  },
  cpu_steady: {
    note: `CPU per echo between ${steadyWindow(durationFor(messagesPerConnection)).join(' s and ')} s after start, every connection open and sending (no start, ramp or close)`,
    us_per_echo: { bare: round2(steadyBare), bare_closing: round2(steadyBareClosing), stickler: round2(steadyStickler), ratio: round2(steadyStickler / steadyBare) },
  },
  cpu_split: {
    note: `from the ${messagesPerConnection}-echo rounds against one ${shortMessagesPerConnection}-echo run of each`,
    marginal_us_per_echo: { bare: round2(bareSplit.marginalUs), stickler: round2(sticklerSplit.marginalUs), ratio: round2(sticklerSplit.marginalUs / bareSplit.marginalUs) },
    fixed_cpu_s: { bare: round2(bareSplit.fixedSeconds), stickler: round2(sticklerSplit.fixedSeconds) },
  },
  json_protocol: {
    note: 'stickler with a JSON template ({{id}}, {{now_ms}}, {{pad:12}}) and reply: { field: id } (the backend acknowledges by id) against its own echo path, CPU per message',
    cpu_us_per_message: { echo: round2(cpuStickler), json: round2(median(sticklerJson.map((f) => f.cpuUsPerEcho))), ratio: round2(median(sticklerJson.map((f) => f.cpuUsPerEcho)) / cpuStickler), target: 1.2 },
    steady_us_per_message: { echo: round2(steadyStickler), json: round2(median(sticklerJson.map((f) => f.steadyUsPerEcho))), ratio: round2(median(sticklerJson.map((f) => f.steadyUsPerEcho)) / steadyStickler) },
    received: sticklerJson.map((f) => f.received),
  },
  live_metrics: {
    note: 'stickler with --metrics, scraped every second, against the same run without it: CPU per echo (the endpoint stays up 3 s after the run; its idle wait costs no CPU)',
    cpu_us_per_echo: { without: round2(cpuStickler), with: round2(median(sticklerMetrics.map((f) => f.cpuUsPerEcho))), ratio: round2(median(sticklerMetrics.map((f) => f.cpuUsPerEcho)) / cpuStickler), target: 1.03 },
    steady_us_per_echo: { without: round2(steadyStickler), with: round2(median(sticklerMetrics.map((f) => f.steadyUsPerEcho))), ratio: round2(median(sticklerMetrics.map((f) => f.steadyUsPerEcho)) / steadyStickler) },
  },
  peak_rss_mb: { bare: round2(rssBare), bare_closing: round2(rssBareClosing), stickler: round2(rssStickler), ratio: round2(rssStickler / rssBare), target: 1.5 },
  echoes_received: { bare: bare.map((f) => f.received), bare_closing: bareClosing.map((f) => f.received), stickler: stickler.map((f) => f.received) },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
fs.writeFileSync(path.join(root, 'bench/results.json'), `${JSON.stringify(result, null, 2)}\n`);
fs.rmSync(dir, { recursive: true, force: true });
