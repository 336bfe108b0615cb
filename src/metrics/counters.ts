import type { Histogram } from './histograms.js';

/**
 * The figures of one interval as every measuring process hands them over (a worker to its
 * coordinator, and through a shard summary to `merge`): counters add, histograms add.
 */

/** Counters are deltas since the previous snapshot: the coordinator adds them up. */
export interface WorkerCounters {
  attempted: number;
  opened: number;
  failed: number;
  sent: number;
  received: number;
  lost: number;
  clientDisconnects: number;
  unexpectedDisconnects: number;
  idleTimeouts: number;
  reconnects: number;
  sticky: number;
  violations: number;
  failovers: number;
  unidentified: number;
  /** Reconnects of displaced clients that landed on their first home again (it came back). */
  returnedHome: number;
  /** Clients that left their first home for the first time (by a failover or a violation). */
  clientsDisplaced: number;
  /** Reconnects made from another address than the client's last landing (churn.change_address). */
  addressChanges: number;
  /** Reconnects after a connection the client did not close itself (a fault, a proxy timeout). */
  recovered: number;
  failedByReason: Record<string, number>;
  errorsByStatus: Record<string, number>;
  closeCodes: Record<string, number>;
  /** Open connections the client's WebSocket layer failed, by reason (protocol_error, message_too_big...). */
  closeReasons: Record<string, number>;
  violationsByCause: Record<string, number>;
  openedByBackend: Record<string, number>;
  /** Where failovers went, by new backend. */
  failoversTo: Record<string, number>;
  /** Clients cut by each outage (`backend#n`: the nth time it went down), back after it, and never back by the end. */
  outageCut: Record<string, number>;
  outageBack: Record<string, number>;
  outageLost: Record<string, number>;
  /** Silence before each idle cut, summed (ms): over idleTimeouts, about the proxy's idle cut-off. */
  idleCutSilentMs: number;
  /**
   * What the servers of a few unidentified connections sent: 101 headers (`name: value`) and first messages (excerpts).
   */
  unidentifiedHeaders: Record<string, number>;
  unidentifiedMessages: Record<string, number>;
  /** What protocol modules threw (first line and stack frame), by kind: each closed its connection. */
  moduleErrors: Record<string, number>;
  /** Messages unanswered when their connection ended, delivered after the reconnect (a kept session) or never. */
  offlineDelivered: number;
  offlineLost: number;
  /** Messages held back because the target stopped reading; connections that held some; their unsent bytes then. */
  backpressured: number;
  backpressuredConnections: number;
  backpressuredBytes: number;
  /** Frames past a connection's flood budget (ignored), pauses of its reading, pings the targets sent. */
  /** Open connections on which messages went unanswered (past the reply timeout, or to the end of the run). */
  silentConnections: number;
  floodIgnored: number;
  floodPauses: number;
  pingsReceived: number;
  /** Replies that carried an id matching no message in flight (a wrong reply.field shows up here). */
  unmatched: number;
  /** Server messages that were neither replies nor step answers, and those matching push.match. */
  pushReceived: number;
  pushMatched: number;
  /** on_open steps by name: sent, passed, and failed by `name:reason` (timeout, mismatch, closed). */
  stepAttempted: Record<string, number>;
  stepPassed: Record<string, number>;
  stepFailed: Record<string, number>;
  /** Steps cut short by the client's own close (never a pass); a few answers that failed a step (`name: excerpt`). */
  stepCut: Record<string, number>;
  stepCameInstead: Record<string, number>;
  /**
   * protocol: socketio: sessions opened (by the transport they opened on), upgraded to WebSocket, and broken ("Session
   * ID unknown").
   */
  sessionsOpened: number;
  sessionsUpgraded: number;
  sessionBreaks: number;
  sessionsByTransport: Record<string, number>;
  /**
   * Reconnects that resumed the client's session (target.state, or an on_open continuity step), those that found it,
   * and the lost ones by cause.
   */
  resumes: number;
  resumed: number;
  stateLost: Record<string, number>;
  /** Open connections that kept ws's Receiver (frame-receiver.ts could not park it): about 0.8 KB each. */
  receiversKept: number;
  /** Clients that left for good (a stage's ramp-down, the end of a session): closed with 1000, not churn. */
  left: number;
  /** Handshakes that offered permessage-deflate (compression: true), and those the server accepted it on. */
  compressionOffered: number;
  compressionAccepted: number;
  /** First connects that started past their schedule (waiting for a handshake slot), and how late (ms, summed). */
  lateStarts: number;
  lateStartMs: number;
}

/** An encoded histogram (it crossed a process boundary) or the histogram itself (it did not). */
export type SnapshotHistogram = string | Histogram;

/** One group's figures of an interval (clients.groups): summary.json's groups.NAME. */
export interface GroupSlice {
  counters: Pick<
    WorkerCounters,
    'attempted' | 'opened' | 'failed' | 'sent' | 'received' | 'lost' | 'reconnects' | 'violations'
  >;
  message: SnapshotHistogram;
}

export interface IntervalSnapshot {
  final: boolean;
  /** Run-clock ms at which the snapshot was taken. */
  tMs: number;
  counters: WorkerCounters;
  /** Gauges: connections open right now, in total and per backend; the most open at once since the last snapshot. */
  open: number;
  peakOpen: number;
  openByBackend: Record<string, number>;
  peakOpenByBackend: Record<string, number>;
  /**
   * Histograms of this interval only (integer microseconds): compressed base64 HdrHistograms from a
   * worker process; the histograms themselves from a worker inside the coordinator's process.
   */
  histograms: {
    message: SnapshotHistogram;
    handshake: SnapshotHistogram;
    reconnect: SnapshotHistogram;
    recovery?: SnapshotHistogram;
    /**
     * The scenario's protocol, when it has steps or pushes: each step's latency, the pushes' latency, each client's
     * longest gap between pushes.
     */
    steps?: Record<string, SnapshotHistogram>;
    push?: SnapshotHistogram;
    push_gap?: SnapshotHistogram;
  };
  /** CPU time the worker used since the previous snapshot, microseconds (for benchmarks). */
  cpuUs: number;
  /** Resident memory of the worker at the snapshot. */
  rssBytes: number;
  /** clients.groups: each group's part of this interval, by name. */
  groups?: Record<string, GroupSlice>;
}

export function emptyCounters(): WorkerCounters {
  return {
    attempted: 0,
    opened: 0,
    failed: 0,
    sent: 0,
    received: 0,
    lost: 0,
    clientDisconnects: 0,
    unexpectedDisconnects: 0,
    idleTimeouts: 0,
    reconnects: 0,
    sticky: 0,
    violations: 0,
    failovers: 0,
    unidentified: 0,
    returnedHome: 0,
    clientsDisplaced: 0,
    recovered: 0,
    addressChanges: 0,
    failedByReason: {},
    errorsByStatus: {},
    closeCodes: {},
    closeReasons: {},
    violationsByCause: {},
    openedByBackend: {},
    failoversTo: {},
    outageCut: {},
    outageBack: {},
    outageLost: {},
    idleCutSilentMs: 0,
    unidentifiedHeaders: {},
    unidentifiedMessages: {},
    moduleErrors: {},
    offlineDelivered: 0,
    offlineLost: 0,
    backpressured: 0,
    backpressuredConnections: 0,
    backpressuredBytes: 0,
    silentConnections: 0,
    floodIgnored: 0,
    floodPauses: 0,
    pingsReceived: 0,
    unmatched: 0,
    pushReceived: 0,
    pushMatched: 0,
    stepAttempted: {},
    stepPassed: {},
    stepFailed: {},
    stepCut: {},
    stepCameInstead: {},
    sessionsOpened: 0,
    sessionsUpgraded: 0,
    sessionBreaks: 0,
    sessionsByTransport: {},
    resumes: 0,
    resumed: 0,
    stateLost: {},
    receiversKept: 0,
    left: 0,
    compressionOffered: 0,
    compressionAccepted: 0,
    lateStarts: 0,
    lateStartMs: 0,
  };
}

/** Adds `delta` into `total`, numbers and tallies alike (counters are mergeable by construction). */
export function addCounters(total: WorkerCounters, delta: WorkerCounters): void {
  for (const key of Object.keys(delta) as (keyof WorkerCounters)[]) {
    const value = delta[key];
    if (typeof value === 'number') (total[key] as number) += value;
    else if (value) addTally(total[key] as Record<string, number>, value);
  }
}

export function addTally(total: Record<string, number>, delta: Record<string, number>): void {
  for (const [key, count] of Object.entries(delta)) total[key] = (total[key] ?? 0) + count;
}

export function bump(tally: Record<string, number>, key: string, by = 1): void {
  tally[key] = (tally[key] ?? 0) + by;
}
