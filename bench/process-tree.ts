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
      let cmdline = '';
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

/** Summed resident memory (bytes) and CPU used so far (user + system seconds) of a live process tree. */
export function treeUsage(root: number, keep?: (cmdline: string) => boolean): { rss: number; cpuSeconds: number } {
  let rss = 0;
  let ticks = 0;
  for (const pid of treeOf(root, keep)) {
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

/** Summed PSS (bytes) of a live process tree. */
export function treePss(root: number, keep?: (cmdline: string) => boolean): number {
  return treeOf(root, keep).reduce((sum, pid) => sum + pssOf(pid), 0);
}

/**
 * Samples a process tree's summed RSS and CPU every `everyMs`; stop() gives the peak RSS and the
 * samples ([seconds since start, rss bytes, cpu seconds, pss bytes or 0]). `pss` reads smaps_rollup
 * too (a walk of the page tables: only where it is wanted).
 */
export function watchTree(root: number, everyMs = 200, keep?: (cmdline: string) => boolean, options: { pss?: boolean } = {}) {
  let peakRss = 0;
  const samples: [number, number, number, number][] = [];
  const started = Date.now();
  const timer = setInterval(() => {
    const { rss, cpuSeconds } = treeUsage(root, keep);
    peakRss = Math.max(peakRss, rss);
    samples.push([(Date.now() - started) / 1000, rss, cpuSeconds, options.pss ? treePss(root, keep) : 0]);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakRssBytes: peakRss, samples };
    },
  };
}
