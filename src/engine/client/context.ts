import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LimitFunction } from 'p-limit';
import WebSocket from 'ws';
import type { Transport } from '../wire/transport.js';
import type { DialContext } from '../wire/polling-client.js';
import type { Plan } from '../../scenario/plan.js';
import type { AddressPool } from '../../util/address-pool.js';
import type { ClientHome, HomeContext } from './home.js';
import { classifyConnectError, classifyProtocolError, type FailureReason } from './failure-reason.js';
import type { ProtocolLink, ProtocolRecorder } from '../protocols/client-protocol.js';
import type { SendWheel, WheelMember } from './send-wheel.js';
import type { OutageLedger } from './outage-ledger.js';
import { writeTextFrame } from '../wire/text-frame.js';
import type { WorkerRecorder } from '../run/worker-recorder.js';
import type { ClientSchedule } from '../../scenario/population/schedule.js';

/** What a client's traffic needs: the run clock, the plan, the recorder and the worker's two send wheels. */
export interface TrafficContext {
  readonly plan: Plan;
  readonly recorder: WorkerRecorder;
  /** Run clock in ms (0 = the run's start, shared by all workers). */
  nowMs(): number;
  /** The worker's one timer for fixed-rate sends (null for poisson traffic or no traffic). */
  readonly wheel: SendWheel | null;
  /** The worker's one timer for client pings (null without traffic.ping): no interval timer per connection. */
  readonly pingWheel: SendWheel | null;
}

/** What reading a backend's name out of a message needs. */
export interface IdentityContext {
  readonly plan: Plan;
  readonly recorder: WorkerRecorder;
}

/** The worker's view of which backends serve, and what a client tells it. */
export interface ServingView {
  isServing(backend: string): boolean;
  /**
   * Set when nothing tells the engine that a backend went down (a target stickler does not run): a
   * reconnect that leaves home right after a crash-like loss then waits for the coordinator's word
   * on home's state before it is judged.
   */
  readonly infersServing: boolean;
  /** A close that looks like its backend went down (1001, 1006, 1011, 1012; not an idle cut). */
  crashLikeClose(backend: string): void;
  /** A connection landed on a backend this worker holds as not serving (inferred): it serves again. */
  seenServing(backend: string): void;
}

/** What every client of a worker shares: the narrow contexts above, and the client's own life's. */
export interface ClientContext extends DialContext, TrafficContext, IdentityContext, ServingView {
  readonly urls: string[];
  readonly limit: LimitFunction;
  readonly pool: AddressPool;
  readonly stopping: boolean;
  /** Homes whose verdict waits for the coordinator's word. */
  readonly pending: Set<ClientHome>;
  /** What a client's protocol records into (the worker's recorder and run clock). */
  readonly protocolRecorder: ProtocolRecorder;
  /** Clients cut by outages, and when they are back. */
  readonly outages: OutageLedger;
  /** When each client starts and leaves for good (the same in every worker and shard). */
  readonly schedule: ClientSchedule;
}

/** Who a connection turns to: the client that owns it (its protocol's calls and its socket's events). */
export interface ConnectionOwner {
  giveUp(connection: Connection): void;
  named(connection: Connection, backend: string | null): void;
  upgraded(connection: Connection, response: IncomingMessage): void;
  opened(connection: Connection): void;
  closed(connection: Connection, code: number): void;
  message(connection: Connection, data: Buffer, binary: boolean): void;
  replied(connection: Connection, sentUs: number): void;
  dead(connection: Connection, reason: string): void;
  ponged(connection: Connection): void;
  pinged(connection: Connection): void;
  /** traffic.ping_timeout, ms. */
  readonly pingTimeoutMs: number;
  /** ws's Receiver could not be parked at the open: the connection keeps it. */
  keptReceiver(): void;
}

/**
 * One live WebSocket connection of a client; a client has at most one at a time. Its protocol link
 * (`write`, `abandon`, `named`) is methods on the prototype, not closures per connection.
 */
export class Connection implements ProtocolLink, WheelMember {
  /** The socket under `ws`, from its 101 response: messages are framed and written to it directly (text-frame.ts). */
  socket: Duplex | null = null;
  opened = false;
  backend: string | null = null;
  /** pending until the 101 response, a first message or the close tells (or cannot tell) the backend. */
  identity: 'pending' | 'known' | 'none' = 'pending';
  /** Set when the client itself closes it (churn, drop_all, end of run). */
  byClient = false;
  inflight = 0;
  lastTrafficMs = 0;
  failure: FailureReason | null = null;
  sendTimer: NodeJS.Timeout | null = null;
  dropTimer: NodeJS.Timeout | null = null;
  nextDueMs = 0;
  /** The protocol's own handshake is done: traffic may flow. */
  ready = false;
  /** Why the client's WebSocket layer failed the open connection (protocol_error, message_too_big), if it did. */
  closeReason: string | null = null;
  /** The failed handshake was already counted (at the end of the run, before the final snapshot). */
  failureCounted = false;
  /** What the 101 carried when it named no backend (`name: value`), to show if no message names one either. */
  upgradeHeaders: string[] | null = null;
  /** The first server message (an excerpt), and how many came while the backend was unknown. */
  firstMessage: Buffer | null = null;
  messagesSeen = 0;
  /** Settles the handshake's wait in the worker's limiter (dropped once called). */
  settle: (() => void) | null = null;
  /** The connection's slot on the ping wheel while it pings (-1: not on it). */
  pingSlot = -1;
  /** Run-clock ms of the oldest ping not yet answered (-1: none out). */
  pingOutMs = -1;
  /** Messages were held back on it at least once (the target stopped reading). */
  heldBack = false;
  /** A message on it went unanswered past its reply timeout, or to the end of the run, while it stayed open. */
  silent = false;
  /** The flood guard's window (run-clock ms), the frames received in it, and whether reading is paused. */
  floodWindowMs = 0;
  floodFrames = 0;
  floodPaused = false;

  constructor(
    readonly ws: Transport,
    readonly startedMs: number,
    readonly sentCookie: boolean,
    readonly owner: ConnectionOwner,
  ) {}

  write(message: Buffer | string, binary = false): void {
    // A polling session (Socket.IO transports: [polling]) has no socket: it sends packets itself.
    if (this.socket) writeTextFrame(this.socket, message, binary);
    else this.ws.send(message, { binary });
  }

  abandon(): void {
    this.owner.giveUp(this);
  }

  named(backend: string | null): void {
    this.owner.named(this, backend);
  }

  replied(sentUs: number): void {
    this.owner.replied(this, sentUs);
  }

  dead(reason: string): void {
    this.owner.dead(this, reason);
  }

  /** The ping wheel's call: this connection's slot has come round. A pong missing too long: the connection is dead. */
  sendDue(dueMs: number): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.pingOutMs >= 0 && dueMs - this.pingOutMs >= this.owner.pingTimeoutMs) {
      this.owner.dead(this, 'pong_timeout');
      return;
    }
    if (this.pingOutMs < 0) this.pingOutMs = dueMs;
    this.ws.ping();
  }

  /** Bytes written to the connection that the target has not taken yet (beyond the kernel's buffers). */
  unsentBytes(): number {
    // A polling session (no socket) sends one request at a time: nothing piles up in stickler.
    return this.socket ? this.socket.writableLength : 0;
  }
}

/** An error on the socket: why the client's WebSocket layer failed an open connection, or why a handshake failed. */
export function noteSocketError(connection: Connection, error: Error): void {
  if (connection.opened) connection.closeReason ??= classifyProtocolError(error);
  // A handshake the client itself abandons (end of run) is counted apart (pending_at_end).
  else if (!connection.failure && !connection.byClient) connection.failure = classifyConnectError(error);
}

/** One per worker context, shared by all its clients (three closures a client add up at 100,000). */
const homeContexts = new WeakMap<ClientContext, HomeContext>();

/** The worker's side of a client's home: its serving view, its counters, its set of waiting verdicts. */
export function homeContext(context: ClientContext): HomeContext {
  let home = homeContexts.get(context);
  if (home) return home;
  home = {
    isServing: (backend) => context.isServing(backend),
    counters: () => context.recorder.counters,
    waiting: (client, waits) => {
      if (waits) context.pending.add(client);
      else context.pending.delete(client);
    },
  };
  homeContexts.set(context, home);
  return home;
}

/** The backend of this connection cannot be told: counted once, and left out of distribution and stickiness. */
export function markUnidentified(connection: Connection, recorder: WorkerRecorder): void {
  if (connection.identity !== 'pending') return;
  connection.identity = 'none';
  recorder.counters.unidentified += 1;
  recorder.unidentifiedSample(connection.upgradeHeaders ?? [], connection.firstMessage ?? undefined);
  connection.upgradeHeaders = connection.firstMessage = null;
}
