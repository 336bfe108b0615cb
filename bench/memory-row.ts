import type { MachineSnapshot } from './machine-snapshot.js';

/** One row of bench/memory-results.json: a count held open by a program (written by memory-per-connection.ts). */
export interface Held {
  date?: string;
  /** The row is the median of this many rounds. */
  rounds?: number;
  connections: number;
  rssMb: number;
  peakRssMb: number;
  kbPerConnection: number;
  /** PSS summed the same way: pages shared with other processes (stickler's or not) split among them. */
  pssMb: number;
  kbPssPerConnection: number;
  /**
   * The program's resident set: the distinct physical pages its processes map, each counted once
   * (process-tree.ts, residentBytes). The summed RSS counts the node binary's code once per
   * process; this is the memory the program holds. Absent where page frames cannot be read (not root).
   */
  residentMb?: number;
  kbResidentPerConnection?: number;
  processes: number;
  /**
   * Stickler's row at the largest count: the same processes holding 100 connections (the cost of the
   * processes the file limit asks for, before any connection), and the RSS per connection above it.
   */
  fixedRssMb?: number;
  kbPerConnectionAboveFixed?: number;
  /** The count the run asked for, where fewer were open at once (connections). */
  asked?: number;
  /** Connections that never opened or were lost, by reason: where this machine stopped the run short. */
  failed?: number;
  failedByReason?: Record<string, number>;
  /** The rest of the machine at the middle of the hold: nginx, the backends, the kernel's TCP sockets. */
  machine?: MachineSnapshot;
  /** How the connections came and stayed: the ramp, the hold once all were asked for, pings (0: none). */
  rampS?: number;
  holdS?: number;
  pingS?: number;
}
