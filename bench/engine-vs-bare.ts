/**
 * Benchmark: what a user pays for stickler, against the plainest honest `ws` client loop doing the same work in the
 * same run (`bare`: ../shared/bench/bare-ws.js, the team's yardstick: one setTimeout after each echo, one histogram,
 * its own source address, close()). The project's earlier yardstick (`lean`, bench/lean-ws-loop.ts) runs beside it.
 * All are whole programs started the way a user starts them (`stickler run FILE --url`, `node bare-ws.js`), through
 * the same HAProxy to the same three reference backends: N connections opened over a 10 s ramp (bare-ws.js's), each
 * sending one message a second, 30 each. Feature rows (JSON, --metrics, stages, data + headers, groups, a protocol
 * module, MQTT, Socket.IO as socket.io-client connects and with transports: [websocket]) run the same load through
 * stickler and are read against the echo row; the Socket.IO rows also against the plainest socket.io-client loop
 * doing their work (bench/socketio-client-loop.cjs), run as their neighbour each round.
 *
 * - CPU per echo: all the CPU of the program's process tree (coordinator and load workers for
 *   stickler), counted by the kernel when the processes exit, over the echoes received.
 * - Peak RSS: the most resident memory of the whole process tree, sampled every 0.2 s.
 * The order rotates round by round, `bare` and `stickler` always as neighbours, and two more pairs of those two run
 * after the rounds (BENCH_PAIRS, default 5 in all): the figures are medians, and the headline ratios also the median
 * of each pair's own ratio (the same code measured 1.05x and 1.35x half an hour apart; neighbours drift less).
 * Targets (issue 44), against `bare`: CPU <= 1.0x, the steady middle <= 0.9x. The CPU of the steady middle of each run (every connection open and sending,
 * sampled from /proc) gives the cost of an echo alone, without start, ramp and close. One more run
 * of each with 10 echoes per connection splits the CPU into a part per echo (marginal) and a fixed
 * part per run (start, handshakes, closes, reports).
 *
 *   npm run bench                       # 5,000 connections, 1 s interval, 3 rounds and 2 more pairs (about 35 minutes)
 *   npm run bench -- 2000 1000 1        # connections, interval ms, rounds
 *   STICKLER_ARGS="--workers 2" npm run bench   # extra arguments for `stickler run` (to compare settings)
 *   BENCH_ONLY=lean,stickler BENCH_SHORT=0 npm run bench -- 5000 1000 1   # some rows only, no short runs (not written to results.json)
 *   BENCH_BASELINE=../other-checkout BENCH_ONLY=lean,stickler,baseline npm run bench -- 5000 1000 3   # A/B: another built checkout as row `baseline`
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/stack/free-port.js';
import { median, startBenchStack } from './bench-stack.js';
import { waitedChildrenCpuSeconds, watchTree } from './process-tree.js';
import { startSeedSetup, type SeedSetup } from '../test/helpers/seed-stack.js';
import { haproxyNamingBackends, mosquittoBrokers } from '../test/helpers/protocol-servers.js';

const connections = Number(process.argv[2] ?? 5000);
const intervalMs = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 3);
const messagesPerConnection = 30;
/** A shorter run of each, to split the CPU into a fixed part (start, handshakes, closes, reports) and a part per echo. */
const shortMessagesPerConnection = 10;
/** The plain loop's ramp (10 s), for every row: the same work. */
const rampMs = 10_000;
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
async function measure(
  args: string[],
  durationMs: number,
  env: Record<string, string> = {},
): Promise<{ stdout: string; cpuSeconds: number; peakRssBytes: number; steadyUsPerEcho: number }> {
  const cpuBefore = waitedChildrenCpuSeconds();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
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
  const steadyUsPerEcho =
    to - from >= 10 ? ((cpuAt(to) - cpuAt(from)) / (to - from) / echoesPerSecond) * 1e6 : Number.NaN;
  return { stdout, cpuSeconds: waitedChildrenCpuSeconds() - cpuBefore, peakRssBytes, steadyUsPerEcho };
}

/**
 * The plain loop (`bare`): ../shared/bench/bare-ws.js as the team measured it (a copy in bench/bare-ws.cjs when
 * ../shared is not beside the checkout), N connections over 10 s, each waiting for the backend's greeting, then one
 * message a second after each echo, M echoes, close(). Every ratio is taken against it.
 */
function plainLoopFile(): string {
  const shared = path.resolve(root, '../shared/bench/bare-ws.js');
  return fs.existsSync(shared) ? shared : path.join(root, 'bench/bare-ws.cjs');
}

/** A loop of `ws` clients: the plain loop (`bare`), or the project's earlier lean yardstick (`lean`). */
async function runLoop(url: string, loop: 'lean' | 'bare', echoes = messagesPerConnection): Promise<Figures> {
  const durationMs = durationFor(echoes);
  const args =
    loop === 'lean'
      ? [
          path.join(here, 'lean-ws-loop.js'),
          url,
          String(connections),
          String(rampMs),
          String(intervalMs),
          String(echoes),
        ]
      : [plainLoopFile(), String(connections), String(echoes), url];
  const run = await measure(args, durationMs, { NODE_PATH: path.join(root, 'node_modules') });
  const r =
    loop === 'bare'
      ? plainFigures(JSON.parse(run.stdout) as { echoes: number; failed: number; p50_us: number; p99_us: number })
      : (JSON.parse(run.stdout) as { opened: number; received: number; p50: number; p99: number });
  return loopFigures(run, r);
}

/** A loop's figures: its CPU and memory as measured, its counts and latency as it printed them. */
function loopFigures(
  run: Awaited<ReturnType<typeof measure>>,
  r: { opened: number; received: number; p50: number; p99: number },
): Figures {
  return {
    cpuSeconds: run.cpuSeconds,
    steadyUsPerEcho: run.steadyUsPerEcho,
    cpuUsPerEcho: (run.cpuSeconds * 1e6) / r.received,
    peakRssMb: run.peakRssBytes / 2 ** 20,
    received: r.received,
    opened: r.opened,
    p50: r.p50,
    p99: r.p99,
  };
}

/**
 * The Socket.IO rows' yardstick: bench/socketio-client-loop.cjs, the plainest socket.io-client loop for their work
 * (sessions over 10 s, an emit with an ack a second after each ack, M acks, close()), through the same HAProxy.
 */
async function runSocketioClient(url: string, transports: string, acks = messagesPerConnection): Promise<Figures> {
  const loop = path.join(root, 'bench/socketio-client-loop.cjs');
  const args = [loop, String(connections), String(acks), url.replace(/^ws/, 'http'), transports];
  const run = await measure(args, durationFor(acks), { NODE_PATH: path.join(root, 'node_modules') });
  return loopFigures(
    run,
    plainFigures(JSON.parse(run.stdout) as { echoes: number; failed: number; p50_us: number; p99_us: number }),
  );
}

function plainFigures(r: { echoes: number; failed: number; p50_us: number; p99_us: number }) {
  return { opened: connections - r.failed, received: r.echoes, p50: r.p50_us / 1000, p99: r.p99_us / 1000 };
}

/** The application-protocol row: a JSON template whose ack (the reference backend's) is matched by its id field. */
const JSON_TRAFFIC = `  message: '{"type":"ping","id":"{{id}}","sent":{{now_ms}},"pad":"{{pad:12}}"}'\n  reply: { field: id }\n`;

/**
 * How the clients come: one count and ramp; stages (up over the ramp, then holding: the same load by another
 * path); or each client its row of a data file and two handshake headers made from it (the rows shared, not
 * copied).
 */
type Population = 'count' | 'stages' | 'data' | 'groups';

/** The plain loop's source addresses: each connection its own in 127.20.0.0/16 (bare-ws.js's). */
const POOL = 'addresses: { pool: 127.20.0.0/16 }';

function clientsYaml(population: Population, dir: string): string {
  if (population === 'stages') return `clients: { stages: [{ to: ${connections}, over: ${rampMs}ms }], ${POOL} }`;
  if (population === 'count') return `clients: { count: ${connections}, ramp: ${rampMs}ms, ${POOL} }`;
  // Two personas sharing the echo load (each its own traffic block, the same interval).
  if (population === 'groups')
    return `clients:
  count: ${connections}
  ramp: ${rampMs}ms
  ${POOL}
  groups:
    - { name: readers, share: 50%, traffic: { interval: ${intervalMs}ms, size: 64 } }
    - { name: writers, share: 50%, traffic: { interval: ${intervalMs}ms, size: 64 } }`;
  const users = path.join(dir, 'users.csv');
  fs.writeFileSync(
    users,
    `user,token\n${Array.from({ length: connections }, (_, i) => `user${i},token-${i}-abcdef`).join('\n')}\n`,
  );
  return `clients:
  count: ${connections}
  ramp: ${rampMs}ms
  data: { file: ${users} }
  headers: { Authorization: "Bearer {{data.token}}", X-User: "{{data.user}}" }
  ${POOL}`;
}

/**
 * The module row's protocol module: the echo's work through the public module interface (a binary frame with the id
 * stickler made, the reference backend echoes it, the id is read back).
 */
const ECHO_MODULE = `export default {
  binary: true,
  create() {
    return {
      message(id) {
        const frame = Buffer.alloc(64, 120);
        frame.write(id, 0, 'latin1');
        frame[id.length] = 0;
        return frame;
      },
      receive(frame) {
        return { reply: frame.toString('latin1', 0, frame.indexOf(0)) };
      },
    };
  },
};
`;

/** What the clients speak: the echo marker, a JSON template, a protocol module, or MQTT (QoS 0, each its own topic). */
type Speech = 'echo' | 'json' | 'module' | 'mqtt' | 'socketio' | 'socketio_ws';

function protocolYaml(speech: Speech, dir: string): string {
  if (speech === 'json') return `traffic:\n  interval: ${intervalMs}ms\n${JSON_TRAFFIC}`;
  if (speech === 'socketio' || speech === 'socketio_ws')
    return `protocol: socketio\n${speech === 'socketio_ws' ? 'socketio: { transports: [websocket] }\n' : ''}traffic:
  interval: ${intervalMs}ms\n  event: chat\n  message: '{"n":{{seq}},"pad":"{{pad:40}}"}'\n`;
  const traffic = `traffic:\n  interval: ${intervalMs}ms\n  size: 64\n`;
  if (speech === 'module') {
    fs.writeFileSync(path.join(dir, 'echo-module.mjs'), ECHO_MODULE);
    return `protocol: { module: ${path.join(dir, 'echo-module.mjs')} }\n${traffic}`;
  }
  if (speech === 'mqtt') return `protocol: mqtt\nmqtt: { qos: 0, keepalive: 60s }\n${traffic}`;
  return traffic;
}

interface SticklerRun {
  url?: string;
  echoes?: number;
  speech?: Speech;
  /** With --metrics on, scraped every second as a Prometheus would (the scraper's own CPU is not stickler's). */
  metrics?: boolean;
  checkout?: string;
  population?: Population;
}

async function runStickler(run: SticklerRun = {}): Promise<Figures> {
  const { echoes = messagesPerConnection, metrics = false, checkout = root } = run;
  const durationMs = durationFor(echoes);
  const scenario = path.join(dir, 'bench.yaml');
  fs.writeFileSync(
    scenario,
    `name: bench
target: { url: "${run.url ?? url}" }
${clientsYaml(run.population ?? 'count', dir)}
duration: ${durationMs}ms
${protocolYaml(run.speech ?? 'echo', dir)}`,
  );
  const out = path.join(dir, `out-${Date.now()}`);
  const extra = (process.env.STICKLER_ARGS ?? '').split(' ').filter(Boolean);
  const port = metrics ? await freePort() : 0;
  const scraper = metrics
    ? setInterval(
        () =>
          void fetch(`http://127.0.0.1:${port}/metrics`).then(
            (r) => r.text(),
            () => '',
          ),
        1000,
      )
    : null;
  const measured = await measure(
    [
      path.join(checkout, 'bin/stickler.js'),
      'run',
      scenario,
      '--out',
      out,
      '--quiet',
      '--json',
      ...extra,
      ...(metrics ? ['--metrics', String(port)] : []),
    ],
    durationMs,
  ).finally(() => scraper && clearInterval(scraper));
  const summary = JSON.parse(measured.stdout) as {
    messages: { received: number };
    connections: { opened: number };
    latency: { message: { p50: number; p99: number } };
    warnings: string[];
  };
  return {
    cpuSeconds: measured.cpuSeconds,
    steadyUsPerEcho: measured.steadyUsPerEcho,
    cpuUsPerEcho: (measured.cpuSeconds * 1e6) / summary.messages.received,
    peakRssMb: measured.peakRssBytes / 2 ** 20,
    received: summary.messages.received,
    opened: summary.connections.opened,
    p50: summary.latency.message.p50,
    p99: summary.latency.message.p99,
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** The feature rows, each read against the echo row (`stickler`), and the label results.json gives them. */
const FEATURES = [
  ['stickler_json', 'JSON template, reply: { field: id }'],
  ['stickler_metrics', '--metrics, scraped every second'],
  ['stickler_socketio', 'Socket.IO (events through HAProxy to socket.io nodes)'],
  ['stickler_socketio_ws', 'Socket.IO, transports: [websocket] (no polling start)'],
  ['stickler_stages', 'clients from stages'],
  ['stickler_data', 'data row + two headers per client'],
  ['stickler_groups', 'two groups (personas)'],
  ['stickler_module', 'protocol module (binary frames)'],
  ['stickler_mqtt', 'MQTT QoS 0 (mosquitto brokers)'],
] as const;

/**
 * The plain loop and stickler's echo row run as neighbours (one unit of the rotation), the first of the two
 * alternating round by round: their ratio is taken pair by pair, each pair a minute or two apart.
 */
type RowName = keyof typeof rows;
/** Each yardstick and the stickler row doing its work: neighbours in every round. */
const NEIGHBOURS: [RowName, RowName][] = [
  ['bare', 'stickler'],
  ['socketio_client', 'stickler_socketio'],
  ['socketio_client_ws', 'stickler_socketio_ws'],
];
function orderUnits(all: RowName[]): RowName[][] {
  const paired = NEIGHBOURS.filter(([yardstick, row]) => all.includes(yardstick) && all.includes(row));
  const second = new Set(paired.map(([, row]) => row));
  return all
    .filter((name) => !second.has(name))
    .map((name) => paired.find(([yardstick]) => yardstick === name) ?? [name]);
}
const pairOrder = (unit: RowName[], round: number): RowName[] => (round % 2 === 0 ? unit : [...unit].reverse());
/** A row over its yardstick, round by round (each round's two runs were neighbours). */
const pairsOf = (yardstick: RowName, row: RowName, key: 'cpuUsPerEcho' | 'steadyUsPerEcho' | 'peakRssMb') =>
  rows[row].map((f, i) => f[key] / rows[yardstick][i]?.[key]).filter((ratio) => Number.isFinite(ratio));
/** stickler over the plain loop, round by round. */
const pairs = (key: 'cpuUsPerEcho' | 'steadyUsPerEcho') => pairsOf('bare', 'stickler', key);
/** Rounds of the plain loop and stickler's echo row in all (the rounds, then pairs of those two alone). */
const headlinePairs = Math.max(rounds, Number(process.env.BENCH_PAIRS ?? 5));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-bench-'));
const stack = await startBenchStack(connections, dir);
const url = stack.urls[0];
const rows = {
  lean: [] as Figures[],
  bare: [] as Figures[],
  stickler: [] as Figures[],
  stickler_json: [] as Figures[],
  stickler_metrics: [] as Figures[],
  stickler_stages: [] as Figures[],
  stickler_data: [] as Figures[],
  stickler_module: [] as Figures[],
  stickler_mqtt: [] as Figures[],
  stickler_socketio: [] as Figures[],
  stickler_socketio_ws: [] as Figures[],
  stickler_groups: [] as Figures[],
  socketio_client: [] as Figures[],
  socketio_client_ws: [] as Figures[],
  baseline: [] as Figures[],
};
/**
 * The MQTT row's target: three of Debian's mosquitto brokers behind HAProxy round robin, started when the row first
 * runs (three aedes brokers, Node, took most of the two cores from 5,000 messages a second: p99 0.2-1.2 s, 134,489 of
 * 150,000 received once, which made stickler's CPU per message about the brokers).
 */
const brokers: { setup: SeedSetup | null } = { setup: null };
async function mqttUrl(): Promise<string> {
  brokers.setup ??= await startSeedSetup('haproxy', haproxyNamingBackends(false), 3, mosquittoBrokers);
  return brokers.setup.url;
}
/** The Socket.IO row's target: three Socket.IO nodes (npm's socket.io) behind HAProxy with a cookie, when first run. */
const socketio: { stack: Awaited<ReturnType<typeof startBenchStack>> | null } = { stack: null };
async function socketioUrl(): Promise<string> {
  socketio.stack ??= await startBenchStack(connections, dir, 'haproxy-cookie', 3, 'socketio');
  return socketio.stack.urls[0];
}
const baseline = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : null;
const programs: Record<keyof typeof rows, () => Promise<Figures>> = {
  lean: () => runLoop(url, 'lean'),
  bare: () => runLoop(url, 'bare'),
  stickler: () => runStickler(),
  stickler_json: () => runStickler({ speech: 'json' }),
  stickler_metrics: () => runStickler({ metrics: true }),
  stickler_stages: () => runStickler({ population: 'stages' }),
  stickler_data: () => runStickler({ population: 'data' }),
  stickler_module: () => runStickler({ speech: 'module' }),
  stickler_mqtt: async () => runStickler({ speech: 'mqtt', url: await mqttUrl() }),
  stickler_socketio: async () => runStickler({ speech: 'socketio', url: await socketioUrl() }),
  stickler_socketio_ws: async () => runStickler({ speech: 'socketio_ws', url: await socketioUrl() }),
  stickler_groups: () => runStickler({ population: 'groups' }),
  socketio_client: async () => runSocketioClient(await socketioUrl(), 'polling,websocket'),
  socketio_client_ws: async () => runSocketioClient(await socketioUrl(), 'websocket'),
  baseline: () => runStickler({ checkout: baseline! }),
};
// BENCH_ONLY=lean,stickler runs some of the rows (while working on one; the report wants them all).
const only = process.env.BENCH_ONLY?.split(',');
const names = (Object.keys(programs) as (keyof typeof rows)[]).filter(
  (name) => (only ? only.includes(name) : name !== 'baseline') && (name !== 'baseline' || baseline),
);
const partial = process.env.BENCH_SHORT === '0' || only !== undefined;
/** Everything the bench started, stopped: at its end, and on Ctrl-C or SIGTERM (brokers outlived a stopped bench). */
const stopAll = async () => {
  await stack.stop();
  await brokers.setup?.stop();
  await socketio.stack?.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
let leanShort: Figures | null = null;
let sticklerShort: Figures | null = null;
try {
  const units = orderUnits(names);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no program always runs first, on a cooler machine.
    for (let k = 0; k < units.length; k++)
      for (const name of pairOrder(units[(round + k) % units.length], round)) rows[name].push(await programs[name]());
    process.stderr.write(
      `round ${round + 1}/${rounds}:\n${names.map((name) => `  ${name.padEnd(17)}${JSON.stringify(rows[name].at(-1))}`).join('\n')}\n`,
    );
  }
  // More pairs of the headline rows: the machine's drift moves one run by 10-15 %, a ratio of neighbours less.
  for (let pair = rounds; pair < headlinePairs && names.includes('bare') && names.includes('stickler'); pair++) {
    for (const name of pairOrder(['bare', 'stickler'], pair)) rows[name].push(await programs[name]());
    process.stderr.write(`pair ${pair + 1}/${headlinePairs}: ${pairs('cpuUsPerEcho').map(round2).join(', ')}\n`);
  }
  if (!partial) {
    // One shorter run of each: what the longer runs cost beyond it is the price of an echo alone.
    leanShort = await runLoop(url, 'lean', shortMessagesPerConnection);
    sticklerShort = await runStickler({ echoes: shortMessagesPerConnection });
    process.stderr.write(
      `short (${shortMessagesPerConnection} echoes):\n  lean     ${JSON.stringify(leanShort)}\n  stickler ${JSON.stringify(sticklerShort)}\n`,
    );
  }
} finally {
  await stopAll();
}
if (partial) {
  process.stdout.write(`${JSON.stringify(Object.fromEntries(names.map((name) => [name, rows[name]])), null, 2)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const medianOf = (name: keyof typeof rows, key: 'cpuUsPerEcho' | 'steadyUsPerEcho' | 'peakRssMb') =>
  median(rows[name].map((f) => f[key]));
const cpu = (name: keyof typeof rows) => medianOf(name, 'cpuUsPerEcho');
const steady = (name: keyof typeof rows) => medianOf(name, 'steadyUsPerEcho');
const rss = (name: keyof typeof rows) => medianOf(name, 'peakRssMb');
/** CPU per echo beyond the short run, and the fixed CPU left once echoes are taken out. */
function split(long: Figures[], short: Figures): { marginalUs: number; fixedSeconds: number } {
  const cpuSeconds = median(long.map((f) => f.cpuSeconds));
  const echoes = median(long.map((f) => f.received));
  const marginalUs = ((cpuSeconds - short.cpuSeconds) * 1e6) / (echoes - short.received);
  return { marginalUs, fixedSeconds: short.cpuSeconds - (marginalUs * short.received) / 1e6 };
}
const leanSplit = split(rows.lean, leanShort!);
const sticklerSplit = split(rows.stickler, sticklerShort!);
/**
 * A feature row that has a yardstick of its own (the Socket.IO rows: a socket.io-client loop doing their work, as
 * neighbours each round), read against it too: what the protocol costs apart from what stickler's client adds.
 */
function yardstickOf(name: RowName) {
  const pair = NEIGHBOURS.find(([, row]) => row === name);
  if (!pair || !rows[pair[0]].length) return {};
  const [loop] = pair;
  return {
    yardstick: {
      program: 'bench/socketio-client-loop.cjs (socket.io-client)',
      cpu_us_per_message: round2(cpu(loop)),
      paired_ratio: round2(median(pairsOf(loop, name, 'cpuUsPerEcho'))),
      pairs: pairsOf(loop, name, 'cpuUsPerEcho').map(round2),
      peak_rss_mb: round2(rss(loop)),
      rss_ratio: round2(median(pairsOf(loop, name, 'peakRssMb'))),
    },
  };
}

const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, node ${process.version}`,
  work: `${connections} connections through HAProxy to 3 backends, ${messagesPerConnection} echoes each, ${intervalMs} ms apart`,
  rounds,
  order:
    'rotated each round, the plain loop and the echo row as neighbours (then more pairs of those two); every figure ' +
    "is the median of its runs, and paired_ratio the median of the pairs' own ratios",
  cpu_us_per_echo: {
    lean: round2(cpu('lean')),
    bare: round2(cpu('bare')),
    stickler: round2(cpu('stickler')),
    ratio: round2(cpu('stickler') / cpu('lean')),
    ratio_to_bare: round2(cpu('stickler') / cpu('bare')),
    paired_ratio: round2(median(pairs('cpuUsPerEcho'))),
    pairs: pairs('cpuUsPerEcho').map(round2),
    yardstick: 'bare: ../shared/bench/bare-ws.js',
    target: 1.0,
  },
  cpu_steady: {
    note: `CPU per echo between ${steadyWindow(durationFor(messagesPerConnection)).join(' s and ')} s after start, every connection open and sending (no start, ramp or close)`,
    us_per_echo: {
      lean: round2(steady('lean')),
      bare: round2(steady('bare')),
      stickler: round2(steady('stickler')),
      ratio: round2(steady('stickler') / steady('lean')),
      ratio_to_bare: round2(steady('stickler') / steady('bare')),
      paired_ratio: round2(median(pairs('steadyUsPerEcho'))),
      pairs: pairs('steadyUsPerEcho').map(round2),
      target: 0.9,
    },
  },
  cpu_split: {
    note: `from the ${messagesPerConnection}-echo rounds against one ${shortMessagesPerConnection}-echo run of each`,
    marginal_us_per_echo: {
      lean: round2(leanSplit.marginalUs),
      stickler: round2(sticklerSplit.marginalUs),
      ratio: round2(sticklerSplit.marginalUs / leanSplit.marginalUs),
    },
    fixed_cpu_s: { lean: round2(leanSplit.fixedSeconds), stickler: round2(sticklerSplit.fixedSeconds) },
  },
  json_protocol: {
    note: 'stickler with a JSON template ({{id}}, {{now_ms}}, {{pad:12}}) and reply: { field: id } (the backend acknowledges by id) against its own echo path, CPU per message',
    cpu_us_per_message: {
      echo: round2(cpu('stickler')),
      json: round2(cpu('stickler_json')),
      ratio: round2(cpu('stickler_json') / cpu('stickler')),
      ratio_to_lean: round2(cpu('stickler_json') / cpu('lean')),
      target: 1.2,
    },
    steady_us_per_message: {
      echo: round2(steady('stickler')),
      json: round2(steady('stickler_json')),
      ratio: round2(steady('stickler_json') / steady('stickler')),
    },
    received: rows.stickler_json.map((f) => f.received),
  },
  live_metrics: {
    note: 'stickler with --metrics, scraped every second, against the same run without it: CPU per echo (the endpoint stays up 3 s after the run; its idle wait costs no CPU)',
    cpu_us_per_echo: {
      without: round2(cpu('stickler')),
      with: round2(cpu('stickler_metrics')),
      ratio: round2(cpu('stickler_metrics') / cpu('stickler')),
      target: 1.03,
    },
    steady_us_per_echo: {
      without: round2(steady('stickler')),
      with: round2(steady('stickler_metrics')),
      ratio: round2(steady('stickler_metrics') / steady('stickler')),
    },
  },
  population: {
    note:
      'the same echo load with clients from stages (to N over the ramp), and with a data row and two headers ' +
      'from it per client (Authorization: Bearer {{data.token}}, X-User), against the plain count row: CPU per echo',
    cpu_us_per_echo: {
      count: round2(cpu('stickler')),
      stages: round2(cpu('stickler_stages')),
      data_headers: round2(cpu('stickler_data')),
      stages_ratio: round2(cpu('stickler_stages') / cpu('stickler')),
      data_headers_ratio: round2(cpu('stickler_data') / cpu('stickler')),
      target: 1.1,
    },
    peak_rss_mb: {
      count: round2(rss('stickler')),
      stages: round2(rss('stickler_stages')),
      data_headers: round2(rss('stickler_data')),
    },
  },
  protocols: {
    note:
      'the echo load spoken through a protocol module (binary frames with the id, echoed by the reference backends) ' +
      'and as MQTT (QoS 0, each client publishing to its own topic through three mosquitto brokers behind HAProxy) ' +
      'against the echo row: CPU per message of stickler alone (the brokers are not counted)',
    cpu_us_per_message: {
      echo: round2(cpu('stickler')),
      module: round2(cpu('stickler_module')),
      mqtt: round2(cpu('stickler_mqtt')),
      module_ratio: round2(cpu('stickler_module') / cpu('stickler')),
      mqtt_ratio: round2(cpu('stickler_mqtt') / cpu('stickler')),
      target_module: 1.3,
    },
    peak_rss_mb: {
      echo: round2(rss('stickler')),
      module: round2(rss('stickler_module')),
      mqtt: round2(rss('stickler_mqtt')),
    },
  },
  peak_rss_mb: {
    lean: round2(rss('lean')),
    bare: round2(rss('bare')),
    stickler: round2(rss('stickler')),
    ratio: round2(rss('stickler') / rss('lean')),
    ratio_to_bare: round2(rss('stickler') / rss('bare')),
    target: 1.2,
  },
  features: {
    note:
      'each feature carrying the same echo load (5,000 clients, a message a second) against the echo row of the same ' +
      'run: CPU per message of stickler alone (brokers and backends not counted), peak RSS',
    target_cpu_ratio: 1.2,
    target_rss_ratio: 1.1,
    rows: Object.fromEntries(
      FEATURES.filter(([name]) => rows[name].length).map(([name, label]) => [
        label,
        {
          cpu_us_per_message: round2(cpu(name)),
          cpu_ratio: round2(cpu(name) / cpu('stickler')),
          peak_rss_mb: round2(rss(name)),
          rss_ratio: round2(rss(name) / rss('stickler')),
          ...yardstickOf(name),
        },
      ]),
    ),
  },
  echoes_received: Object.fromEntries(names.map((name) => [name, rows[name].map((f) => f.received)])),
  per_round: Object.fromEntries(
    names.map((name) => [
      name,
      rows[name].map((f) => ({
        cpu_us_per_echo: round2(f.cpuUsPerEcho),
        steady_us_per_echo: round2(f.steadyUsPerEcho),
        peak_rss_mb: round2(f.peakRssMb),
      })),
    ]),
  ),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
fs.writeFileSync(path.join(root, 'bench/results.json'), `${JSON.stringify(result, null, 2)}\n`);
fs.rmSync(dir, { recursive: true, force: true });
