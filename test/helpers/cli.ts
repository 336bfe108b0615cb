import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../src/metrics/summary-types.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin/stickler.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `stickler` command in a child process. */
export function startCli(args: string[], cwd = ROOT): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], cwd = ROOT): Promise<CliResult> {
  return startCli(args, cwd).done;
}

export function tempDir(prefix = 'stickler-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a scenario into a fresh folder and returns its path. */
export function writeScenario(yaml: string, dir = tempDir()): string {
  const file = path.join(dir, 'scenario.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

/** Runs a scenario and returns its summary (asserting that one was written). */
export async function runScenario(
  yaml: string,
  extraArgs: string[] = [],
): Promise<{ result: CliResult; summary: Summary; outDir: string }> {
  const dir = tempDir();
  const file = writeScenario(yaml, dir);
  const outDir = path.join(dir, 'out');
  const result = await runCli(['run', file, '--out', outDir, '--quiet', ...extraArgs]);
  const summaryFile = path.join(outDir, 'summary.json');
  if (!fs.existsSync(summaryFile))
    throw new Error(`no summary written (exit ${result.code}):\n${result.stderr}\n${result.stdout}`);
  return { result, summary: JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary, outDir };
}

/** Processes stickler may have started that are still alive (backends, proxies, workers), by command line. */
/**
 * Every process a test file starts carries the file's pid in its environment (set here, inherited by
 * stickler, its workers, backends, proxies and watchdogs), so that a check for leftovers sees the
 * processes of its own file only: the suite runs test files two at a time.
 */
const OWNER = `STICKLER_TEST_OWNER=${process.pid}`;
process.env.STICKLER_TEST_OWNER = String(process.pid);

/**
 * Another file's processes carry its tag. A process that rewrote its title over its environment (nginx,
 * redis-server) carries none and counts as this file's: the markers for those are this file's own folders and ports.
 */
function startedByAnotherFile(pid: string): boolean {
  try {
    const tags = fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter((entry) => entry.startsWith('STICKLER_TEST_OWNER='));
    return tags.length > 0 && !tags.includes(OWNER);
  } catch {
    return false;
  }
}

/** The processes of this test file whose command line holds `marker`. */
export function strayProcesses(marker: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(marker) && !startedByAnotherFile(pid)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Runs `stickler run` on a scenario written into a fresh folder (from there, with the default names), and reads its summary. */
export async function runScenarioText(
  yaml: string,
  args: string[] = [],
): Promise<CliResult & { summary: Summary; dir: string }> {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), yaml);
  const result = await runCli(['run', 'scenario.yaml', '--out', 'out', '--quiet', ...args], dir);
  const file = path.join(dir, 'out', 'summary.json');
  if (!fs.existsSync(file)) throw new Error(`no summary (exit ${result.code}):\n${result.stderr}`);
  return { ...result, dir, summary: JSON.parse(fs.readFileSync(file, 'utf8')) as Summary };
}
