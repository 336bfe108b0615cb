import { bump } from '../../metrics/counters.js';
import type { DataRow } from '../../util/template.js';
import {
  NOT_A_REPLY,
  PROTOCOL_CONTROL,
  PROTOCOL_OPENED,
  type ClientProtocol,
  type ProtocolLink,
  type ProtocolRecorder,
} from './client-protocol.js';
import { describeModuleError } from './module-registry.js';
import { InflightQueue } from './inflight-queue.js';
import { dropOlder } from './reply-matcher.js';
import type {
  ProtocolClient,
  ProtocolConnection,
  ProtocolEvent,
  ProtocolFrame,
  ProtocolModule,
} from './protocol-module.js';

/** Distinct module errors kept for the finding (each with its count); the rest are counted only. */
const MAX_ERROR_KINDS = 5;

/** What one client's module connection needs of the run. */
export interface ModuleClientFacts {
  readonly index: number;
  readonly session: string;
  readonly row: DataRow | null;
  readonly replyTimeoutMs: number;
}

/**
 * A protocol module (the user's own, or a built-in written against the same interface, MQTT) as a client protocol:
 * stickler makes the ids, keeps the messages in flight and times the replies the module names. Whatever the module
 * throws closes that connection as `module_error`; the run goes on.
 */
export class ModuleProtocol implements ClientProtocol {
  readonly awaitsReplies = true;
  private connection: ProtocolConnection | null = null;
  private link: ProtocolLink | null = null;
  private opens = 0;
  private sequence = 0;
  /** Messages in flight: id and intended send time (µs), oldest first. */
  private readonly inflight = new InflightQueue();
  /**
   * Messages still unanswered when their connection ended (counted lost then): a broker that kept the session may
   * deliver them after the reconnect (continuity.offline.delivered), or not (offline.lost).
   */
  private offline: Map<string, number> | null = null;
  /** The backends of this client's last connection and of the one before it (a resume elsewhere is stale). */
  private lastBackend: string | null = null;
  private previousBackend: string | null = null;
  private lastBinary = false;

  constructor(
    private readonly module: ProtocolModule,
    private readonly clientFacts: ModuleClientFacts,
    private readonly recorder: ProtocolRecorder,
  ) {}

  /** The frame type of the message just made (a string in a text frame unless the module says binary). */
  get binary(): boolean {
    return this.lastBinary;
  }

  connectUrl(targetUrl: string): string {
    return targetUrl;
  }

  opened(link: ProtocolLink): boolean {
    this.link = link;
    if (this.inflight.size > 0) this.offline ??= new Map();
    this.inflight.drain((id, sentUs) => this.offline!.set(id, sentUs));
    this.previousBackend = this.lastBackend;
    const client = this.client(link);
    this.opens += 1;
    const frames = this.guard(() => {
      this.connection = this.module.create(client);
      return this.connection.open?.() ?? [];
    });
    if (!frames || !this.connection) return false;
    for (const frame of frames) this.write(link, frame);
    return frames.length === 0;
  }

  message(sentUs: number): Buffer {
    const id = `${this.facts.index}-${(this.sequence += 1)}`;
    this.inflight.add(id, sentUs);
    const frame = this.connection ? this.guard(() => this.connection!.message(id)) : null;
    if (frame === null || frame === undefined) {
      this.lastBinary = false;
      return Buffer.alloc(0);
    }
    this.lastBinary = typeof frame !== 'string' || this.module.binary === true;
    return toBuffer(frame);
  }

  replyTo(data: Buffer, link: ProtocolLink, binary = false): number {
    if (!this.connection) return PROTOCOL_CONTROL;
    const frame: ProtocolFrame = binary ? data : data.toString('utf8');
    const said = this.guard(() => this.connection!.receive(frame, binary));
    if (said === null || said === undefined) return this.connection ? NOT_A_REPLY : PROTOCOL_CONTROL;
    let result = PROTOCOL_CONTROL;
    for (const event of Array.isArray(said) ? said : [said]) result = this.take(event, link, result);
    return result;
  }

  /** One event of receive(): its reply's send time, or what the frame was. */
  private take(event: ProtocolEvent | null | undefined, link: ProtocolLink, result: number): number {
    if (!event) return result;
    if (typeof event.backend === 'string' && event.backend !== '') link.named(event.backend);
    if (typeof event.resumed === 'boolean' && this.opens > 1) this.resumed(event.resumed, link);
    if (event.reply !== undefined) {
      const sentUs = this.inflight.take(String(event.reply));
      if (sentUs === undefined && this.offline?.delete(String(event.reply))) {
        this.recorder.counters.offlineDelivered += 1;
        return result;
      }
      if (sentUs === undefined) {
        this.recorder.counters.unmatched += 1;
        return result;
      }
      // One frame may answer several messages: the first is returned, the others are timed through the link.
      if (result < 0) return sentUs;
      link.replied(sentUs);
      return result;
    }
    if (event.ready === true && result < 0) return PROTOCOL_OPENED;
    return result;
  }

  /**
   * A reconnect's session: resumed where the last connection was, or lost: absent (a server that never saw it, or
   * restarted), or stale (present on another backend, from an earlier visit: what was queued since is elsewhere).
   */
  private resumed(resumed: boolean, link: ProtocolLink): void {
    const counters = this.recorder.counters;
    counters.resumes += 1;
    const previous = this.previousBackend;
    const stale = resumed && previous !== null && link.backend !== null && link.backend !== previous;
    if (resumed && !stale) counters.resumed += 1;
    else bump(counters.stateLost, stale ? 'stale' : 'session_absent');
    if (resumed) return;
    counters.offlineLost += this.offline?.size ?? 0;
    this.offline = null;
  }

  backendIn(): string | null {
    return null;
  }

  expire(nowUs: number): number {
    const oldest = nowUs - this.facts.replyTimeoutMs * 1000;
    const expired = this.inflight.dropOlder(oldest);
    if (this.offline) this.recorder.counters.offlineLost += dropOlder(this.offline, oldest);
    return expired;
  }

  /** The run ended: what was still queued for this client was not delivered. */
  finish(): void {
    this.recorder.counters.offlineLost += this.offline?.size ?? 0;
    this.offline = null;
  }

  closed(): void {
    this.lastBackend = this.link?.backend ?? null;
    const connection = this.connection;
    this.connection = null;
    this.link = null;
    if (connection?.closed) this.guard(() => connection.closed!());
  }

  private client(link: ProtocolLink): ProtocolClient {
    return new ClientView(this, link, this.opens);
  }

  /** ClientView's send and close: only while `link` is still this client's connection. */
  sendOn(link: ProtocolLink, frame: ProtocolFrame): void {
    if (this.link === link) this.write(link, frame);
  }

  closeOn(link: ProtocolLink, reason: string): void {
    if (this.link === link) link.dead(String(reason || 'module_close'));
  }

  get facts(): ModuleClientFacts {
    return this.clientFacts;
  }

  private write(link: ProtocolLink, frame: ProtocolFrame): void {
    link.write(toBuffer(frame), typeof frame !== 'string' || this.module.binary === true);
  }

  /** Runs the module's code: what it throws is counted, closes the connection, and yields null. */
  private guard<T>(call: () => T): T | null {
    try {
      return call();
    } catch (error) {
      const counters = this.recorder.counters;
      const kinds = counters.moduleErrors;
      const text = describeModuleError(error);
      if (text in kinds || Object.keys(kinds).length < MAX_ERROR_KINDS) bump(kinds, text);
      else bump(kinds, 'other errors');
      const { link, connection } = this;
      this.connection = null;
      this.link = null;
      link?.dead('module_error');
      try {
        connection?.closed?.();
      } catch {
        // Already counted: the connection is closed for the first error.
      }
      return null;
    }
  }
}

function toBuffer(frame: ProtocolFrame): Buffer {
  if (typeof frame === 'string') return Buffer.from(frame);
  return Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

/** One connection's view of its client: methods on the prototype, not closures per connection. */
class ClientView implements ProtocolClient {
  constructor(
    private readonly protocol: ModuleProtocol,
    private readonly link: ProtocolLink,
    readonly reconnects: number,
  ) {}

  get index(): number {
    return this.protocol.facts.index;
  }

  get data(): Readonly<Record<string, string>> | null {
    return this.protocol.facts.row;
  }

  get session(): string {
    return this.protocol.facts.session;
  }

  send(frame: ProtocolFrame): void {
    this.protocol.sendOn(this.link, frame);
  }

  close(reason: string): void {
    this.protocol.closeOn(this.link, reason);
  }
}
