import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * The machine's limits, read at start (never assumed), and the sizing of proxies and load workers
 * as pure functions of them, so that they can be tested with any machine's numbers.
 */
export interface MachineLimits {
  /** RLIMIT_NOFILE of this process: soft (in force) and hard (the most a process may raise it to). */
  filesSoft: number;
  filesHard: number;
  /** The ephemeral port range: one port per connection from one source address to one destination. */
  ports: { low: number; high: number; count: number };
}

/** Descriptors a proxy process keeps for itself (listeners, logs, health checks, admin socket). */
const PROXY_RESERVED_FILES = 200;
/** Descriptors a load worker keeps for itself (IPC, the event loop, logs). */
const WORKER_RESERVED_FILES = 100;
/** Past this many nginx workers for one run, the machine's file limit is too small to be worth it. */
const MAX_NGINX_WORKERS = 64;
const UNLIMITED = 1 << 30;

/** Most proxied WebSocket connections one proxy process holds with `files` descriptors: each costs two. */
export function proxiedPerProcess(files: number): number {
  return Math.max(0, Math.floor((files - PROXY_RESERVED_FILES) / 2));
}

/** Most client sockets one load worker holds with `files` descriptors. */
export function socketsPerWorker(files: number): number {
  return Math.max(50, Math.floor(files * 0.9) - WORKER_RESERVED_FILES);
}

export interface NginxSizing {
  workerProcesses: number;
  workerConnections: number;
  rlimitNofile: number;
}

/**
 * nginx: enough workers that each holds its share of proxied connections within the file limit; undefined past reason.
 */
export function sizeNginx(clients: number, cores: number, files: number): NginxSizing | undefined {
  const perWorker = Math.floor(proxiedPerProcess(files) * 0.8); // reuseport spreads by hash, not exactly evenly
  if (perWorker < 1) return undefined;
  const workerProcesses = Math.max(cores, Math.ceil(clients / perWorker));
  if (workerProcesses > MAX_NGINX_WORKERS) return undefined;
  return { workerProcesses, workerConnections: files - PROXY_RESERVED_FILES, rlimitNofile: files };
}

/**
 * HAProxy: one process, threads for the cores it can use; undefined when the clients need more
 * connections than one process's file limit holds.
 */
export function sizeHaproxy(
  clients: number,
  files: number,
  cores = 1,
): { maxconn: number; nbthread: number } | undefined {
  if (clients > proxiedPerProcess(files) - 100) return undefined;
  // A thread carries a few thousand busy WebSockets; more threads than that only contend.
  const nbthread = Math.max(1, Math.min(cores, Math.ceil(clients / 3000)));
  return { maxconn: Math.max(256, clients + 100), nbthread };
}

/** Messages a second one load process carries with room to spare (a bare loop costs ~30 µs an echo). */
const MESSAGES_PER_PROCESS = 12_000;
/** A TCP connect plus WebSocket upgrade costs about as much as this many messages. */
const HANDSHAKE_COST_IN_MESSAGES = 10;

export interface LoadShape {
  clients: number;
  messagesPerSecond: number;
  handshakesPerSecond: number;
  /** The busiest persona's messages a second, as if every client were one of it (default: messagesPerSecond). */
  peakMessagesPerSecond?: number;
  /** A protocol module (the user's code, which may need V8's compilers: WebAssembly) runs in the workers. */
  userCode?: boolean;
}

/** A load's CPU work, in messages a second (a handshake counts as several). */
const workOf = (load: LoadShape) => load.messagesPerSecond + HANDSHAKE_COST_IN_MESSAGES * load.handshakesPerSecond;

/**
 * Load worker processes for a load: 0 when one process carries it all (the clients then run inside
 * the coordinator, with no second runtime to pay for), else enough for the CPU work (at most one a
 * core) and for the sockets (one process's file limit).
 */
export function workerCount(load: LoadShape, cores: number, files: number): number {
  const forFiles = Math.ceil(load.clients / socketsPerWorker(files));
  const forCpu = Math.min(cores, Math.ceil(workOf(load) / MESSAGES_PER_PROCESS));
  const needed = Math.max(1, forFiles, forCpu);
  return needed === 1 ? 0 : needed;
}

/**
 * Node flags for a quiet load worker: a 2 MB young generation, V8's heap growth for small devices, one V8 helper
 * thread.
 */
export const QUIET_WORKER_FLAGS = ['--optimize-for-size', '--max-semi-space-size=2', '--v8-pool-size=1'] as const;

/**
 * Node flags for the load worker processes of a load. Workers forked for their sockets (one
 * process's file limit) rather than for CPU hold many quiet connections: there a young generation
 * of 2 MB (the default grows to 16 MB, twice) and the heap growth V8 uses on small devices take
 * about a quarter off each worker's memory (20,000 idle connections in two workers: 426 -> 305 MB),
 * for about 5% more CPU over a whole run; one V8 helper thread instead of four (fewer malloc arenas)
 * about 7 MB more a process. Workers carrying more than half a process's share of messages keep the
 * defaults.
 */
export function workerHeapFlags(load: LoadShape, workers: number): string[] {
  const processes = Math.max(1, workers);
  if (workOf(load) / processes > MESSAGES_PER_PROCESS / 2) return [];
  const messages = (load.peakMessagesPerSecond ?? load.messagesPerSecond) / processes;
  return messages <= INTERPRETED_MESSAGES_PER_PROCESS && !load.userCode
    ? [...IDLE_WORKER_FLAGS]
    : [...QUIET_WORKER_FLAGS];
}

/**
 * Messages a second a worker may carry with no compiler: a message costs about half again as much interpreted
 * (5,000 a second: 54 -> 82 µs), a handshake about the same (5,000 idle connections: 3.9 -> 4.3 s of CPU).
 */
const INTERPRETED_MESSAGES_PER_PROCESS = MESSAGES_PER_PROCESS / 20;

/**
 * Flags for a worker that mostly holds idle connections: the quiet ones, and V8's interpreter alone (`--jitless`),
 * whose compiled code and compilers' memory were about 5 MB a worker (40,000 idle connections in three workers: PSS
 * 247 -> 232 MB). No WebAssembly then, so never where a protocol module runs.
 */
export const IDLE_WORKER_FLAGS = [...QUIET_WORKER_FLAGS, '--jitless'] as const;

/** Reads the limits in force (Linux /proc; elsewhere `ulimit` through the shell). */
export function readMachineLimits(): MachineLimits {
  let filesSoft = UNLIMITED;
  let filesHard = UNLIMITED;
  try {
    const match = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(
      fs.readFileSync('/proc/self/limits', 'utf8'),
    );
    if (match) {
      filesSoft = match[1] === 'unlimited' ? UNLIMITED : Number(match[1]);
      filesHard = match[2] === 'unlimited' ? UNLIMITED : Number(match[2]);
    }
  } catch {
    const soft =
      spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout?.trim().split('\n') ?? [];
    filesSoft = soft[0] === 'unlimited' ? UNLIMITED : Number(soft[0]) || 1024;
    filesHard = soft[1] === 'unlimited' ? UNLIMITED : Number(soft[1]) || filesSoft;
  }
  let low = 32768;
  let high = 60999;
  try {
    [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    // not Linux: the common default
  }
  return { filesSoft, filesHard, ports: { low, high, count: high - low + 1 } };
}

let cached: MachineLimits | null = null;

/**
 * The limits for this run, after raising the soft file limit to the hard one where that is
 * allowed (with util-linux `prlimit`, since Node has no setrlimit): the load workers forked later
 * inherit it. Read once per process.
 */
export function machineLimits(): MachineLimits {
  if (cached) return cached;
  const read = readMachineLimits();
  if (read.filesSoft < read.filesHard && read.filesHard < UNLIMITED) {
    spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${read.filesHard}:${read.filesHard}`], {
      stdio: 'ignore',
    });
    cached = readMachineLimits();
  } else cached = read;
  return cached;
}
