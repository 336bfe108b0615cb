import fs from 'node:fs';

/** CPU time and resident memory of process trees, read from /proc (Linux), for the benchmarks. */

const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The pid and its descendants; `keep` filters descendants by command line (the root is always kept). */
export function treeOf(root: number, keep: (cmdline: string) => boolean = () => true): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    for (const child of children.get(pids[i]) ?? []) {
      let cmdline: string;
      try {
        cmdline = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        continue;
      }
      if (keep(cmdline)) pids.push(child);
    }
  }
  return pids;
}

/** CPU of this process's children that have exited and been waited for (with theirs), in seconds. */
export function waitedChildrenCpuSeconds(): number {
  const fields = statFields(process.pid)!;
  // fields[13] cutime, fields[14] cstime (fields 16 and 17 of stat)
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/** Summed resident memory (bytes) and CPU used so far (user + system seconds) of live processes. */
export function usageOf(pids: number[]): { rss: number; cpuSeconds: number } {
  let rss = 0;
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (!fields) continue;
    // fields[11] utime, fields[12] stime, fields[21] rss pages (fields 14, 15 and 24 of stat)
    ticks += Number(fields[11]) + Number(fields[12]);
    rss += Number(fields[21]) * 4096;
  }
  return { rss, cpuSeconds: ticks / TICKS_PER_SECOND };
}

/**
 * A process's proportional set size (bytes): its private pages plus its share of the pages it
 * shares (the node binary's code, mapped by every Node process), so a tree's sum counts them once.
 */
function pssOf(pid: number): number {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Summed PSS (bytes) of live processes. */
export const pssOfAll = (pids: number[]): number => pids.reduce((sum, pid) => sum + pssOf(pid), 0);

const PAGE = 4096;
const PRESENT = 1n << 63n;
const PFN_MASK = (1n << 55n) - 1n;

/** The ranges of a process's mappings that have pages resident (from smaps: the rest need no look-up). */
function residentRanges(pid: number): [number, number][] {
  const ranges: [number, number][] = [];
  let range: [number, number] | null = null;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (mapping) range = [parseInt(mapping[1], 16), parseInt(mapping[2], 16)];
    else if (range && line.startsWith('Rss:') && !/^Rss:\s+0 kB/.test(line)) ranges.push(range);
  }
  return ranges;
}

/**
 * The resident set of a process tree taken as one program: the distinct physical pages its
 * processes map (from /proc/PID/pagemap), in bytes. A summed RSS counts a page that several of them
 * share (the node binary's code, about 44 MB a Node process) once per process; this counts it once,
 * which is what the program holds in memory. PSS splits such a page among every process that maps
 * it, other programs' included (the reference backends are Node processes too), so it counts less.
 * Needs root (page frame numbers are hidden from others): null when they read as 0.
 */
export function residentBytes(pids: number[]): number | null {
  const frames = new Set<bigint>();
  let unreadable = false;
  for (const pid of pids) {
    let fd = -1;
    try {
      const ranges = residentRanges(pid);
      fd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
      for (const [start, end] of ranges) {
        const entries = new BigUint64Array((end - start) / PAGE);
        fs.readSync(fd, entries, 0, entries.byteLength, (start / PAGE) * 8);
        for (const entry of entries) {
          if (!(entry & PRESENT)) continue;
          const frame = entry & PFN_MASK;
          if (frame === 0n) unreadable = true;
          else frames.add(frame);
        }
      }
    } catch {
      // the process ended between the listing and the read
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }
  return unreadable ? null : frames.size * PAGE;
}

/**
 * Samples a process tree's summed RSS and CPU every `everyMs`; stop() gives the peak RSS and the
 * samples ([seconds since start, rss bytes, cpu seconds, pss bytes or 0, resident bytes or 0]). `pss`
 * reads smaps_rollup too (a walk of the page tables: only where it is wanted); `resident` the
 * program's distinct pages (residentBytes: smaps and pagemap, so every `residentEvery`th sample).
 */
export function watchTree(
  root: number,
  everyMs = 200,
  keep?: (cmdline: string) => boolean,
  options: WatchOptions = {},
) {
  return watchProcesses(() => treeOf(root, keep), everyMs, options);
}

interface WatchOptions {
  pss?: boolean;
  resident?: boolean;
  residentEvery?: number;
}

/** watchTree for any set of processes taken as one program (`pidsNow` is asked again at every sample). */
export function watchProcesses(pidsNow: () => number[], everyMs = 200, options: WatchOptions = {}) {
  let peakRss = 0;
  const samples: [number, number, number, number, number][] = [];
  const started = Date.now();
  const timer = setInterval(() => {
    const pids = pidsNow();
    const { rss, cpuSeconds } = usageOf(pids);
    peakRss = Math.max(peakRss, rss);
    const resident =
      options.resident && samples.length % (options.residentEvery ?? 4) === 0 ? (residentBytes(pids) ?? 0) : 0;
    samples.push([(Date.now() - started) / 1000, rss, cpuSeconds, options.pss ? pssOfAll(pids) : 0, resident]);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakRssBytes: peakRss, samples };
    },
  };
}
