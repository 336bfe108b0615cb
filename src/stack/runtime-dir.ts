import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A short private folder per run under the system temp dir, for two things that cannot live in the
 * run's report folder: Unix sockets (a socket path is limited to ~107 bytes, and HAProxy reads a
 * path that does not start with `/` as an address) and the records of the process groups the run
 * started, so that the next run can kill what a run that died (SIGKILL) left behind.
 */
export interface RuntimeDir {
  readonly path: string;
  /** Notes a process group this run leads, for cleanup should the run die without stopping it. */
  recordGroup(pgid: number, label: string): void;
  /**
   * Notes a shell command that undoes a change this run made to the machine (an IPv6 route), for the next run to run
   * should this one die.
   */
  recordUndo(command: string): void;
  /** Removes the folder (the run's processes are gone by then). */
  remove(): void;
}

const OWNER_FILE = 'owner';
const GROUPS_FILE = 'groups';
const UNDO_FILE = 'undo';

/** The per-user parent of all run folders: /tmp/stickler-<uid>. */
export function runtimeBase(tmp = os.tmpdir()): string {
  return path.join(tmp, `stickler-${process.getuid?.() ?? 'user'}`);
}

/** Creates this run's folder, after cleaning up after runs that died. */
export function createRuntimeDir(base = runtimeBase()): RuntimeDir {
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  reapDeadRuns(base);
  const dir = fs.mkdtempSync(path.join(base, 'run-'));
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`);
  return {
    path: dir,
    recordGroup(pgid, label) {
      fs.appendFileSync(path.join(dir, GROUPS_FILE), `${pgid} ${startTimeOf(pgid) ?? ''} ${label}\n`);
    },
    recordUndo(command) {
      fs.appendFileSync(path.join(dir, UNDO_FILE), `${command}\n`);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Kills the process groups that runs whose owner is gone left behind, and removes their folders.
 * A group is only killed while its leader is the very process recorded (same start time), never a
 * process that reused the pid. Returns what it killed, for the log.
 */
export function reapDeadRuns(base = runtimeBase()): string[] {
  const killed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(base).filter((name) => name.startsWith('run-'));
  } catch {
    return killed;
  }
  for (const name of entries) {
    const dir = path.join(base, name);
    const owner = readRecord(path.join(dir, OWNER_FILE))[0];
    if (!owner || isSameProcessAlive(owner.pid, owner.startTime)) continue;
    for (const group of readRecord(path.join(dir, GROUPS_FILE))) {
      if (!isSameProcessAlive(group.pid, group.startTime)) continue;
      try {
        process.kill(-group.pid, 'SIGKILL');
        killed.push(`${group.label} (process group ${group.pid})`);
      } catch {
        // gone meanwhile
      }
    }
    for (const command of readLines(path.join(dir, UNDO_FILE))) {
      spawnSync('/bin/sh', ['-c', command], { stdio: 'ignore', timeout: 5000 });
      killed.push(`undone: ${command}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return killed;
}

interface ProcessRecord {
  pid: number;
  startTime: string;
  label: string;
}

function readLines(file: string): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim());
  } catch {
    return [];
  }
}

function readRecord(file: string): ProcessRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [pid, startTime = '', ...label] = line.trim().split(' ');
      return { pid: Number(pid), startTime, label: label.join(' ') };
    })
    .filter((record) => Number.isInteger(record.pid) && record.pid > 1);
}

function isSameProcessAlive(pid: number, startTime: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const now = startTimeOf(pid);
  return !startTime || !now || now === startTime;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot): tells a process from one that reused its pid. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
