import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { LimitFunction } from 'p-limit';
import type { Plan } from '../scenario/plan.js';
import type { AddressPool } from '../util/address-pool.js';
import { deriveSeed, exponential, seededRandom, type Random } from '../util/rng.js';
import { backoffDelayMs } from './backoff.js';
import { backendFromMessage, backendFromUpgrade, openClientSocket } from './client-socket.js';
import { CookieJar } from './cookie-jar.js';
import { classifyConnectError } from './failure-reason.js';
import { bump } from './protocol.js';
import type { SendWheel, WheelMember } from './send-wheel.js';
import { writeTextFrame } from './text-frame.js';
import type { WorkerRecorder } from './worker-recorder.js';

/** What every client of a worker shares. */
export interface ClientContext {
  readonly plan: Plan;
  readonly urls: string[];
  readonly recorder: WorkerRecorder;
  readonly limit: LimitFunction;
  readonly pool: AddressPool;
  /** Run clock in ms (0 = the run's start, shared by all workers). */
  nowMs(): number;
  isServing(backend: string): boolean;
  readonly stopping: boolean;
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
  /** Verdicts waiting for the coordinator's word. */
  readonly pending: Set<VirtualClient>;
  /** The worker's one timer for fixed-rate sends (null for poisson traffic or no traffic). */
  readonly wheel: SendWheel | null;
  /** ws options for wss:// (the CA to trust), shared by every client. */
  readonly tlsOptions?: { ca?: string; rejectUnauthorized?: boolean };
}

/** Messages carry `stk:<intended send time, µs>:` so any echo server (raw, JSON-wrapped, prefixed) can be timed. */
const MARKER = 'stk:';
const MARKER_BYTES = Buffer.from(MARKER);
/** Silence before a close in an idle window counts as an idle timeout (no proxy times out faster). */
const IDLE_SILENCE_MS = 1000;
/** Close codes of a backend going away: crash or kill (1006), shutdown (1001), error (1011), restart (1012). */
const CRASH_CODES = new Set([1001, 1006, 1011, 1012]);
/** How long a reconnect away from home waits for word that home went down before it counts as a violation. */
const VERDICT_WAIT_MS = 2500;

/** One live WebSocket connection of a client; a client has at most one at a time. */
interface Connection {
  ws: WebSocket;
  /** The socket under `ws`, from its 101 response: messages are framed and written to it directly (text-frame.ts). */
  socket: Duplex | null;
  startedMs: number;
  opened: boolean;
  backend: string | null;
  /** pending until the 101 response, a first message or the close tells (or cannot tell) the backend. */
  identity: 'pending' | 'known' | 'none';
  /** Set when the client itself closes it (churn, drop_all, end of run). */
  byClient: boolean;
  inflight: number;
  lastTrafficMs: number;
  sentCookie: boolean;
  failure: ReturnType<typeof classifyConnectError> | null;
  sendTimer: NodeJS.Timeout | null;
  pingTimer: NodeJS.Timeout | null;
  dropTimer: NodeJS.Timeout | null;
  nextDueMs: number;
}

/**
 * A virtual client: a stable identity (index, address, cookie jar, session key) across as many
 * connections as the scenario makes it open. It paces messages, times echoes, drops and reconnects,
 * and judges every reconnect against its home backend.
 */
export class VirtualClient implements WheelMember {
  private readonly random: Random;
  private readonly jar = new CookieJar();
  private readonly sessionValue: string;
  private readonly phaseMs: number;
  private address: string | null;
  /**
   * The client's message, built once and rewritten in place before each send: it is copied into
   * the masked frame as it is written, so one buffer serves every message of the client.
   */
  private payload: Buffer | null = null;
  /** Where the last marker written into the payload ended. */
  private payloadMarkerEnd = 0;
  private home: string | null = null;
  /** The backend of the client's very first connection, and whether a failover moved it away. */
  private firstHome: string | null = null;
  private displaced = false;
  /** The last connection ended without the client closing it: the next open is a recovery. */
  private lostUnexpectedly = false;
  private homeAddress: string | null = null;
  private current: Connection | null = null;
  private failures = 0;
  /** Run-clock ms at which the client lost its last connection (-1 when connected or never connected). */
  private droppedAtMs = -1;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Whether the stack ever set a cookie on this client (so a reconnect without one is the client's doing). */
  private sawSetCookie = false;
  /** Run-clock ms of the last loss that looked like the backend going away (-1: none since the last verdict). */
  private crashLossAtMs = -1;
  /** A reconnect away from home, waiting for word on home's state (target not run by stickler). */
  private pendingVerdict: { home: string; backend: string; cause: string; timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly context: ClientContext,
    readonly index: number,
    initialAddress: string | null,
    private readonly idleWindows: readonly number[],
  ) {
    this.address = initialAddress;
    this.random = seededRandom(deriveSeed(context.plan.seed, 1, index));
    this.phaseMs = this.random() * context.plan.traffic.intervalMs;
    this.sessionValue = `s${context.plan.seed}-${index}`;
  }

  /** Schedules the first connect in this client's slot of the ramp. */
  start(): void {
    const { count, rampMs } = this.context.plan.clients;
    const slotMs = count > 1 ? (rampMs * this.index) / count : 0;
    this.reconnectTimer = setTimeout(() => this.connect(), Math.max(0, slotMs - this.context.nowMs()));
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.context.stopping) return;
    this.context.recorder.counters.attempted += 1;
    void this.context.limit(() => this.handshake());
  }

  /** Resolves when the handshake has settled, so the limiter counts handshakes in flight. */
  private handshake(): Promise<void> {
    if (this.context.stopping) return Promise.resolve();
    const { plan, urls } = this.context;
    const ws = openClientSocket({
      url: urls[this.index % urls.length],
      sessionKey: plan.clients.sessionKey,
      sessionValue: this.sessionValue,
      cookies: plan.clients.cookies ? this.jar.header() : undefined,
      address: this.address,
      via: plan.clients.via,
      tlsOptions: this.context.tlsOptions,
    });
    const connection: Connection = {
      ws, socket: null, startedMs: this.context.nowMs(), opened: false, backend: null, identity: 'pending', byClient: false, inflight: 0,
      lastTrafficMs: 0, sentCookie: plan.clients.cookies && this.jar.size > 0, failure: null,
      sendTimer: null, pingTimer: null, dropTimer: null, nextDueMs: 0,
    };
    this.current = connection;

    return new Promise<void>((settle) => {
      ws.on('upgrade', (response) => {
        connection.socket = response.socket;
        const setCookie = response.headers['set-cookie'];
        if (setCookie && setCookie.length > 0) this.sawSetCookie = true;
        if (plan.clients.cookies) this.jar.store(setCookie);
        connection.backend = backendFromUpgrade(response, plan.identify, (name) => this.jar.get(name));
      });
      ws.on('open', () => {
        settle();
        this.onOpen(connection);
      });
      ws.on('error', (error) => {
        // A handshake the client itself abandons (end of run) is not a failure of the target.
        if (!connection.opened && !connection.failure && !connection.byClient) connection.failure = classifyConnectError(error);
      });
      ws.on('close', (code) => {
        settle();
        this.onClose(connection, code);
      });
      ws.on('message', (data: Buffer) => this.onMessage(connection, data));
      ws.on('pong', () => {
        connection.lastTrafficMs = this.context.nowMs();
      });
    });
  }

  private onOpen(connection: Connection): void {
    const { recorder, plan } = this.context;
    const now = this.context.nowMs();
    connection.opened = true;
    connection.lastTrafficMs = now;
    this.failures = 0;
    recorder.counters.opened += 1;
    recorder.connectionOpened();
    recorder.handshake.recordValue(Math.max(1, Math.round((now - connection.startedMs) * 1000)));
    if (this.droppedAtMs >= 0) {
      recorder.reconnect.recordValue(Math.max(1, Math.round((now - this.droppedAtMs) * 1000)));
      this.droppedAtMs = -1;
    }
    if (this.context.stopping) {
      this.closeByClient(connection);
      return;
    }
    if (connection.backend !== null) this.identified(connection, connection.backend);
    if (plan.traffic.intervalMs > 0) this.scheduleFirstSend(connection, now);
    if (plan.traffic.pingMs > 0) {
      // Pings are the keepalive of the client library: they go on through idle windows, which
      // silence only the application's messages. That is what keeps a socket past a proxy's idle timeout.
      connection.pingTimer = setInterval(() => connection.ws.ping(), plan.traffic.pingMs);
    }
    if (plan.churn.dropEveryMs > 0) {
      connection.dropTimer = setTimeout(() => this.drop(), exponential(this.random, plan.churn.dropEveryMs));
    }
  }

  /** Records where this connection landed and judges it against the client's home. */
  private identified(connection: Connection, backend: string): void {
    const { recorder } = this.context;
    connection.backend = backend;
    connection.identity = 'known';
    recorder.backendOpened(backend);
    if (this.context.infersServing && !this.context.isServing(backend)) this.context.seenServing(backend);
    this.settlePendingVerdict();
    if (this.home === null) {
      this.home = this.firstHome = backend;
      this.homeAddress = this.address;
      return;
    }
    const counters = recorder.counters;
    counters.reconnects += 1;
    if (this.lostUnexpectedly) {
      counters.recovered += 1;
      this.lostUnexpectedly = false;
    }
    if (this.displaced && backend === this.firstHome) {
      counters.returnedHome += 1;
      this.displaced = false;
    }
    const crashLoss = this.crashLossAtMs;
    this.crashLossAtMs = -1;
    if (backend === this.home) counters.sticky += 1;
    else if (!this.context.isServing(this.home)) this.failover(backend);
    else if (this.context.infersServing && crashLoss >= 0) {
      // Home may have just gone down, and the word on it may still be on its way: wait for it.
      const cause = this.violationCause(connection);
      const timer = setTimeout(() => this.settlePendingVerdict(), VERDICT_WAIT_MS);
      this.pendingVerdict = { home: this.home, backend, cause, timer };
      this.context.pending.add(this);
    } else this.violation(this.violationCause(connection));
  }

  private failover(backend: string): void {
    const counters = this.context.recorder.counters;
    counters.failovers += 1;
    bump(counters.failoversTo, backend);
    this.displaced = backend !== this.firstHome;
    this.home = backend;
    this.homeAddress = this.address;
  }

  private violation(cause: string): void {
    this.context.recorder.counters.violations += 1;
    bump(this.context.recorder.counters.violationsByCause, cause);
  }

  /** Judges a waiting reconnect with what is known now: a failover if home is known to be down by now, else a violation. */
  settlePendingVerdict(): void {
    const pending = this.pendingVerdict;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingVerdict = null;
    this.context.pending.delete(this);
    if (!this.context.isServing(pending.home)) this.failover(pending.backend);
    else this.violation(pending.cause);
  }

  /** The backend of this connection cannot be told: counted, and left out of distribution and stickiness. */
  private unidentified(connection: Connection): void {
    if (connection.identity !== 'pending') return;
    connection.identity = 'none';
    this.context.recorder.counters.unidentified += 1;
  }

  waitsForWordOn(backend: string): boolean {
    return this.pendingVerdict?.home === backend;
  }

  /** Why a reconnect left its home while home was serving, where the client can tell. */
  private violationCause(connection: Connection): string {
    if (this.address !== this.homeAddress) return 'address_changed';
    if (this.sawSetCookie && !connection.sentCookie) return 'cookie_absent';
    return 'balancer';
  }

  private onMessage(connection: Connection, data: Buffer): void {
    const now = this.context.nowMs();
    connection.lastTrafficMs = now;
    const at = data.indexOf(MARKER_BYTES);
    if (at < 0) {
      if (connection.identity === 'pending') this.identifyFromMessage(connection, data);
      return;
    }
    // Our own echo came back before the backend said who it is: it never will.
    if (connection.identity === 'pending') this.unidentified(connection);
    let sentUs = 0;
    for (let i = at + MARKER_BYTES.length; i < data.length; i++) {
      const digit = data[i] - 48;
      if (digit < 0 || digit > 9) break;
      sentUs = sentUs * 10 + digit;
    }
    connection.inflight -= 1;
    const recorder = this.context.recorder;
    recorder.counters.received += 1;
    const latencyUs = Math.max(1, Math.round(now * 1000) - sentUs);
    const { intervalMs, pattern } = this.context.plan.traffic;
    // Paced sends: back-fill the samples a stalled echo hid (coordinated omission correction).
    if (pattern === 'fixed') recorder.message.recordValueWithExpectedInterval(latencyUs, intervalMs * 1000);
    else recorder.message.recordValue(latencyUs);
  }

  /** The first message names the backend when the 101 response did not (`{"server": "b1"}`). */
  private identifyFromMessage(connection: Connection, data: Buffer): void {
    const backend = backendFromMessage(data, this.context.plan.identify.messageField);
    if (backend === null) this.unidentified(connection);
    else this.identified(connection, backend);
  }

  private scheduleFirstSend(connection: Connection, now: number): void {
    const wheel = this.context.wheel;
    if (wheel) {
      // Fixed rate: the client's slot of the worker's wheel (its grid: phase + k * interval).
      wheel.add(this, wheel.slotOf(this.phaseMs));
      return;
    }
    connection.nextDueMs = now + exponential(this.random, this.context.plan.traffic.intervalMs);
    connection.sendTimer = setTimeout(() => this.sendPoisson(connection), connection.nextDueMs - now);
  }

  /** The wheel's call: this client's slot has come round. */
  sendDue(dueMs: number): void {
    const connection = this.current;
    if (connection && connection.ws.readyState === WebSocket.OPEN) this.sendAt(connection, dueMs, this.context.nowMs());
  }

  private sendPoisson(connection: Connection): void {
    if (this.current !== connection || connection.ws.readyState !== WebSocket.OPEN) return;
    const { intervalMs } = this.context.plan.traffic;
    const now = this.context.nowMs();
    this.sendAt(connection, connection.nextDueMs, now);
    let next = connection.nextDueMs + exponential(this.random, intervalMs);
    // Far behind (a stalled event loop): start again from now instead of bursting.
    if (next < now - intervalMs) next = now + exponential(this.random, intervalMs);
    connection.nextDueMs = next;
    connection.sendTimer = setTimeout(() => this.sendPoisson(connection), Math.max(0, next - now));
  }

  private sendAt(connection: Connection, dueMs: number, now: number): void {
    if (this.isIdle(now)) return;
    // The clock starts at the intended send time, so a late send counts its delay (coordinated
    // omission). Timers can also fire early (Node's cached loop time): then it starts now.
    const sentUs = Math.round(Math.min(dueMs, now) * 1000);
    writeTextFrame(connection.socket!, this.messageFor(sentUs, this.context.plan.traffic.size));
    connection.inflight += 1;
    connection.lastTrafficMs = now;
    this.context.recorder.counters.sent += 1;
  }

  /** `stk:<sentUs>:` then `x` up to `size` bytes, in the client's one payload buffer. */
  private messageFor(sentUs: number, size: number): Buffer {
    const payload = (this.payload ??= Buffer.alloc(size, 'x'));
    if (this.payloadMarkerEnd === 0) MARKER_BYTES.copy(payload, 0);
    // The digits by hand: no string and no call into native code per message.
    let digits = 1;
    for (let rest = sentUs; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
    const start = MARKER_BYTES.length;
    let rest = sentUs;
    for (let at = start + digits - 1; at >= start; at--) {
      payload[at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    const end = start + digits;
    payload[end] = 58; // ':'
    // A shorter number than last time leaves old digits behind: pad them over.
    if (end + 1 < this.payloadMarkerEnd) payload.fill(0x78, end + 1, this.payloadMarkerEnd);
    this.payloadMarkerEnd = end + 1;
    return payload;
  }

  private isIdle(now: number): boolean {
    for (const windowIndex of this.idleWindows) {
      const window = this.context.plan.idle[windowIndex];
      if (now >= window.atMs && now < window.atMs + window.forMs) return true;
    }
    return false;
  }

  /** Churn: the client drops its connection and reconnects after its backoff. */
  drop(): void {
    const connection = this.current;
    if (!connection || !connection.opened || connection.byClient) return;
    this.context.recorder.counters.clientDisconnects += 1;
    this.droppedAtMs = this.context.nowMs();
    this.closeByClient(connection);
    this.maybeChangeAddress();
    this.scheduleReconnect();
  }

  private maybeChangeAddress(): void {
    const { changeAddress } = this.context.plan.churn;
    if (changeAddress > 0 && this.random() < changeAddress && this.context.pool.size > 1) {
      this.address = this.context.pool.addressAt(Math.floor(this.random() * this.context.pool.size));
    }
  }

  private closeByClient(connection: Connection): void {
    connection.byClient = true;
    this.clearTimers(connection);
    if (connection.ws.readyState === WebSocket.OPEN) connection.ws.close(1000, 'client');
    else connection.ws.terminate();
  }

  private clearTimers(connection: Connection): void {
    if (this.context.wheel) this.context.wheel.remove(this, this.context.wheel.slotOf(this.phaseMs));
    if (connection.sendTimer) clearTimeout(connection.sendTimer);
    if (connection.pingTimer) clearInterval(connection.pingTimer);
    if (connection.dropTimer) clearTimeout(connection.dropTimer);
    connection.sendTimer = connection.pingTimer = connection.dropTimer = null;
  }

  private onClose(connection: Connection, code: number): void {
    const { recorder } = this.context;
    this.clearTimers(connection);
    if (!connection.opened) {
      const failure = connection.failure ?? { reason: connection.byClient ? 'aborted' : 'closed_during_handshake' };
      if (connection.byClient && !connection.failure) return; // the run ended mid-handshake
      recorder.counters.failed += 1;
      bump(recorder.counters.failedByReason, failure.reason);
      if (failure.status) bump(recorder.counters.errorsByStatus, String(failure.status));
      if (this.current === connection) {
        if (this.droppedAtMs < 0 && this.home !== null) this.droppedAtMs = connection.startedMs;
        this.failures += 1;
        this.scheduleReconnect();
      }
      return;
    }
    recorder.connectionClosed();
    if (connection.identity === 'known') recorder.backendClosed(connection.backend!);
    else this.unidentified(connection);
    recorder.counters.lost += Math.max(0, connection.inflight);
    if (connection.byClient) return;
    const now = this.context.nowMs();
    recorder.counters.unexpectedDisconnects += 1;
    this.lostUnexpectedly = true;
    bump(recorder.counters.closeCodes, String(code));
    const silentMs = now - connection.lastTrafficMs;
    // An idle-timeout cut: the client is in an idle window and the socket was silent for a while.
    const idleCut = this.isIdle(now) && silentMs >= IDLE_SILENCE_MS;
    if (idleCut) recorder.counters.idleTimeouts += 1;
    // A backend going away cuts sockets that were busy; a proxy's idle timeout cuts silent ones.
    const silentTooLong = silentMs >= Math.max(IDLE_SILENCE_MS, 1.5 * this.context.plan.traffic.intervalMs);
    if (CRASH_CODES.has(code) && !idleCut && !silentTooLong && connection.identity === 'known') {
      this.crashLossAtMs = now;
      if (this.context.infersServing) this.context.crashLikeClose(connection.backend!);
    } else this.crashLossAtMs = -1;
    if (this.current === connection) {
      this.droppedAtMs = now;
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.context.stopping || this.reconnectTimer) return;
    const delay = backoffDelayMs(this.failures, this.context.plan.churn.backoff, this.random);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** End of run: stop sending, let echoes in flight come back. */
  quiesce(): number {
    this.settlePendingVerdict();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const connection = this.current;
    if (!connection) return 0;
    this.clearTimers(connection);
    return connection.opened ? Math.max(0, connection.inflight) : 0;
  }

  /** End of run: close whatever is open; resolves when closed (or terminated). */
  finish(): void {
    const connection = this.current;
    if (connection && !connection.byClient) this.closeByClient(connection);
  }

  /** Ends at once: no timer left, the socket torn down without a close handshake. */
  terminate(): void {
    this.settlePendingVerdict();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const connection = this.current;
    if (!connection) return;
    connection.byClient = true;
    this.clearTimers(connection);
    connection.ws.terminate();
  }

  isClosed(): boolean {
    const state = this.current?.ws.readyState;
    return state === undefined || state === WebSocket.CLOSED;
  }

  /** End of run: echoes still out will not be waited for; returns how many (they count as lost). */
  abandonInflight(): number {
    const connection = this.current;
    if (!connection?.opened) return 0;
    const lost = Math.max(0, connection.inflight);
    connection.inflight = 0;
    return lost;
  }

  inflight(): number {
    return this.current?.opened ? Math.max(0, this.current.inflight) : 0;
  }
}
