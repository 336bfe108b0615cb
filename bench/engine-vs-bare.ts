/**
 * Benchmark: stickler's engine against a bare `ws` client loop doing the same work, in the same run,
 * against the same three reference backends. Reports CPU time per echoed message and memory per open
 * connection for both, and the ratios (engine / bare). Targets: CPU <= 1.25x, memory <= 1.5x.
 *
 *   npm run bench                       # 5,000 connections x 30 messages
 *   npm run bench -- 2000 200 3         # connections, interval ms, rounds
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPlan } from '../src/engine/coordinator.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { ManagedStack } from '../src/stack/managed-stack.js';

const connections = Number(process.argv[2] ?? 5000);
const intervalMs = Number(process.argv[3] ?? 200);
const rounds = Number(process.argv[4] ?? 2);
const messagesPerConnection = 30;
const rampMs = 5000;
// Each connection is open for (duration - its ramp slot): on average 30 intervals.
const durationMs = rampMs / 2 + messagesPerConnection * intervalMs;

interface Figures {
  cpuUsPerMessage: number;
  bytesPerConnection: number;
  received: number;
  opened: number;
  p50: number;
  p99: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

async function runBare(urls: string[]): Promise<Figures> {
  const script = path.join(here, 'bare-ws-loop.js');
  const output = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [script, urls.join(','), String(connections), String(rampMs), String(intervalMs), String(durationMs)], { maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
  const r = JSON.parse(output) as { opened: number; received: number; cpuUs: number; baseRss: number; peakRss: number; p50: number; p99: number };
  return { cpuUsPerMessage: r.cpuUs / r.received, bytesPerConnection: (r.peakRss - r.baseRss) / r.opened, received: r.received, opened: r.opened, p50: r.p50, p99: r.p99 };
}

async function runEngine(stack: ManagedStack): Promise<Figures> {
  const loaded = parseScenarioText('bench', `name: bench
target: { stack: direct, backends: 3 }
clients: { count: ${connections}, ramp: ${rampMs}ms }
duration: ${durationMs}ms
traffic: { interval: ${intervalMs}ms, size: 64 }
`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const coordinatorCpu = process.cpuUsage();
  const { summary, aggregate } = await runPlan(loaded.plan, stack, { workers: 1 });
  const coordinatorUs = process.cpuUsage(coordinatorCpu);
  const cpuUs = aggregate.workerCpuUs + coordinatorUs.user + coordinatorUs.system;
  return {
    cpuUsPerMessage: cpuUs / summary.messages.received,
    bytesPerConnection: (aggregate.workerPeakRssBytes - aggregate.workerBaseRssBytes) / summary.connections.opened,
    received: summary.messages.received,
    opened: summary.connections.opened,
    p50: summary.latency.message.p50,
    p99: summary.latency.message.p99,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const loaded = parseScenarioText('bench', 'name: bench-stack\ntarget: { stack: direct, backends: 3 }\nclients: { count: 1 }\nduration: 1s\n');
if (!loaded.ok) throw new Error('bench plan');
const stack = new ManagedStack('direct', 'none', loaded.plan, { logDir: fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-bench-')) });
await stack.start();
const bare: Figures[] = [];
const engine: Figures[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so neither side always runs on a warmer machine.
    if (round % 2 === 0) {
      bare.push(await runBare(stack.urls));
      engine.push(await runEngine(stack));
    } else {
      engine.push(await runEngine(stack));
      bare.push(await runBare(stack.urls));
    }
    process.stderr.write(`round ${round + 1}/${rounds}: bare ${JSON.stringify(bare.at(-1))}\n               engine ${JSON.stringify(engine.at(-1))}\n`);
  }
} finally {
  await stack.stop();
}

const cpuBare = median(bare.map((f) => f.cpuUsPerMessage));
const cpuEngine = median(engine.map((f) => f.cpuUsPerMessage));
const memBare = median(bare.map((f) => f.bytesPerConnection));
const memEngine = median(engine.map((f) => f.bytesPerConnection));
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, node ${process.version}`,
  connections,
  interval_ms: intervalMs,
  messages_per_connection: messagesPerConnection,
  rounds,
  cpu_us_per_message: { bare: round2(cpuBare), engine: round2(cpuEngine), ratio: round2(cpuEngine / cpuBare) },
  bytes_per_connection: { bare: Math.round(memBare), engine: Math.round(memEngine), ratio: round2(memEngine / memBare) },
  messages_received: { bare: bare.map((f) => f.received), engine: engine.map((f) => f.received) },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
fs.writeFileSync(path.join(here, '../../bench/results.json'), `${JSON.stringify(result, null, 2)}\n`);

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
