import { EventEmitter } from 'node:events';
import { decodePacket, encodePacket, type Packet } from 'engine.io-parser';
import WebSocket from 'ws';
import {
  decodePackets,
  isUnknownSession,
  poll,
  PollTimeout,
  type PollingClient,
  type PollResponse,
} from '../../util/engineio-polling.js';

/** How long a close packet may take to go out when the client ends its session. */
const CLOSE_POST_MS = 1000;

/**
 * An Engine.IO session that never upgrades (socketio.transports: [polling]), standing in for the
 * WebSocket of a connection: it has the members the virtual client uses (readyState, on, close,
 * terminate, ping) and emits what a ws WebSocket emits ('upgrade', 'open', 'message' one packet at a
 * time in its WebSocket text form, 'close'). The session is opened by the protocol's preconnect
 * (handshake and namespace connect); here a GET is always out to receive, and what the client writes
 * goes out in POSTs, one at a time, as socket.io-client does. A request answered "Session ID unknown"
 * breaks the session (`onBreak`), and the connection closes with 1006.
 */
export class PollingSession extends EventEmitter {
  readyState: number = WebSocket.CONNECTING;
  private readonly queue: Packet[] = [];
  private posting = false;
  private readonly abort = new AbortController();
  private seq = 0;

  constructor(
    private readonly client: PollingClient,
    /** The session's polling URL (with its sid). */
    private readonly url: string,
    /** Packets the session received before it became the connection (with the namespace's answer). */
    private readonly early: Packet[],
    private readonly onBreak: (status: number) => void,
  ) {
    super();
    // After the caller has its listeners on: the session is open already (preconnect did the handshake).
    setImmediate(() => this.open());
  }

  private open(): void {
    if (this.readyState !== WebSocket.CONNECTING) return;
    this.emit('upgrade', { headers: {}, socket: null });
    this.readyState = WebSocket.OPEN;
    this.emit('open');
    this.deliver(this.early);
    void this.receive();
  }

  /** Writes one packet in its WebSocket text form ("3", "42[...]"). */
  send(message: Buffer | string): void {
    if (this.readyState !== WebSocket.OPEN) return;
    this.queue.push(decodePacket(message.toString()));
    if (!this.posting) setImmediate(() => this.flush());
  }

  /** Engine.IO has its own heartbeat: nothing to do for a WebSocket ping. */
  ping(): void {}

  close(): void {
    if (this.readyState >= WebSocket.CLOSING) return;
    // Best effort, as socket.io-client tells the server on its way out.
    void poll({ ...this.client, timeoutMs: CLOSE_POST_MS }, this.nextUrl(), [{ type: 'close' }]).catch(() => {});
    this.end(1000);
  }

  terminate(): void {
    this.end(1006);
  }

  private end(code: number): void {
    if (this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSED;
    this.abort.abort();
    this.emit('close', code, Buffer.alloc(0));
  }

  private nextUrl(): string {
    this.seq += 1;
    return `${this.url}&t=p${this.seq}`;
  }

  /** GET after GET while the session lives; each packet is handed on as a message. */
  private async receive(): Promise<void> {
    while (this.readyState === WebSocket.OPEN) {
      let response;
      try {
        response = await poll(this.client, this.nextUrl(), undefined, this.abort.signal);
      } catch (error) {
        if (this.readyState === WebSocket.OPEN) this.failed(error as Error);
        return;
      }
      if (!this.answered(response)) return;
      this.deliver(decodePackets(response.body));
    }
  }

  /** Each packet as a message, in its WebSocket text form; a close packet ends the session. */
  private deliver(packets: Packet[]): void {
    for (const packet of packets) {
      if (this.readyState !== WebSocket.OPEN) return;
      if (packet.type === 'close') return this.end(1005);
      encodePacket(packet, false, (encoded) => this.emit('message', Buffer.from(encoded as string), false));
    }
  }

  private async flush(): Promise<void> {
    if (this.posting || this.queue.length === 0 || this.readyState !== WebSocket.OPEN) return;
    this.posting = true;
    const packets = this.queue.splice(0);
    try {
      const response = await poll(this.client, this.nextUrl(), packets, this.abort.signal);
      if (!this.answered(response)) return;
    } catch (error) {
      if (this.readyState === WebSocket.OPEN) this.failed(error as Error);
      return;
    } finally {
      this.posting = false;
    }
    if (this.queue.length > 0) void this.flush();
  }

  /** A poll's status: false (and the session over) unless it was answered 200. */
  private answered(response: PollResponse): boolean {
    if (this.readyState !== WebSocket.OPEN) return false;
    if (response.status === 200) return true;
    if (isUnknownSession(response)) this.onBreak(response.status);
    this.emit(
      'error',
      new Error(`poll answered ${response.status}${isUnknownSession(response) ? ' (Session ID unknown)' : ''}`),
    );
    this.end(1006);
    return false;
  }

  private failed(error: Error): void {
    this.emit('error', error instanceof PollTimeout ? error : new Error(`poll failed: ${error.message}`));
    this.end(1006);
  }
}
