import type { ModulePlan, MqttPlan } from './protocol/plan.js';
import type { ActionName } from './actions.js';
import type { ProxyKind } from './presets.js';
import type { Template } from '../util/template.js';
import type { CheckPlan } from '../util/message-check.js';

export type StagePlan = { to: number; overMs: number } | { holdMs: number };

export type LoadPlan =
  { model: 'count' } | { model: 'stages'; stages: StagePlan[] } | { model: 'arrival'; ratePerS: number; forMs: number };

export interface SessionPlan {
  lengthMs: number;
  shape: 'fixed' | 'uniform' | 'exponential';
}

/** clients.data: the file (absolute), how rows are picked, and what validation saw in it. */
export interface DataPlan {
  file: string;
  pick: 'unique' | 'cycle' | 'random';
  columns: string[];
  rows: number;
}

/** A persona: its share of the clients and the plan they run (the scenario's, with the group's own fields). */
export interface GroupPlan {
  name: string;
  count: number;
  plan: Plan;
}

export interface NamedTemplate {
  name: string;
  value: Template;
}

/** The validated, normalised and frozen form of a scenario: all durations in ms, all defaults filled in. */
export type TargetPlan =
  | {
      kind: 'url';
      url: string;
      /** The backends expected to serve: ids, a count, or null when the scenario does not say. */
      expectedBackends: string[] | number | null;
      /** HAProxy's admin socket path or stats page URL, when the scenario gives one. */
      haproxyStats: string | null;
      /** wss:// targets: a CA file to trust (absolute), or no verification. */
      tls: { caFile?: string; insecure?: boolean } | null;
    }
  | {
      kind: 'preset';
      preset: string;
      backends: number;
      path: string;
      /** HAProxy presets with checks: how a server's health is checked. */
      health: 'http' | 'ws' | 'none';
      redispatch: boolean;
      /** The proxy terminates TLS with a certificate made for the run; clients use wss://. */
      tls: boolean;
    }
  | { kind: 'custom'; proxy: ProxyKind; configPath: string; backends: number; path: string; tls?: false };

export type SessionKey = { kind: 'none' } | { kind: 'query' | 'header' | 'cookie'; name: string };

export interface EventPlan {
  atMs: number;
  action: ActionName;
  backend?: string;
  forMs?: number;
  command?: string;
  /** deploy: drain each backend first (default true). */
  drain?: boolean;
}

export interface ThresholdPlan {
  metric: string;
  condition: string;
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
}

/** How a reply is matched to the message it answers. */
export type ReplyPlan =
  | { kind: 'echo' }
  | { kind: 'next' }
  | { kind: 'none' }
  | { kind: 'ack' }
  | { kind: 'field'; path: string[]; text: string };

/** protocol: socketio: where the sessions go and how they start. */
export interface SocketioPlan {
  path: string;
  namespace: string;
  /** polling first (then the upgrade, unless `upgrade` is false: transports [polling]), or websocket only. */
  polling: boolean;
  upgrade: boolean;
  event: string;
}

export interface StepPlan {
  name: string;
  send: Template;
  /** The check that judges the answer; null: nothing awaited. */
  expect: CheckPlan | null;
  /** Which message is this client's answer (null: the first that passes expect or fail_on). */
  match: CheckPlan | null;
  /** An answer that fails the step (null: only the timeout fails it). */
  failOn: CheckPlan | null;
  timeoutMs: number;
  capture: { name: string; path: string[] }[];
  /**
   * Resumes the client's session: runs on reconnects only; a wrong answer or none is lost state, not a failed
   * connection.
   */
  continuity: boolean;
}

/** What the connection speaks beyond the echo: templates, replies by id, steps, pushes. */
export type { ModulePlan, MqttPlan };

export interface AppPlan {
  /** null: stickler's echo marker. */
  message: Template | null;
  reply: ReplyPlan;
  replyTimeoutMs: number;
  steps: StepPlan[];
  push: { match: CheckPlan | null; sentAt: string[] | null } | null;
  /** Sent before the client's own close. */
  onClose: Template[];
  /** traffic.binary: the client's messages and steps go in binary frames. */
  binary: boolean;
  /** The code and reason of the client's own closes. */
  close: { code: number; reason: string };
  /** identify.step: the backend's name is looked for in this step's answer only. */
  identifyStep: string | null;
  /** Sec-WebSocket-Protocol values the clients offer. */
  subprotocols: string[];
  /** protocol: socketio (null: plain WebSocket). */
  socketio: SocketioPlan | null;
  /** protocol: { module }: the user's own protocol. */
  module: ModulePlan | null;
  /** protocol: mqtt. */
  mqtt: MqttPlan | null;
}

export interface Plan {
  name: string;
  description: string;
  sourceFile: string;
  target: TargetPlan;
  /**
   * Managed stacks: what each backend process runs (reference: stickler's backend; socketio: with a real Socket.IO
   * server beside it).
   */
  managedBackend: 'reference' | 'socketio';
  /**
   * Managed reference backends: where they keep each client's session (every reconnect resumes it and the
   * client checks what comes back); null when stickler does not run the backends' sessions (url targets, Socket.IO
   * nodes).
   */
  state: 'memory' | 'redis' | null;
  identify: { header: string; messageField: string; cookie: string | null };
  clients: {
    count: number;
    rampMs: number;
    connectConcurrency: number;
    pool: string;
    perAddress: number;
    /** IPv6 CIDR pools: each client's /prefix (undefined: the pool's default). */
    prefix?: number;
    /** How the client's address reaches the balancer: as the socket's source, or in X-Forwarded-For. */
    via: 'socket' | 'x-forwarded-for';
    cookies: boolean;
    sessionKey: SessionKey;
    /** How the clients arrive and leave (count and ramp, stages, or an arrival rate). */
    load: LoadPlan;
    /** How long a client stays (from its scheduled start) before it leaves for good; null: to the end. */
    session: SessionPlan | null;
    data: DataPlan | null;
    /** Handshake headers and query parameters, rendered at every connect. */
    headers: NamedTemplate[];
    query: NamedTemplate[];
  };
  /** Offer permessage-deflate on every handshake. */
  compression: boolean;
  durationMs: number;
  seed: number;
  traffic: {
    intervalMs: number;
    size: number;
    pattern: 'fixed' | 'poisson';
    pingMs: number;
    maxMessageBytes: number;
    /** Most unsent bytes a connection holds before its next messages are held back. */
    maxBufferedBytes: number;
    /** A pong missing this long: the connection is dead (0: pings off). */
    pingTimeoutMs: number;
    /** Messages each client sends before it closes and leaves (0: no end). */
    count: number;
    /** After each reply, a wait before the next message, uniform in [min, max] ms (null: paced by interval). */
    think: [number, number] | null;
  };
  app: AppPlan;
  churn: {
    dropEveryMs: number;
    backoff: { initialMs: number; maxMs: number; jitter: boolean };
    changeAddress: number;
    rotateAddress: number;
  };
  idle: IdleWindow[];
  events: EventPlan[];
  thresholds: ThresholdPlan[];
  /** clients.groups: each client runs its group's plan (null: every client runs this one). */
  groups: GroupPlan[] | null;
}

/** The plan and its groups' plans: each group's clients follow a plan of their own. */
export const plansOf = (plan: Plan): Plan[] => [plan, ...(plan.groups ?? []).map((group) => group.plan)];

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/** A window in which a share of clients sends nothing (pings go on). */
export interface IdleWindow {
  atMs: number;
  forMs: number;
  share: number;
}
