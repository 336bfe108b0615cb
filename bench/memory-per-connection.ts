/**
 * Memory per open connection: N idle WebSockets (a ping every 30 s, no messages) held open through
 * one nginx (round robin) to reference backends, by stickler (`stickler run FILE --url`, its own
 * processes only: the coordinator and its load workers) and by the lean `ws` loop
 * (bench/lean-ws-loop.ts in its idle mode; one process per 10,000 connections, since a process may
 * open at most as many files as the machine allows). The figure is the summed RSS while every
 * connection is open (the median of the samples in the hold, after the ramp), over the connections
 * open. Targets (issue 30): stickler <= 6 KB per connection at 100,000, <= 1.2x the loop at 5,000.
 * Beside it: the program's resident set (the distinct physical pages of its processes, read from
 * /proc/PID/pagemap as root: the node binary's code, about 44 MB that every Node process maps, counted
 * once rather than once a process as the summed RSS counts it), PSS (those pages split among every
 * process that maps them, the reference backends' too), and for the largest count the same processes
 * holding 100 connections: the floor a run of that size pays before its first connection. The lean
 * loop's processes are watched as one program in the same way.
 *
 * Below 100,000 each count runs `rounds` times (3 unless told), the two programs alternating, and
 * the row is the median round: where V8's next mark-compact falls after the ramp moves one run's
 * RSS by 10 MB at 5,000. A run that measures some counts only rewrites those rows of
 * bench/memory-results.json; each row keeps the date it was measured.
 *
 *   node dist/bench/memory-per-connection.js                     # stickler at 5k, 20k, 100k; the loop at 5k, 20k
 *   node dist/bench/memory-per-connection.js 5000,20000 5000 3   # stickler counts, loop counts, rounds
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, startBenchStack } from './bench-stack.js';
import { watchProcesses, watchTree } from './process-tree.js';
import { machineSnapshot, type MachineSnapshot } from './machine-snapshot.js';
import type { Held } from './memory-row.js';

const counts = (process.argv[2] ?? '5000,20000,100000').split(',').map(Number);
const leanCounts = (process.argv[3] ?? '5000,20000').split(',').filter(Boolean).map(Number);
const rounds = Number(process.argv[4] ?? 3);
const roundsFor = (count: number) => (count < 100_000 ? rounds : 1);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
/** Every connection open this long; a minute from 200,000 on (issue 44: "every one held for a minute"). */
const holdMsFor = (count: number) => (count >= 200_000 ? 60_000 : 20_000);
const LEAN_PER_PROCESS = 10_000;
/**
 * 1,000 connections a second, at least 5 s; 800 a second from 200,000 on, where this 2-core machine's CPU (stickler's
 * 12 workers, nginx's 26, 16 backends and the kernel's connects) tops out at about 750 handshakes a second.
 */
const rampMsFor = (count: number) => (count >= 200_000 ? count * 1.25 : Math.max(5000, count));
/** Pings every 30 s keep idle connections honest; from 200,000 on they are 6,700 a second through nginx: none. */
const pingFor = (count: number) => (count >= 200_000 ? '0s' : '30s');

type Sample = [number, number, number, number, number];

/** The run: the ramp, as long again for handshakes that lag on a busy machine (100,000 on 2 cores), then the hold. */
const runMsFor = (count: number) => Math.round(rampMsFor(count) * (count > 20_000 ? 1.5 : 1)) + holdMsFor(count);

interface Memory {
  rss: number;
  pss: number;
  /** 0 where not measured. */
  resident: number;
}

/** Median of the tree's RSS, PSS and resident set over the hold: from its start + 3 s to 3 s before the close. */
function heldMemory(samples: Sample[], count: number): Memory {
  const to = runMsFor(count) / 1000 - 3;
  const from = to - holdMsFor(count) / 1000 + 6;
  const inHold = samples.filter(([t]) => t >= from && t <= to);
  const resident = inHold.map(([, , , , bytes]) => bytes).filter((bytes) => bytes > 0);
  return {
    rss: median(inHold.map(([, rss]) => rss)),
    pss: median(inHold.map(([, , , pss]) => pss)),
    resident: resident.length ? median(resident) : 0,
  };
}

/** The least a Node process holds (its binary's pages, a heap): 12 idle workers held 56 MB each. */
const MIN_PROCESS_RSS_MB = 30;
const mb = (bytes: number) => Math.round(bytes / 2 ** 17) / 8;
const kbEach = (bytes: number, connections: number) => Math.round((bytes / 1024 / connections) * 100) / 100;

function held(connections: number, memory: Memory, peak: number, processes: number): Held {
  const row: Held = {
    connections,
    rssMb: mb(memory.rss),
    peakRssMb: mb(peak),
    kbPerConnection: kbEach(memory.rss, connections),
    pssMb: mb(memory.pss),
    kbPssPerConnection: kbEach(memory.pss, connections),
    processes,
  };
  if (memory.resident > 0)
    Object.assign(row, {
      residentMb: mb(memory.resident),
      kbResidentPerConnection: kbEach(memory.resident, connections),
    });
  return row;
}

/** `workers`: that many load workers (--workers) whatever the count, for the floor of a larger run. */
async function runStickler(url: string, count: number, dir: string, workers?: number): Promise<Held> {
  const rampMs = rampMsFor(count);
  const scenario = path.join(dir, `idle-${count}.yaml`);
  fs.writeFileSync(
    scenario,
    `name: idle-${count}
target: { url: "${url}" }
clients: { count: ${count}, ramp: ${rampMs}ms, connect_concurrency: 512, addresses: { pool: 127.100.0.0/14 } }
duration: ${runMsFor(count)}ms
traffic: { interval: 0s, ping: ${pingFor(count)} }
`,
  );
  const forced = workers === undefined ? [] : ['--workers', String(workers)];
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin/stickler.js'),
      'run',
      scenario,
      '--out',
      path.join(dir, `out-${count}-${Date.now()}`),
      '--quiet',
      '--json',
      ...forced,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const watch = watchTree(child.pid!, 500, (cmdline) => cmdline.includes('bundle/worker.js'), {
    pss: true,
    resident: true,
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  let machine: MachineSnapshot | undefined;
  const snapshot = setTimeout(() => (machine = machineSnapshot()), runMsFor(count) - holdMsFor(count) / 2);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(snapshot);
  const { samples, peakRssBytes } = watch.stop();
  if (!stdout.trim()) throw new Error(`stickler at ${count}: exit ${code}, no summary; its last words:\n${stderr}`);
  const summary = JSON.parse(stdout) as {
    connections: { opened: number; failed: number; peak_open: number; failed_by_reason: Record<string, number> };
    workers: number;
  };
  const { failed, peak_open: peak, failed_by_reason: failedByReason } = summary.connections;
  // Short of the count: the row says by how many and why (the machine's limit), rather than no row.
  if (failed > 0 || peak < count)
    process.stderr.write(`stickler at ${count}: exit ${code}, ${JSON.stringify(summary.connections)}\n`);
  const row = held(peak, heldMemory(samples, count), peakRssBytes, summary.workers + 1);
  return {
    ...row,
    rampS: rampMsFor(count) / 1000,
    holdS: holdMsFor(count) / 1000,
    pingS: Number.parseInt(pingFor(count), 10),
    ...(peak < count ? { asked: count } : {}),
    ...(failed > 0 ? { failed, failedByReason } : {}),
    ...(machine ? { machine } : {}),
  };
}

async function runLean(url: string, count: number): Promise<Held> {
  const rampMs = rampMsFor(count);
  const processes = Math.ceil(count / LEAN_PER_PROCESS);
  const live = new Set<number>();
  // The loop's processes are one program, watched as one (their shared pages counted once, as stickler's are).
  const watch = watchProcesses(() => [...live], 500, { pss: true, resident: true });
  const runs = Array.from({ length: processes }, (_, k) => {
    const share = Math.floor(count / processes) + (k < count % processes ? 1 : 0);
    const child = spawn(
      process.execPath,
      [
        path.join(here, 'lean-ws-loop.js'),
        url,
        String(share),
        String(rampMs),
        'idle',
        String(holdMsFor(count)),
        `127.101.0.${k + 1}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    live.add(child.pid!);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    return new Promise<{ opened: number; failed: number }>((resolve) =>
      child.on('exit', () => {
        live.delete(child.pid!);
        resolve(JSON.parse(stdout) as { opened: number; failed: number });
      }),
    );
  });
  const results = await Promise.all(runs);
  const { samples, peakRssBytes } = watch.stop();
  const opened = results.reduce((sum, r) => sum + r.opened, 0);
  if (opened < count) throw new Error(`lean loop at ${count}: ${opened} opened`);
  return held(opened, heldMemory(samples, count), peakRssBytes, processes);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-memory-'));
const largest = Math.max(...counts, ...leanCounts);
const stack = await startBenchStack(largest, dir, 'nginx-round-robin', Math.max(3, Math.ceil(largest / 12_500)));
const url = stack.urls[0];
const stickler: Held[] = [];
const lean: Held[] = [];
/** The round whose RSS is the median. */
const medianRound = (held: Held[]): Held => [...held].sort((a, b) => a.rssMb - b.rssMb)[Math.floor(held.length / 2)];
try {
  for (const count of [...new Set([...counts, ...leanCounts])].sort((a, b) => a - b)) {
    const leanRounds: Held[] = [];
    const sticklerRounds: Held[] = [];
    for (let round = 0; round < roundsFor(count); round++) {
      // Alternate which runs first.
      const order = round % 2 === 0 ? ['lean', 'stickler'] : ['stickler', 'lean'];
      for (const program of order) {
        if (program === 'lean' && leanCounts.includes(count)) leanRounds.push(await runLean(url, count));
        if (program === 'stickler' && counts.includes(count)) sticklerRounds.push(await runStickler(url, count, dir));
      }
      process.stderr.write(
        `${count} round ${round + 1}: lean ${JSON.stringify(leanRounds.at(-1) ?? null)} stickler ${JSON.stringify(sticklerRounds.at(-1) ?? null)}\n`,
      );
    }
    const date = new Date().toISOString();
    if (leanRounds.length) lean.push({ date, rounds: leanRounds.length, ...medianRound(leanRounds) });
    if (sticklerRounds.length) {
      const row: Held = { date, rounds: sticklerRounds.length, ...medianRound(sticklerRounds) };
      // The largest count, on more than one process: what those processes hold with 100 connections between them.
      if (count === Math.max(...counts) && row.processes > 1) {
        // A floor that fails (the machine still closing the large run's sockets) costs the row only its floor.
        const floor = await runStickler(url, 100, dir, row.processes - 1).catch((error: Error) => {
          process.stderr.write(`${count}: the floor run failed: ${error.message}\n`);
          return null;
        });
        // Every Node process holds more than this before its first connection: a floor below it missed processes.
        if (floor && floor.rssMb < row.processes * MIN_PROCESS_RSS_MB)
          process.stderr.write(
            `${count}: the floor run measured ${floor.rssMb} MB for ${row.processes} processes: not kept\n`,
          );
        else if (floor) {
          row.fixedRssMb = floor.rssMb;
          row.kbPerConnectionAboveFixed =
            Math.round((((row.rssMb - floor.rssMb) * 1024) / row.connections) * 100) / 100;
          process.stderr.write(
            `${count}: the same ${row.processes} processes with 100 connections: ${floor.rssMb} MB\n`,
          );
        }
      }
      stickler.push(row);
    }
  }
} finally {
  await stack.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
// Rows this run did not measure stay as they were, with their own dates.
const resultsFile = path.join(root, 'bench/memory-results.json');
const earlier = (fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : {}) as {
  date?: string;
  stickler?: Held[];
  lean?: Held[];
};
const merged = (measured: Held[], before: Held[] = []) =>
  [
    ...measured,
    ...before
      .filter((row) => !measured.some((m) => (m.asked ?? m.connections) === (row.asked ?? row.connections)))
      .map((row) => ({ date: earlier.date, ...row })),
  ].sort((a, b) => a.connections - b.connections);
const sticklerRows = merged(stickler, earlier.stickler);
const leanRows = merged(lean, earlier.lean);
const ratios = Object.fromEntries(
  leanRows.flatMap((loop) => {
    const ours = sticklerRows.find((h) => h.connections === loop.connections);
    return ours ? [[String(loop.connections), Math.round((ours.rssMb / loop.rssMb) * 100) / 100]] : [];
  }),
);
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, node ${process.version}`,
  work: `idle connections (a ping every 30 s) held 20 s (60 s from 200,000) through nginx round robin; RSS and PSS summed over the program's processes, and the program's resident set (its distinct physical pages, each counted once: residentMb), median of the hold; each row the median of its rounds; the largest stickler row also holds the RSS of its processes with 100 connections (fixedRssMb)`,
  stickler: sticklerRows,
  lean: leanRows,
  ratio_to_lean: ratios,
  targets: { kb_per_connection_at_100000: 6, ratio_to_lean_at_5000: 1.2 },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
fs.writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
