import type { FindingBase } from '../findings/finding.js';
import type { GroupSlice, WorkerCounters } from './counters.js';
import type { LatencySummary } from './histograms.js';
import type { EventSummary } from './event-windows.js';

export type { LatencySummary, EventSummary };
import type { EventTallyRaw } from './event-windows.js';
/** The shape of summary.json (contract v1). Times are milliseconds, rates fractions 0..1. */

export interface StepSummary {
  attempted: number;
  passed: number;
  failed: number;
  failed_by_reason: Record<string, number>;
  /** Cut short by the client's own close before its answer or timeout: never a pass. */
  cut: number;
  /** A few answers that failed the step, as they came (first 200 bytes, escaped). */
  came_instead?: string[];
}

export interface ThresholdResult {
  metric: string;
  condition: string;
  actual: number | null;
  passed: boolean;
  /** Why `actual` is null: what the figure would have rested on and did not happen. */
  why?: string;
}

/** Why the run looks as it does, and what to change (summary.findings). */
/** What a run's figures show: the cause, the evidence behind it, and the thresholds it explains. */
export interface Finding extends FindingBase {
  cause: string;
  evidence: string;
  /** The failed thresholds it explains (an error). */
  explains?: string[];
}

export interface BackendShare {
  id: string;
  connections: number;
  share: number;
  peak_open: number;
}

/** Clients cut by outages (a backend stopped serving, by stickler's action or as inferred), and their way back. */
export interface RecoverySummary {
  outages: number;
  /** Clients whose connection an outage cut. */
  clients_cut: number;
  /** Cut clients that had no open connection again by the end of the run. */
  clients_lost: number;
  /** From the cut to the client's next open connection, over every cut client that came back. */
  p99_ms: number | null;
  max_ms: number | null;
  by_outage: {
    backend: string;
    down_at_s: number;
    back_up_at_s: number | null;
    source?: string;
    clients_cut: number;
    clients_back: number;
    clients_lost: number;
    /** Still down when the run ended, for this long: its lost clients may simply not have had the time. */
    down_until_end_s?: number;
  }[];
}

export interface TimeseriesRow {
  t: number;
  open: number;
  sent: number;
  received: number;
  p50: number | null;
  p99: number | null;
  violations: number;
  errors: number;
  per_backend: Record<string, number>;
  /** Stages, arrivals, sessions: the clients that should be connected at this second. */
  target?: number;
  events?: string[];
}

/** How the clients arrived and left (summary.json's `load`). */
export interface LoadSection {
  model: 'count' | 'stages' | 'arrival';
  clients: number;
  /** Clients that left for good (a stage's ramp-down, a session's end), closing with 1000. */
  left: number;
  session?: { length_s: number; shape: string };
  /** Each stage as written, with the open count at its end (null: the run ended first). */
  stages?: (({ to: number; over_s: number } | { hold_s: number }) & { open_at_end: number | null })[];
  arrival?: { rate: number; for_s: number; attempted: number; late_starts: number; late_start_mean_ms: number };
}

/** One persona of clients.groups (summary.json's `groups.NAME`). */
export interface GroupSection {
  clients: number;
  connections: { attempted: number; opened: number; failed: number };
  messages: { sent: number; received: number; lost: number };
  latency: { message: LatencySummary };
  stickiness: { reconnects: number; violations: number };
}

/** summary.json `messages`; `unmatched`: replies whose id matched no message in flight (a wrong reply.field). */
export interface MessagesSummary {
  sent: number;
  received: number;
  lost: number;
  unmatched: number;
  /** Held back (not sent, not lost): the target stopped reading (traffic.max_buffered). */
  backpressured: number;
  /** Open connections whose messages went unanswered (past the reply timeout, or to the end). */
  unanswered_on_open?: number;
}

export interface Summary {
  scenario: string;
  stack: string;
  target_url: string;
  started_at: string;
  duration_s: number;
  /** incomplete: a worker was lost, or no connection opened (nothing was measured); exit 3. */
  verdict: 'pass' | 'fail' | 'incomplete';
  /**
   * In a comparison: the name its column goes by (`haproxy-cookie?health=ws`, `nginx:./my.conf`, `staging`), when it
   * differs from stack.
   */
  label?: string;
  /** Why the verdict is incomplete. */
  incomplete_reason?: string;
  interrupted: boolean;
  seed: number;
  /** Load worker processes forked for the run; 0 when the clients ran inside the main process. */
  workers: number;
  thresholds: ThresholdResult[];
  /**
   * Why the run looks as it does (causes from what it measured) and the fix for each; errors explain a failed
   * threshold.
   */
  findings: Finding[];
  connections: {
    clients: number;
    attempted: number;
    opened: number;
    failed: number;
    peak_open: number;
    failed_by_reason: Record<string, number>;
    /** compression: true: handshakes that offered permessage-deflate, and those the server accepted it on. */
    compression?: { offered: number; accepted: number };
  };
  load: LoadSection;
  /** clients.groups: each persona's figures, by name. */
  groups?: Record<string, GroupSection>;
  handshake: { error_rate: number; errors_by_status: Record<string, number> };
  latency: {
    message: LatencySummary;
    handshake: LatencySummary;
    reconnect: LatencySummary;
    /** Each on_open step's send to its expected answer (scenarios with steps). */
    steps?: Record<string, LatencySummary>;
    /** The server's send time (push.sent_at) to arrival (scenarios with push). */
    push?: LatencySummary;
  };
  messages: MessagesSummary;

  /** Frames past a connection's flood budget (ignored), pings the targets sent, pauses of reading; when any. */
  flood?: { ignored_frames: number; pings: number; paused: number };
  /** Connections whose target stopped reading: how many held messages back, and their unsent bytes when they began. */
  backpressure?: { connections: number; unsent_bytes: number };
  /** on_open steps by name. */
  steps?: Record<string, StepSummary>;
  /**
   * Server messages that answer nothing (scenarios with push); gap: a client's longest silence between two pushes, p99
   * over clients (ms).
   */
  push?: { received: number; matched: number; gap_p99: number | null; per_message: number | null };
  /** protocol: socketio: Engine.IO sessions opened (by the transport they opened on), upgraded to WebSocket, broken. */
  sessions?: { opened: number; upgraded: number; broken: number; by_transport: Record<string, number> };
  /**
   * Whether a reconnect kept the session's state: `store` memory / redis (target.state: the reference
   * backends' 101 says what they resumed) or app (an on_open continuity step). Lost by cause: unknown
   * (the backend held none), stale (an older copy), behind (its counter went backwards), answer / timeout (the step's).
   */
  continuity?: ContinuitySummary;
  stickiness: {
    reconnects: number;
    sticky: number;
    violations: number;
    failovers: number;
    violation_rate: number;
    violations_by_cause: Record<string, number>;
    /** Clients that ever left their first home (a failover or a violation moved them; home follows the client). */
    clients_displaced: number;
    /** Reconnects made from another address than the client's last one (churn.change_address). */
    address_changes: number;
    /**
     * socketio: requests of a live session (a poll, or its upgrade) answered "Session ID unknown": the session broke
     * without a reconnect.
     */
    session_breaks?: number;
    session_break_rate?: number;
    /** Connections whose backend could not be told: left out of distribution and stickiness. */
    unidentified: number;
    /**
     * What decided that a home was not serving (a failover rather than a violation): `stickler` (its own
     * fault actions), `haproxy_checks` (the managed HAProxy's health checks), `haproxy_stats`
     * (target.haproxy_stats), `clients` (inferred from unexpected closes). Empty when nothing went down.
     */
    serving_state_from: string[];
  };
  /** What the servers of unidentified connections sent (a few samples), and the identify line that would match. */
  identification?: { headers: string[]; first_messages: string[]; suggestion: string | null };
  distribution: { backends: BackendShare[]; imbalance: number; jain: number };
  disconnects: {
    client: number;
    unexpected: number;
    by_close_code: Record<string, number>;
    /**
     * Connections the client failed on the target's fault: protocol_error, message_too_big (above traffic.max_message),
     * ...
     */
    by_reason: Record<string, number>;
    idle_timeouts: number;
    /** Mean silence before an idle-window cut, seconds: about the proxy's idle cut-off (absent with no cut). */
    idle_cut_after_s?: number;
    /** What a protocol module threw (first line and stack frame), by kind; each closed a connection (module_error). */
    module_errors?: Record<string, number>;
  };
  events: EventSummary[];
  /** When each backend stopped or started serving, as the stack manager knew it (run clock, seconds). */
  serving_changes: { t: number; backend: string; serving: boolean; source?: string }[];
  recovery: RecoverySummary;
  timeseries: TimeseriesRow[];
  histograms: {
    message: string;
    handshake: string;
    reconnect: string;
    recovery?: string;
    steps?: Record<string, string>;
    push?: string;
    push_gap?: string;
  };
  proxy?: unknown;
  /** What the load generator itself noticed: connections that kept ws's parser (present when any did). */
  engine?: { receivers_kept: number };
  /** Present in the summary of one shard of a distributed run: what `stickler merge` needs. */
  shard?: ShardSection;
  /** What each managed backend counted itself (/stats), to check the tool's distribution against. */
  backend_counts?: Record<string, unknown>;
  warnings: string[];
}

/** The part of a shard's summary that `stickler merge` reads besides the usual fields. */
export interface ShardSection {
  /** The shard section's version (merge refuses another). */
  format: number;
  index: number;
  count: number;
  /** Epoch ms at which the shared run clock started. */
  start_at_ms: number;
  /** sha256 of the scenario text and the target override: shards of one run carry the same. */
  scenario_hash: string;
  /** The scenario file as it was, and what --url/--stack replaced, so that merge judges the same thresholds. */
  scenario: string;
  scenario_file: string;
  override: { url?: string; stack?: string };
  /** The run's raw counters (summary.json shows rates and shares derived from them). */
  counters: WorkerCounters;
  /** Per-event tallies with their reconnect histograms. */
  events_raw: EventTallyRaw[];
  /** Warnings of the engine itself (not the ones the summary derives, which merge derives again). */
  engine_warnings: string[];
  /** The shard lost a load worker mid-run (why): the merged run is incomplete too. */
  worker_lost?: string;
  /** clients.groups: each group's raw counts and message latencies (an encoded histogram), by name. */
  groups_raw?: Record<string, GroupSlice>;
}

export interface ContinuitySummary {
  /** memory, redis: managed backends' sessions; app: a resume step; mqtt: CONNACK session present; module: resumed. */
  store: 'memory' | 'redis' | 'app' | 'mqtt' | 'module';
  resumes: number;
  resumed: number;
  lost: number;
  lost_rate: number;
  lost_by_cause: Record<string, number>;
  /**
   * Messages unanswered when their connection ended (counted in messages.lost then): delivered after the reconnect by
   * the session that kept them (MQTT QoS 1), or never. Absent when there were none.
   */
  offline?: { delivered: number; lost: number };
}

/** A summary before its verdict and findings: what the findings are made from. */
export type Judged = Omit<Summary, 'verdict' | 'findings'>;

/** A finding while it is made: the thresholds it explains as a list. */
export type RawFinding = Omit<Finding, 'explains'> & { explains: string[] };
