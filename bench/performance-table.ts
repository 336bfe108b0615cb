/**
 * The README's performance section, made from bench/results.json and bench/memory-results.json so that it cannot go
 * stale: `npm run docs:performance` writes it between the markers, and a unit test fails when the README and the
 * files disagree. The history (what was tried, older figures) is docs/performance.md's.
 *
 *   npm run build && node dist/bench/performance-table.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachineSnapshot } from './machine-snapshot.js';
import type { Held } from './memory-row.js';

export const START = '<!-- performance-table: generated from bench/*.json by npm run docs:performance -->';
export const END = '<!-- performance-table: end -->';

interface FeatureRow {
  cpu_us_per_message: number;
  cpu_ratio: number;
  peak_rss_mb: number;
  rss_ratio: number;
  /** The Socket.IO rows: their own yardstick (a socket.io-client loop doing their work, run as their neighbour). */
  yardstick?: { cpu_us_per_message: number; paired_ratio: number; rss_ratio: number };
}

/** What a feature row costs against its own yardstick, where it has one. */
const againstYardstick = (row: FeatureRow) =>
  row.yardstick
    ? `; against a socket.io-client loop (${us(row.yardstick.cpu_us_per_message)}): ` +
      `${x(row.yardstick.paired_ratio)} CPU, ${x(row.yardstick.rss_ratio)} RSS`
    : '';

/** The headline rows' figures; `paired_ratio` (the median of each round's own ratio) from 2026-12-07 on. */
interface PairedFigures {
  bare: number;
  stickler: number;
  paired_ratio?: number;
  pairs?: number[];
}

/** The ratio of the pairs where the file has it (neighbours drift less than rounds apart), else of the medians. */
const headline = (f: PairedFigures) =>
  f.paired_ratio === undefined ? x(f.stickler / f.bare) : `${x(f.paired_ratio)} (median of ${f.pairs!.length} pairs)`;

interface CpuResults {
  date: string;
  machine: string;
  work: string;
  rounds: number;
  cpu_us_per_echo: PairedFigures & { lean: number; ratio: number; ratio_to_bare: number };
  cpu_steady: { us_per_echo: PairedFigures & { lean: number; ratio: number; ratio_to_bare?: number } };
  peak_rss_mb: { lean: number; bare: number; stickler: number; ratio_to_bare?: number };
  features?: { target_cpu_ratio: number; target_rss_ratio: number; rows: Record<string, FeatureRow> };
}

/** A row as the results file holds it: every row has its date and rounds there. */
type MemoryRow = Held & { date: string; rounds: number };

/** How a memory row's connections came and stayed, where the row says. */
function shapeNote(row: MemoryRow): string {
  if (row.rampS === undefined) return '';
  const pings = row.pingS ? `a ping every ${row.pingS} s` : 'no pings';
  return `; a ${row.rampS} s ramp, every one held ${row.holdS} s, ${pings}`;
}

interface MemoryResults {
  machine: string;
  stickler: MemoryRow[];
  lean: MemoryRow[];
}

const day = (iso: string) => iso.slice(0, 10);
const x = (ratio: number) => `${ratio.toFixed(2)}x`;
const us = (value: number) => `${value.toFixed(1)} µs`;
const count = (n: number) => n.toLocaleString('en-US');

const BENCH = '`npm run bench`';
/** Below 100,000 a count runs 3 rounds beside the lean loop; from 100,000 on stickler alone, once. */
const memoryCommand = (connections: number) =>
  connections < 100_000
    ? `\`node dist/bench/memory-per-connection.js ${connections} ${connections} 3\``
    : `\`node dist/bench/memory-per-connection.js ${connections} '' 1\``;

function cpuRows(cpu: CpuResults): string[] {
  const c = cpu.cpu_us_per_echo;
  const steady = cpu.cpu_steady.us_per_echo;
  const rss = cpu.peak_rss_mb;
  const when = `${day(cpu.date)}, median of ${cpu.rounds}`;
  const pairsWhen = `${day(cpu.date)}, median of ${c.pairs?.length ?? cpu.rounds}`;
  const rows = [
    `| CPU per echo, whole program | ${us(c.bare)} | ${us(c.stickler)} | ${headline(c)} | <= 1.0x | ${pairsWhen} | ${BENCH} |`,
    `| CPU per echo, steady middle | ${us(steady.bare)} | ${us(steady.stickler)} | ` +
      `${headline(steady)} | <= 0.9x | ${pairsWhen} | ${BENCH} |`,
    `| peak RSS, 5,000 connections | ${rss.bare.toFixed(1)} MB | ${rss.stickler.toFixed(1)} MB | ` +
      `${x(rss.ratio_to_bare ?? rss.stickler / rss.bare)} | <= 1.2x | ${when} | ${BENCH} |`,
  ];
  const features = cpu.features;
  for (const [label, row] of Object.entries(features?.rows ?? {}))
    rows.push(
      `| feature: ${label} (CPU per message; peak RSS ${x(row.rss_ratio)}${againstYardstick(row)}) | ` +
        `echo row ${us(c.stickler)} | ` +
        `${us(row.cpu_us_per_message)} | ${x(row.cpu_ratio)} | <= ${features!.target_cpu_ratio.toFixed(1)}x | ${when} | ${BENCH} |`,
    );
  return rows;
}

/** The rest of the machine beside a large row: nginx, the backends, the kernel's TCP sockets. */
function machineNote(machine: MachineSnapshot | undefined): string {
  if (!machine) return '';
  const { nginx, backends, kernel } = machine;
  return (
    `; beside it nginx ${nginx.processes} processes PSS ${nginx.pssMb.toFixed(0)} MB, backends ${backends.processes} ` +
    `PSS ${backends.pssMb.toFixed(0)} MB, kernel ${count(kernel.tcpInUse)} TCP sockets, ${kernel.tcpMemMb} MB buffers`
  );
}

function memoryRows(memory: MemoryResults): string[] {
  return memory.stickler.map((row) => {
    const lean = memory.lean.find((candidate) => candidate.connections === row.connections);
    const failed = row.failed
      ? `, **${count(row.failed)} failed** (${JSON.stringify(row.failedByReason)})`
      : ', 0 failed';
    return (
      `| PSS per open connection, ${count(row.connections)} idle through nginx` +
      `${row.asked ? ` (of ${count(row.asked)} asked)` : ''} | ` +
      `${lean ? `${lean.kbPssPerConnection} KB (lean loop)` : '-'} | ${row.kbPssPerConnection} KB ` +
      `(${row.processes} process${row.processes === 1 ? '' : 'es'}, RSS ${row.kbPerConnection} KB${failed}` +
      `${shapeNote(row)}` +
      `${machineNote(row.machine)}) | ${lean ? x(row.kbPssPerConnection / lean.kbPssPerConnection) : '-'} | ` +
      `${(row.asked ?? row.connections) >= 200_000 ? '<= 5 KB' : '-'} | ${day(row.date)}, ${row.rounds} round${row.rounds === 1 ? '' : 's'} | ` +
      `${memoryCommand(row.asked ?? row.connections)} |`
    );
  });
}

/** The table, as Markdown, from the two result files. */
export function performanceTable(cpu: CpuResults, memory: MemoryResults): string {
  return [
    START,
    '',
    `Machine: ${cpu.machine}. CPU rows: ${cpu.work}, the plain loop (\`../shared/bench/bare-ws.js\`) and ` +
      'stickler in the same run. Memory rows: idle connections held through nginx round robin to reference backends.',
    '',
    '| figure | plain loop | stickler | ratio | target | measured | command |',
    '|---|---|---|---|---|---|---|',
    ...cpuRows(cpu),
    ...memoryRows(memory),
    '',
    END,
  ].join('\n');
}

/** The page with its table made again from the files. */
export function withTable(page: string, table: string): string {
  const from = page.indexOf(START);
  const to = page.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`the page has no ${START} ... ${END} markers`);
  return page.slice(0, from) + table + page.slice(to + END.length);
}

export function readResults(root: string): { cpu: CpuResults; memory: MemoryResults } {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, 'bench', file), 'utf8'));
  return { cpu: read('results.json'), memory: read('memory-results.json') };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const page = path.join(root, 'README.md');
  const { cpu, memory } = readResults(root);
  fs.writeFileSync(page, withTable(fs.readFileSync(page, 'utf8'), performanceTable(cpu, memory)));
  process.stdout.write(`wrote the performance table of ${page}\n`);
}
