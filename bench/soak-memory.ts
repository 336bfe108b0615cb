/**
 * Soak: does stickler's own memory stay flat over a long run? Runs `stickler run` (the real CLI) with
 * churning clients through haproxy-cookie, samples the summed RSS of stickler's own processes
 * (the coordinator and its load workers, not the proxy or the backends) every second, and fits a
 * least-squares line from minute 1 to the end. Target: slope <= 5 KB/s (issue 12).
 *
 *   node dist/bench/soak-memory.js                 # 3,000 clients, 6 minutes
 *   node dist/bench/soak-memory.js 3000 360 nginx-round-robin
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchTree } from './process-tree.js';

const clients = Number(process.argv[2] ?? 3000);
const seconds = Number(process.argv[3] ?? 360);
const stack = process.argv[4] ?? 'haproxy-cookie';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-soak-'));
const scenario = path.join(dir, 'soak.yaml');
fs.writeFileSync(
  scenario,
  `name: soak
target: { stack: ${stack} }
clients: { count: ${clients}, ramp: 10s, addresses: { pool: 127.64.0.0/16 } }
duration: ${seconds}s
traffic: { interval: 1s }
churn: { drop_every: 20s, backoff: { initial: 100ms, max: 2s }, change_address: 10% }
`,
);

/** Least-squares slope of y over x, from [x, y, ...] points. */
function slope(points: readonly (readonly number[])[]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

const child = spawn(
  process.execPath,
  [path.join(root, 'bin/stickler.js'), 'run', scenario, '--out', path.join(dir, 'out'), '--quiet'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
// stickler's own processes: the coordinator and its load workers (not the proxy or the backends it runs).
const watch = watchTree(child.pid!, 1000, (cmdline) => cmdline.includes('bundle/worker.js'));
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
const { samples } = watch.stop();

const fromMinute1 = samples.filter(([t]) => t >= 60 && t <= seconds);
const bytesPerSecond = slope(fromMinute1);
const at = (t: number) => samples.find(([time]) => time >= t)?.[1] ?? 0;
const result = {
  date: new Date().toISOString().slice(0, 10),
  stack,
  clients,
  seconds,
  exit: code,
  rss_mb_at_60s: Math.round(at(60) / 1e5) / 10,
  rss_mb_at_end: Math.round(at(seconds - 5) / 1e5) / 10,
  slope_kb_per_s: Math.round(bytesPerSecond / 10.24) / 100,
  target_kb_per_s: 5,
};
console.log(JSON.stringify(result, null, 2));
fs.writeFileSync(path.join(root, 'bench/soak-results.json'), `${JSON.stringify(result, null, 2)}\n`);
fs.rmSync(dir, { recursive: true, force: true });
