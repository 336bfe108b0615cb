import type { EventPlan } from '../scenario/plan.js';

/** What a fault action did, for `events[]` and the timeline. */
export interface ActionOutcome {
  ok: boolean;
  detail: string;
}

/** A target the engine can run against: an external URL, or a stack that stickler manages. */
export interface RunningStack {
  /** Preset name, `custom-nginx`, or `url`. */
  readonly label: string;
  /** The URL clients connect to; with `direct` and several backends, one per backend. */
  readonly urls: string[];
  /** Backend ids the stack has (b1..bN), empty for an external target. */
  readonly backendIds: string[];
  /** Subscribes to serving-state changes (killed, paused, drained...) for the stickiness verdict. */
  onServingChange(listener: (backend: string, serving: boolean) => void): void;
  /** Carries out a timeline event on the stack (kill, drain, reload...). */
  act(event: EventPlan): Promise<ActionOutcome>;
  /** The proxy's own view of the run (HAProxy `show stat`), when it has one. */
  proxyView(): Promise<unknown>;
  /** Per-backend connection counts as the backends themselves saw them. */
  backendStats(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** An endpoint the user runs: nothing to start, nothing to stop, only `exec` events act on it. */
export function externalTarget(url: string, act: (event: EventPlan) => Promise<ActionOutcome>): RunningStack {
  return {
    label: 'url',
    urls: [url],
    backendIds: [],
    onServingChange: () => {},
    act,
    proxyView: async () => undefined,
    backendStats: async () => ({}),
    stop: async () => {},
  };
}
