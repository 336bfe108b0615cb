import type { UpgradeRequest } from './readiness.js';
import type { EventPlan } from '../scenario/plan.js';
import type { ClientTls } from './tls-material.js';

/** Who says whether a backend serves: stickler's own actions, HAProxy's checks or stats, or the clients (inferred). */
export type ServingSource = 'stickler' | 'haproxy_checks' | 'haproxy_stats' | 'clients';

export interface ServingChange {
  t: number;
  backend: string;
  serving: boolean;
  source: ServingSource;
}

/** What a fault action did, for `events[]` and the timeline. */
export interface ActionOutcome {
  ok: boolean;
  detail: string;
}

/** Told when a backend stops or starts serving, and which source says so (default: stickler's own actions). */
export type ServingListener = (backend: string, serving: boolean, source?: ServingSource) => void;

/** A target the engine can run against: an external URL, or a stack that stickler manages. */
export interface RunningStack {
  /** Preset name, `custom-nginx`, or `url`. */
  readonly label: string;
  /** The URL clients connect to; with `direct` and several backends, one per backend. */
  readonly urls: string[];
  /** What the clients trust for wss:// (the run's own certificate, or the url target's CA). */
  readonly clientTls?: ClientTls;
  /** Backend ids the stack has (b1..bN), empty for an external target. */
  readonly backendIds: string[];
  /** Subscribes to serving-state changes (killed, paused, drained...) for the stickiness verdict. */
  onServingChange(listener: ServingListener): void;
  /** Carries out a timeline event on the stack (kill, drain, reload...). */
  act(event: EventPlan): Promise<ActionOutcome>;
  /** The proxy's own view of the run (HAProxy `show stat`), when it has one. */
  proxyView(): Promise<unknown>;
  /** Per-backend connection counts as the backends themselves saw them. */
  backendStats(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Where configs and process logs go (the run's report folder). */
  logDir: string;
  /** HAProxy: also serve the stats page on this port (for `stack up`). */
  statsPort?: number;
  /** Aborts the waits of start-up (Ctrl-C). */
  signal?: AbortSignal;
  /** A url target's start-up check makes the clients' own handshake (engine/client/first-request.ts). */
  clientHandshake?: (url: string) => UpgradeRequest;
}
