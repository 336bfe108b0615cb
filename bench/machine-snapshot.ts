import fs from 'node:fs';
import { pssOfAll, treeOf, usageOf } from './process-tree.js';

/** One program's processes at a moment: how many, their summed RSS and PSS. */
export interface ProcessesMemory {
  processes: number;
  rssMb: number;
  pssMb: number;
}

/**
 * What the rest of the machine holds while a bench's connections are open: the proxy's processes, the reference
 * backends' and the kernel's TCP sockets (/proc/net/sockstat), so the machine's own limit is visible beside the
 * load generator's figure.
 */
export interface MachineSnapshot {
  nginx: ProcessesMemory;
  backends: ProcessesMemory;
  kernel: {
    /** TCP sockets in use (both ends of every loopback connection: client, proxy and backend sides). */
    tcpInUse: number;
    /** Memory the kernel holds for TCP buffers (sockstat's `mem`, in pages). */
    tcpMemMb: number;
    /** tcp_mem's pressure threshold: past it the kernel trims every socket's buffers. */
    tcpMemPressureMb: number;
  };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 17) / 8;
const PAGE = 4096;

function memoryOf(pids: number[]): ProcessesMemory {
  return { processes: pids.length, rssMb: mb(usageOf(pids).rss), pssMb: mb(pssOfAll(pids)) };
}

function cmdlineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The bench's own descendants (the managed stack): nginx's master and workers, the reference backends. */
export function machineSnapshot(): MachineSnapshot {
  const mine = treeOf(process.pid).map((pid) => [pid, cmdlineOf(pid)] as const);
  const nginx = mine.filter(([, cmdline]) => cmdline.startsWith('nginx')).map(([pid]) => pid);
  const backends = mine.filter(([, cmdline]) => cmdline.includes('backend-process')).map(([pid]) => pid);
  const sockstat = fs.readFileSync('/proc/net/sockstat', 'utf8');
  const tcp = /TCP: inuse (\d+) .* mem (\d+)/.exec(sockstat);
  const pressurePages = Number(fs.readFileSync('/proc/sys/net/ipv4/tcp_mem', 'utf8').trim().split(/\s+/)[1]);
  return {
    nginx: memoryOf(nginx),
    backends: memoryOf(backends),
    kernel: {
      tcpInUse: Number(tcp?.[1] ?? 0),
      tcpMemMb: mb(Number(tcp?.[2] ?? 0) * PAGE),
      tcpMemPressureMb: mb(pressurePages * PAGE),
    },
  };
}
