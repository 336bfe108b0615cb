import { decodePacket, type Packet } from 'engine.io-parser';
import { Decoder, Encoder, PacketType, type Packet as SocketPacket } from 'socket.io-parser';
import { ackIdOf, argumentJson, eventFrame } from './socketio-codec.js';
import { bump } from '../../metrics/counters.js';
import type { Plan, SocketioPlan } from '../../scenario/plan.js';
import { valueAt } from '../../util/json-path.js';
import { renderTemplate, type DataRow } from '../../util/template.js';
import { CheckedMessage } from '../../util/message-check.js';
import {
  NOT_A_REPLY,
  PROTOCOL_CONTROL,
  PROTOCOL_OPENED,
  type ClientProtocol,
  type ProtocolLink,
  type ProtocolRecorder,
} from './client-protocol.js';
import type { Transport } from '../wire/transport.js';
import { PollingSession } from '../wire/polling-session.js';
import { PushCounter } from './push-counter.js';
import {
  decodePackets,
  isUnknownSession,
  poll,
  withKeptConnection,
  type PollingClient,
} from '../../util/engineio-polling.js';

/** Encodes the namespace connect (stateless: one for every client). */
const NAMESPACE_ENCODER = new Encoder();

/**
 * Socket.IO v4 over Engine.IO v4, as socket.io-client connects: with polling first, the handshake
 * (GET), the namespace connect (POST "40", then a GET for its answer), then the WebSocket upgrade of
 * that session (probe "2probe"/"3probe", then "5"); with [websocket], the open packet and the
 * namespace connect on the WebSocket. Every request of a session is checked: an answer "Session ID
 * unknown" (HTTP 400) is a session break, counted and named, and the client opens a new session.
 * Engine.IO pings are answered; each message is an emit of traffic.event with an ack, timed from its
 * intended send time; server emits are pushes. The packets are the official codecs' (engine.io-parser,
 * socket.io-parser).
 */
export class SocketioProtocol implements ClientProtocol {
  private readonly io: SocketioPlan;
  /** socket.io-parser's decoder, made when a packet other than an ACK comes (its CONNECT answer, server emits). */
  private decoder: Decoder | null = null;
  private decoded: SocketPacket | null = null;
  /** The server emit the last message carried ({ event, data: its first argument }), for backendIn right after. */
  private lastEvent: { event: unknown; data: unknown } | null = null;
  private readonly inflight = new Map<number, number>();
  private readonly pushes: PushCounter | null;
  private ackId = 0;
  private sid: string | null = null;
  /** The session's polling URL (with its sid), for a session that never upgrades. */
  private sessionUrl: string | null = null;
  /** What came with the namespace's answer (a hello emit), handed on as the polling session's first messages. */
  private early: Packet[] = [];
  private sessionBackend: string | null = null;
  readonly awaitsReplies: boolean;

  constructor(
    private readonly plan: Plan,
    private readonly clientIndex: number,
    private readonly recorder: ProtocolRecorder,
    private readonly row: DataRow | null = null,
  ) {
    this.io = plan.app.socketio!;
    this.awaitsReplies = plan.app.reply.kind !== 'none';
    this.pushes = plan.app.push ? new PushCounter(plan.app.push, recorder, { client: clientIndex }, row) : null;
  }

  /** The session's WebSocket: a new one ([websocket]), or the upgrade of the polling session. */
  connectUrl(targetUrl: string): string {
    return (
      `${this.endpoint(targetUrl)}?EIO=4&transport=websocket` +
      `${this.sid ? `&sid=${encodeURIComponent(this.sid)}` : ''}`
    );
  }

  /**
   * The polling leg of a session (transports: [polling, websocket]): null when the upgrade may follow, else why not.
   */
  async preconnect(client: PollingClient, targetUrl: string): Promise<{ reason: string; status?: number } | null> {
    this.sid = null;
    this.sessionBackend = null;
    if (!this.io.polling) return null;
    const base = `${this.endpoint(targetUrl).replace(/^ws/, 'http')}?EIO=4&transport=polling`;
    try {
      return await withKeptConnection(client, base.startsWith('https:'), (kept) => this.pollingStart(kept, base));
    } catch {
      return { reason: 'polling_error' };
    }
  }

  /** The session's first polls: the handshake, the namespace's CONNECT and its answer. */
  private async pollingStart(client: PollingClient, base: string): Promise<{ reason: string; status?: number } | null> {
    const handshake = await poll(client, `${base}&t=${this.clientIndex}h`);
    const open =
      handshake.status === 200 ? decodePackets(handshake.body).find((packet) => packet.type === 'open') : undefined;
    if (!open)
      return { reason: handshake.status === 200 ? 'not_socketio' : 'polling_refused', status: handshake.status };
    this.sid = (JSON.parse(String(open.data)) as { sid: string }).sid;
    this.sessionBackend = handshake.backend;
    this.sessionOpened(true);
    const url = (this.sessionUrl = `${base}&sid=${encodeURIComponent(this.sid)}`);
    const posted = await poll(client, url, [this.namespaceConnect()]);
    if (isUnknownSession(posted)) return this.broken(posted.status);
    const answer = await poll(client, `${url}&t=${this.clientIndex}c`);
    if (isUnknownSession(answer)) return this.broken(answer.status);
    if (answer.status !== 200) return { reason: 'polling_refused', status: answer.status };
    // The server's first emits may share the response of its namespace answer ("40..." first).
    this.early = decodePackets(answer.body).filter(
      (packet) => !(packet.type === 'message' && String(packet.data).startsWith(`${PacketType.CONNECT}`)),
    );
    return null;
  }

  /** transports: [polling]: the session is the connection; its requests are checked as it goes. */
  transport(client: PollingClient): Transport | null {
    if (this.io.upgrade || !this.sid || !this.sessionUrl) return null;
    // A PollingSession has the WebSocket members the virtual client uses.
    return new PollingSession(client, this.sessionUrl, this.early, (status) => this.broken(status));
  }

  /** The session's backend as its first request named it (the WebSocket upgrade may not say). */
  get backendOfSession(): string | null {
    return this.sessionBackend;
  }

  /** The upgrade of a polling session was refused: "Session ID unknown" is a 400 there too. */
  handshakeFailed(status: number | undefined): void {
    if (this.sid && status === 400) {
      this.recorder.counters.sessionBreaks += 1;
      this.sid = null;
    }
  }

  opened(link: ProtocolLink): boolean {
    this.inflight.clear();
    // With polling, the namespace is connected already: probe the upgrade (or, polling only, go on).
    if (this.sid && !this.io.upgrade) return true;
    if (this.sid) link.write(Buffer.from('2probe'));
    return false;
  }

  message(sentUs: number): string {
    const id = this.awaitsReplies ? ++this.ackId : undefined;
    if (id !== undefined) this.inflight.set(id, sentUs);
    const template = this.plan.app.message;
    const text = template
      ? renderTemplate(
          template,
          {
            client: this.clientIndex,
            seq: this.ackId,
            id: `${this.clientIndex}-${this.ackId}`,
            now_ms: Date.now(),
          },
          this.row,
        )
      : `stk:${sentUs}:`;
    return eventFrame(this.io.namespace, id, this.io.event, template ? argumentJson(text) : JSON.stringify(text));
  }

  replyTo(data: Buffer, link: ProtocolLink): number {
    this.lastEvent = null;
    // An Engine.IO message ("4"): the Socket.IO packet is the rest.
    if (data[0] === 0x34) return this.socketPacket(data.toString('utf8', 1));
    const packet = decodePacket(data.toString()) as Packet;
    switch (packet.type) {
      case 'ping':
        link.write(Buffer.from('3'));
        return PROTOCOL_CONTROL;
      case 'pong':
        if (packet.data !== 'probe') return PROTOCOL_CONTROL;
        link.write(Buffer.from('5'));
        this.recorder.counters.sessionsUpgraded += 1;
        return PROTOCOL_OPENED;
      case 'open':
        this.sessionOpened(false);
        link.write(Buffer.from(`4${this.namespaceConnect().data as string}`));
        return PROTOCOL_CONTROL;
      case 'message':
        return this.socketPacket(String(packet.data));
      default:
        return PROTOCOL_CONTROL;
    }
  }

  /** The backend named in the server emit replyTo just decoded (the client asks right after it). */
  backendIn(): string | null {
    const value = this.lastEvent ? valueAt(this.lastEvent.data, this.plan.identify.messageField.split('.')) : undefined;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  }

  closed(): void {
    this.inflight.clear();
    this.sid = null;
  }

  finish(): void {
    this.pushes?.finish();
  }

  private socketPacket(text: string): number {
    const ackId = ackIdOf(text);
    if (ackId >= 0) return this.acked(ackId);
    this.decoded = null;
    try {
      this.decoderOf().add(text);
    } catch {
      return PROTOCOL_CONTROL;
    }
    const packet = this.decoded as SocketPacket | null;
    if (!packet) return PROTOCOL_CONTROL;
    if (packet.type === PacketType.CONNECT) return this.sid ? PROTOCOL_CONTROL : PROTOCOL_OPENED;
    if (packet.type === PacketType.ACK && packet.id !== undefined) return this.acked(packet.id);
    if (packet.type === PacketType.EVENT) {
      this.lastEvent = { event: packet.data?.[0], data: packet.data?.[1] };
      this.pushes?.received(this.pushes.readsContent ? CheckedMessage.ofJson(this.lastEvent) : undefined);
    }
    return NOT_A_REPLY;
  }

  /** The send time of the emit acknowledged with `id`. */
  private acked(id: number): number {
    const sentUs = this.inflight.get(id);
    if (sentUs === undefined) {
      this.recorder.counters.unmatched += 1;
      return PROTOCOL_CONTROL;
    }
    this.inflight.delete(id);
    return sentUs;
  }

  private decoderOf(): Decoder {
    if (this.decoder) return this.decoder;
    const decoder = new Decoder();
    decoder.on('decoded', (packet: SocketPacket) => (this.decoded = packet));
    return (this.decoder = decoder);
  }

  private sessionOpened(polling: boolean): void {
    const counters = this.recorder.counters;
    counters.sessionsOpened += 1;
    bump(counters.sessionsByTransport, polling ? 'polling' : 'websocket');
  }

  private broken(status: number): { reason: string; status: number } {
    this.recorder.counters.sessionBreaks += 1;
    this.sid = null;
    return { reason: 'session_unknown', status };
  }

  private namespaceConnect(): Packet {
    const [encoded] = NAMESPACE_ENCODER.encode({ type: PacketType.CONNECT, nsp: this.io.namespace });
    return { type: 'message', data: encoded as string };
  }

  private endpoint(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.pathname = this.io.path.endsWith('/') ? this.io.path : `${this.io.path}/`;
    url.search = '';
    return url.toString().replace(/\?$/, '');
  }
}
