/**
 * The current performance table of docs/performance.md, made from bench/results.json and
 * bench/memory-results.json so that it cannot go stale: `npm run docs:performance` writes it between
 * the markers, and a unit test fails when the page and the files disagree.
 *
 *   npm run build && node dist/bench/performance-table.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const START = '<!-- performance-table: generated from bench/*.json by npm run docs:performance -->';
export const END = '<!-- performance-table: end -->';

interface CpuResults {
  date: string;
  machine: string;
  work: string;
  rounds: number;
  cpu_us_per_echo: { lean: number; bare: number; stickler: number; ratio: number; ratio_to_bare: number };
  cpu_steady: { us_per_echo: { lean: number; bare: number; stickler: number; ratio: number } };
  peak_rss_mb?: Record<string, number>;
}

interface MemoryRow {
  date: string;
  rounds: number;
  connections: number;
  rssMb: number;
  kbPerConnection: number;
  pssMb: number;
  kbPssPerConnection: number;
  processes: number;
}

interface MemoryResults {
  machine: string;
  stickler: MemoryRow[];
  lean: MemoryRow[];
}

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const x = (ratio: number) => `${ratio.toFixed(2)}x`;
const us = (value: number) => `${value.toFixed(2)} µs`;

/** The table, as Markdown, from the two result files. */
export function performanceTable(cpu: CpuResults, memory: MemoryResults): string {
  const c = cpu.cpu_us_per_echo;
  const steady = cpu.cpu_steady.us_per_echo;
  const rows = [
    '| figure | bare `ws` loop | lean loop | stickler | stickler / lean | measured |',
    '|---|---|---|---|---|---|',
    `| CPU per echo, whole program | ${us(c.bare)} | ${us(c.lean)} | ${us(c.stickler)} | ${x(c.ratio)} | ` +
      `${day(cpu.date)}, ${cpu.rounds} rounds |`,
    `| CPU per echo, steady middle | ${us(steady.bare)} | ${us(steady.lean)} | ${us(steady.stickler)} | ` +
      `${x(steady.ratio)} | ${day(cpu.date)} |`,
  ];
  for (const row of memory.stickler) {
    const lean = memory.lean.find((candidate) => candidate.connections === row.connections);
    const ratio = lean ? x(row.rssMb / lean.rssMb) : '-';
    rows.push(
      `| RSS at ${row.connections.toLocaleString('en-US')} idle connections (${row.processes} process` +
        `${row.processes === 1 ? '' : 'es'}) | - | ${lean ? `${lean.rssMb.toFixed(1)} MB` : '-'} | ` +
        `${row.rssMb.toFixed(1)} MB (${row.kbPerConnection} KB each; PSS ${row.kbPssPerConnection} KB) | ${ratio} | ` +
        `${day(row.date)}, ${row.rounds} round${row.rounds === 1 ? '' : 's'} |`,
    );
  }
  return [START, '', `${cpu.work}; ${cpu.machine}. Memory: ${memory.machine}.`, '', ...rows, '', END].join('\n');
}

/** The page with its table made again from the files. */
export function withTable(page: string, table: string): string {
  const from = page.indexOf(START);
  const to = page.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`docs/performance.md has no ${START} ... ${END} markers`);
  return page.slice(0, from) + table + page.slice(to + END.length);
}

export function readResults(root: string): { cpu: CpuResults; memory: MemoryResults } {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, 'bench', file), 'utf8'));
  return { cpu: read('results.json'), memory: read('memory-results.json') };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const page = path.join(root, 'docs/performance.md');
  const { cpu, memory } = readResults(root);
  fs.writeFileSync(page, withTable(fs.readFileSync(page, 'utf8'), performanceTable(cpu, memory)));
  process.stdout.write(`wrote the table of ${page}\n`);
}
