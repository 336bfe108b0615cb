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

const clients = Number(process.argv[2] ?? 3000);
const seconds = Number(process.argv[3] ?? 360);
const stack = process.argv[4] ?? 'haproxy-cookie';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-soak-'));
const scenario = path.join(dir, 'soak.yaml');
fs.writeFileSync(scenario, `name: soak
target: { stack: ${stack} }
clients: { count: ${clients}, ramp: 10s, addresses: { pool: 127.64.0.0/16 } }
duration: ${seconds}s
traffic: { interval: 1s }
churn: { drop_every: 20s, backoff: { initial: 100ms, max: 2s }, change_address: 10% }
`);

/** RSS in bytes of a pid and of those of its descendants whose command is stickler's worker. */
function sticklerRss(pid: number): number {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      commands.set(Number(entry), fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
    } catch {
      // gone
    }
  }
  const rss = (id: number) => {
    try {
      return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${id}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  let total = rss(pid);
  for (const child of children.get(pid) ?? []) if (commands.get(child)?.includes('engine/worker.js')) total += rss(child);
  return total;
}

function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

const child = spawn(process.execPath, [path.join(root, 'bin/stickler.js'), 'run', scenario, '--out', path.join(dir, 'out'), '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
const started = Date.now();
const samples: [number, number][] = [];
const sampler = setInterval(() => samples.push([(Date.now() - started) / 1000, sticklerRss(child.pid!)]), 1000);
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
clearInterval(sampler);

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
