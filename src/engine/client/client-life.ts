import WebSocket from 'ws';
import type { ClientProtocol } from '../protocols/client-protocol.js';
import { backoffDelayMs } from './backoff.js';
import { markUnidentified, type ClientContext, type Connection } from './context.js';
import type { ClientHome } from './home.js';
import type { Random } from '../../util/rng.js';
import type { ClientTraffic } from './traffic.js';

/** A first connect this much past its schedule is late (a timer's own lateness is a few ms). */
const LATE_START_MS = 50;

/**
 * First connects go out in batches on a grid of this many ms (each up to one step early): a connect wakes a proxy
 * asleep in epoll_wait, on the connecting process's CPU, and a batch pays that once (docs/performance.md).
 */
const START_GRID_MS = 100;

/**
 * A virtual client's life around its connections: when it starts, reconnects, leaves for good, and how it ends with
 * the run. The connection's own events are VirtualClient's (the subclass); this half shares its prototype, so the
 * split costs nothing per client.
 */
export abstract class ClientLife {
  protected abstract readonly random: Random;
  protected abstract readonly protocol: ClientProtocol;
  protected abstract readonly traffic: ClientTraffic;
  protected abstract readonly home: ClientHome;
  protected current: Connection | null = null;
  protected failures = 0;
  /** Run-clock ms at which the client lost its last connection (-1 when connected or never connected). */
  protected droppedAtMs = -1;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private leaveTimer: NodeJS.Timeout | null = null;
  /** Left for good: no reconnect follows. */
  protected left = false;
  /** Run-clock ms of the first connect's schedule (-1 once it started). */
  private scheduledMs = -1;
  /** An attempt is counted and waits in the worker's handshake limiter. */
  protected queued = false;

  constructor(
    protected readonly context: ClientContext,
    readonly index: number,
  ) {}

  /** Opens one connection (the handshake, through the worker's limiter). */
  protected abstract handshake(): Promise<void>;
  /** The client's own close of a connection (its on_close messages, its close code). */
  protected abstract closeByClient(connection: Connection, why?: string): void;
  /** Stops the connection's timers (traffic, pings, drops). */
  protected abstract clearTimers(connection: Connection): void;

  /** Schedules the first connect at the client's start (its slot of the ramp, its stage, its arrival) and its leave. */
  start(): void {
    const { schedule, plan } = this.context;
    const now = this.context.nowMs();
    this.scheduledMs = schedule.startMs(this.index);
    const onGridMs = Math.floor(this.scheduledMs / START_GRID_MS) * START_GRID_MS;
    this.reconnectTimer = setTimeout(() => this.connect(), Math.max(0, onGridMs - now));
    const leaveMs = schedule.leaveMs(this.index);
    if (leaveMs < plan.durationMs) this.leaveTimer = setTimeout(() => this.leave(), Math.max(0, leaveMs - now));
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.context.stopping || this.left) return;
    this.context.recorder.counters.attempted += 1;
    this.queued = true;
    void this.context.limit(() => this.handshake());
  }

  /** The client's time is up (a stage's ramp-down, its session's end): it closes with 1000 and does not come back. */
  private leave(): void {
    this.leaveTimer = null;
    if (this.context.stopping || this.left) return;
    this.left = true;
    this.context.recorder.counters.left += 1;
    this.stopReconnecting();
    const connection = this.current;
    if (!connection || connection.byClient) return;
    if (connection.opened) this.closeByClient(connection, 'leave');
    else {
      connection.failure ??= { reason: 'left_before_open' };
      connection.byClient = true;
      connection.ws.terminate();
    }
  }

  /** traffic.count reached and its replies in (or given up): the client closes and leaves for good. */
  done(): void {
    if (this.left || this.context.stopping) return;
    this.left = true;
    this.context.recorder.counters.left += 1;
    this.stopReconnecting();
    if (this.current && !this.current.byClient) this.closeByClient(this.current, 'done');
  }

  protected scheduleReconnect(): void {
    if (this.context.stopping || this.left || this.reconnectTimer) return;
    const delay = backoffDelayMs(this.failures, this.context.plan.churn.backoff, this.random);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** End of run (or of the client's time): waiting verdicts are judged with what is known, no reconnect follows. */
  private stopReconnecting(): void {
    this.home.settleWaiting();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.leaveTimer) clearTimeout(this.leaveTimer);
    this.leaveTimer = null;
  }

  /**
   * The open model's promise: a first connect that waited for a handshake slot past its scheduled arrival is counted
   * with its delay, not moved (coordinated omission at the connection level).
   */
  protected noteLateStart(): void {
    if (this.scheduledMs < 0) return;
    const lateMs = this.context.nowMs() - this.scheduledMs;
    this.scheduledMs = -1;
    if (lateMs < LATE_START_MS) return;
    this.context.recorder.counters.lateStarts += 1;
    this.context.recorder.counters.lateStartMs += lateMs;
  }

  /** End of run: stop sending, let echoes in flight come back. */
  quiesce(): number {
    this.stopReconnecting();
    if (this.current) this.clearTimers(this.current);
    return this.inflight();
  }

  /** End of run: close whatever is open; resolves when closed (or terminated). */
  finish(): void {
    if (this.current && !this.current.byClient) this.closeByClient(this.current);
  }

  /** Ends at once: no timer left, the socket torn down without a close handshake. */
  terminate(): void {
    this.stopReconnecting();
    if (!this.current) return;
    this.current.byClient = true;
    this.clearTimers(this.current);
    this.current.ws.terminate();
  }

  isClosed(): boolean {
    return (this.current?.ws.readyState ?? WebSocket.CLOSED) === WebSocket.CLOSED;
  }

  /**
   * End of run, before the final snapshot: echoes still out count as lost (returned), and an attempt
   * still waiting for its turn or its 101 ends as a failure (pending_at_end): none is left uncounted.
   */
  abandonAtEnd(): number {
    this.protocol.finish?.();
    if (this.queued) {
      this.queued = false;
      this.context.recorder.failed('pending_at_end');
    }
    const connection = this.current;
    if (!connection) return 0;
    if (!connection.opened && !connection.failureCounted && connection.ws.readyState === WebSocket.CONNECTING) {
      connection.failureCounted = true;
      this.context.recorder.failed('pending_at_end');
    }
    // A backend that named itself in none of the messages so far never will now.
    if (connection.opened) markUnidentified(connection, this.context.recorder);
    const lost = this.inflight();
    // Open to the end with messages unanswered: the target stopped answering it (without pings, nothing closed it).
    if (lost > 0 && !connection.silent) {
      connection.silent = true;
      this.context.recorder.counters.silentConnections += 1;
    }
    connection.inflight = 0;
    return lost;
  }

  /** A handshake of this client is under way. */
  handshaking(): boolean {
    return this.current !== null && !this.current.opened && this.current.ws.readyState === WebSocket.CONNECTING;
  }

  inflight(): number {
    return this.current?.opened ? Math.max(0, this.current.inflight) : 0;
  }
}
