import type { IntervalSnapshot } from '../../metrics/counters.js';
import type { Plan } from '../../scenario/plan.js';

/** The one typed boundary between the coordinator and its worker processes. */

export interface ClientAssignment {
  /** Global client index (0..count-1): fixes ramp slot, idle membership and random streams. */
  index: number;
  /** Source address of the first connection, or null to let the kernel choose. */
  address: string | null;
  /** Indices into plan.idle of the idle windows this client takes part in. */
  idle: number[];
}

export interface WorkerStart {
  type: 'start';
  workerIndex: number;
  plan: Plan;
  /** One URL (a proxy or an external endpoint) or one per backend (direct: client i uses urls[i mod n]). */
  urls: string[];
  clients: ClientAssignment[];
  connectConcurrency: number;
  /** Epoch ms at which the run's clock starts (all workers share it). */
  startAtEpochMs: number;
  snapshotIntervalMs: number;
  /** Nothing tells the engine when a backend goes down (a target stickler does not run): infer it from closes. */
  infersServing: boolean;
  /** wss:// targets: the CA the clients trust, or no verification. */
  tls?: { ca?: string; insecure?: boolean };
}

export type CoordinatorCommand =
  WorkerStart | { type: 'backend-state'; backend: string; serving: boolean } | { type: 'drop-all' } | { type: 'stop' };

/** A worker's interval figures, addressed to the coordinator. */
export interface WorkerSnapshot extends IntervalSnapshot {
  type: 'snapshot';
  workerIndex: number;
}

export type WorkerEvent =
  /** rssBytes: the worker's resident memory before it opened any connection (for benchmarks). */
  | { type: 'ready'; workerIndex: number; rssBytes: number }
  | WorkerSnapshot
  | { type: 'fatal'; workerIndex: number; message: string }
  /** Crash-like closes per backend since the last report, and what stays open there. */
  | { type: 'closes'; workerIndex: number; closes: Record<string, number>; openByBackend: Record<string, number> }
  /** A connection landed on a backend the worker held as down (inferred): it serves again. */
  | { type: 'backend-seen'; workerIndex: number; backend: string };
