/**
 * The public face of stickler's protocol seam: what a scenario's `protocol: { module: ./my-protocol.mjs }` default-
 * exports, and what the built-in MQTT protocol is written against. Exported by the package:
 * `import type { ProtocolModule } from 'stickler'`. The guide is docs/protocol-modules.md.
 */

/** A frame: a string goes in a text frame, bytes in a binary frame. */
export type ProtocolFrame = string | Uint8Array;

/** What receive() says of a server frame; several may come in one frame (an array). */
export interface ProtocolEvent {
  /** The frame answers the traffic message with this id (as message(id) was given it): its latency is timed. */
  reply?: string;
  /** The frame names the backend (a server's hello): the connection's landing, judged for stickiness. */
  backend?: string;
  /** The protocol's own handshake is done (after open() sent frames): traffic starts now. */
  ready?: boolean;
  /** On a reconnect: the server resumed the client's session (true) or started it empty (false): continuity. */
  resumed?: boolean;
}

/** One connection's view of its virtual client, given to create(). */
export interface ProtocolClient {
  /** The virtual client's index, 0-based, the same in every worker and shard (`{{client}}` in templates). */
  readonly index: number;
  /** The client's row of clients.data (columns by name), or null without a data file. */
  readonly data: Readonly<Record<string, string>> | null;
  /** The client's session key: kept across its reconnects (a stable client id). */
  readonly session: string;
  /** How many connections this client opened before this one (0: its first). */
  readonly reconnects: number;
  /** Writes a frame now (an acknowledgement, a keepalive). */
  send(frame: ProtocolFrame): void;
  /**
   * Closes this connection as dead (a keepalive unanswered): counted in disconnects.by_reason under `reason`,
   * then the client reconnects after its backoff like after any cut.
   */
  close(reason: string): void;
}

/** One connection's protocol state, made by create() at the WebSocket's open. */
export interface ProtocolConnection {
  /** Frames sent at open; if any, traffic waits until receive() returns { ready: true }. */
  open?(): ProtocolFrame[] | void;
  /** One traffic message for the id stickler made: the reply that names this id times it. */
  message(id: string): ProtocolFrame;
  /** A frame from the server (a string for a text frame, bytes for a binary one). */
  receive(frame: ProtocolFrame, binary: boolean): ProtocolEvent | ProtocolEvent[] | null | void;
  /** The connection ended (stop timers here). */
  closed?(): void;
}

/** A protocol module's default export. */
export interface ProtocolModule {
  /** Offered in Sec-WebSocket-Protocol (a scenario's subprotocol takes precedence). */
  readonly subprotocol?: string;
  /** Traffic frames are binary (default text); a frame's own type wins when message() returns one. */
  readonly binary?: boolean;
  /** Called once per connection, at its open. */
  create(client: ProtocolClient): ProtocolConnection;
}
