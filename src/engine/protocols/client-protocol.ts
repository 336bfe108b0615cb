import type { WorkerCounters } from '../../metrics/counters.js';
import type { DataRow } from '../../util/template.js';
import type { Plan } from '../../scenario/plan.js';
import type { Transport } from '../wire/transport.js';
import type { PollingClient } from '../../util/engineio-polling.js';

/**
 * What a connection says and how it reads what comes back: the application's protocol. The virtual
 * client owns the connection's life (connect, pacing, drops, reconnects, the stickiness verdict) and
 * asks its protocol for the rest. One instance per client, so a protocol may keep per-client state
 * (a reused payload buffer, the ids of messages in flight).
 *
 * `echo` (today's marker) is the first implementation; templates with replies matched by id and
 * Socket.IO (Engine.IO v4: its own ping/pong and acknowledgements) are registered beside it in
 * protocols/index.ts. Nothing here runs per message but `message` and `replyTo`: keep both free of
 * allocations where the protocol allows it.
 */
export interface ClientProtocol {
  /** The URL one connection opens, from the target's (Socket.IO adds its path and Engine.IO query). */
  connectUrl(targetUrl: string): string;
  /**
   * The connection is open (101 received). Writes what the protocol sends first through `link`
   * (Socket.IO's namespace connect, a scenario's on_open steps) and says whether traffic may start
   * now (true) or once `replyTo` returns PROTOCOL_OPENED.
   */
  opened(link: ProtocolLink): boolean;
  /**
   * The client's next message, stamped with its intended send time (µs, run clock). The buffer may be reused; a string
   * is a text message (written straight into its frame).
   */
  message(sentUs: number): Buffer | string;
  /**
   * A message from the server: the send time (µs) of the client's message it answers, or one of
   * NOT_A_REPLY / PROTOCOL_OPENED / PROTOCOL_CONTROL. A protocol's own control messages (Engine.IO
   * pings) are answered here, through `link`.
   */
  replyTo(data: Buffer, link: ProtocolLink, binary?: boolean): number;
  /** The backend a server message that is not a reply names (the identify rule), or null. */
  backendIn(data: Buffer): string | null;
  /** Messages sent count as in flight until answered (false: fire and forget). */
  readonly awaitsReplies: boolean;
  /** Gives up messages past the reply timeout at `nowUs` (run clock): how many (they are lost). */
  expire?(nowUs: number): number;
  /** The connection ended, by the client's own doing or not (the protocol drops what it kept of it). */
  closed?(byClient: boolean): void;
  /** Its messages go in binary frames. */
  readonly binary?: boolean;
  /** The client is about to close the connection itself: what it says first (on_close). */
  closing?(link: ProtocolLink): void;
  /** The run ended: last per-client figures (the longest gap between pushes). */
  finish?(): void;
  /**
   * The protocol's own leg before the WebSocket (Socket.IO's HTTP long-polling): null when the
   * WebSocket may follow, else the failure to count (the client reconnects after its backoff).
   */
  preconnect?(client: PollingClient, targetUrl: string): Promise<{ reason: string; status?: number } | null>;
  /**
   * The WebSocket handshake failed (with its HTTP status): a Socket.IO upgrade of an unknown session is a session
   * break.
   */
  handshakeFailed?(status: number | undefined): void;
  /**
   * The protocol's own connection instead of a WebSocket (Socket.IO transports: [polling]: the polling
   * session itself), or null for a WebSocket. It has the WebSocket members the client uses.
   */
  transport?(client: PollingClient): Transport | null;
  /** The backend that answered the protocol's own leg, when the 101 does not name one. */
  readonly backendOfSession?: string | null;
}

/** The connection as a protocol may use it. */
export interface ProtocolLink {
  /** Writes one text message, or a binary one (the protocol's own framing already applied). */
  write(message: Buffer | string, binary?: boolean): void;
  /** The connection's backend, once known. */
  readonly backend: string | null;
  /** The protocol gives the connection up (a failed step): the client closes it and reconnects. */
  abandon(): void;
  /** A protocol message named the backend (identify.step), or could not (null). */
  named(backend: string | null): void;
  /** One more message answered by the frame being read (replyTo returns the first one's send time). */
  replied(sentUs: number): void;
  /** The connection is dead (a keepalive unanswered, the module threw): closed, counted under `reason`. */
  dead(reason: string): void;
}

/** What a protocol records: the worker's counters and a few histograms, and the run clock. */
export interface ProtocolRecorder {
  readonly counters: WorkerCounters;
  nowMs(): number;
  stepLatency(step: string, ms: number): void;
  pushLatency(ms: number): void;
  pushGap(ms: number): void;
}

/** `replyTo`: the message answers none of the client's (a greeting, a push). */
export const NOT_A_REPLY = -1;
/** `replyTo`: the protocol's own handshake completed on this connection; traffic may start. */
export const PROTOCOL_OPENED = -2;
/** `replyTo`: the protocol's own control traffic (a ping it answered); neither a reply nor a push. */
export const PROTOCOL_CONTROL = -3;

/** Builds the protocol of one client. */
export type ProtocolFactory = (
  plan: Plan,
  clientIndex: number,
  recorder: ProtocolRecorder,
  row: DataRow | null,
) => ClientProtocol;
