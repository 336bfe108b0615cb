import WebSocket from 'ws';
import { exponential, type Random } from '../../util/rng.js';
import type { Connection, TrafficContext } from './context.js';
import { inIdleWindow, nextPoissonDue } from './pacing.js';
import type { ClientProtocol } from '../protocols/client-protocol.js';
import type { WheelMember } from './send-wheel.js';

/** Most clients take part in no idle window: one list for all of them. */
const NO_IDLE_WINDOWS: readonly number[] = Object.freeze([]);

/**
 * A client's messages on its open connection: paced on the worker's wheel (fixed rate) or by its own
 * timer (Poisson), silent in its idle windows, and timed when their replies come back.
 */
export class ClientTraffic implements WheelMember {
  private connection: Connection | null = null;
  /** Messages sent over the client's life (traffic.count), and whether the last one went. */
  private sentTotal = 0;
  private countReached = false;
  private readonly phaseMs: number;
  private readonly idleWindows: readonly number[];

  constructor(
    private readonly context: TrafficContext,
    private readonly protocol: ClientProtocol,
    private readonly random: Random,
    idleWindows: readonly number[],
    /** target.state: each answered message is one more in the session the backend should hold. */
    private readonly continuity: { replied(): void } | null = null,
    /** traffic.count: told once the client's last message is answered (or given up). */
    private readonly owner: { done(): void } | null = null,
  ) {
    this.phaseMs = random() * context.plan.traffic.intervalMs;
    this.idleWindows = idleWindows.length === 0 ? NO_IDLE_WINDOWS : idleWindows;
  }

  /** The connection may carry messages from now on. */
  start(connection: Connection, now: number): void {
    connection.ready = true;
    this.connection = connection;
    if (this.countReached) return;
    if (this.context.plan.traffic.think) {
      // A closed loop: the first message now, each next one a think time after the reply to the last.
      connection.sendTimer = setTimeout(() => this.sendThinking(connection), 0);
      return;
    }
    if (this.context.plan.traffic.intervalMs <= 0) return;
    const wheel = this.context.wheel;
    if (wheel) {
      // Fixed rate: the client's slot of the worker's wheel (its grid: phase + k * interval).
      wheel.add(this, wheel.slotOf(this.phaseMs));
      return;
    }
    connection.nextDueMs = now + exponential(this.random, this.context.plan.traffic.intervalMs);
    connection.sendTimer = setTimeout(() => this.sendPoisson(connection), connection.nextDueMs - now);
  }

  /** No more messages on this connection. */
  stop(connection: Connection): void {
    if (this.context.wheel) this.context.wheel.remove(this, this.context.wheel.slotOf(this.phaseMs));
    if (connection.sendTimer) clearTimeout(connection.sendTimer);
    connection.sendTimer = null;
    if (this.connection === connection) this.connection = null;
  }

  /**
   * Pings are the keepalive of the client library: they go on through idle windows, which silence
   * only the application's messages. That is what keeps a socket past a proxy's idle timeout. The
   * slot just behind now comes round one ping interval from now.
   */
  startPings(connection: Connection, now: number): void {
    const pings = this.context.pingWheel;
    if (!pings) return;
    connection.pingSlot = pings.slotOf(now + this.context.plan.traffic.pingMs - 1);
    pings.add(connection, connection.pingSlot);
  }

  stopPings(connection: Connection): void {
    if (connection.pingSlot >= 0) this.context.pingWheel?.remove(connection, connection.pingSlot);
    connection.pingSlot = -1;
  }

  /** The wheel's call: this client's slot has come round. */
  sendDue(dueMs: number): void {
    const connection = this.connection;
    if (connection && connection.ws.readyState === WebSocket.OPEN) this.sendAt(connection, dueMs, this.context.nowMs());
  }

  private sendPoisson(connection: Connection): void {
    if (this.connection !== connection || connection.ws.readyState !== WebSocket.OPEN) return;
    const { intervalMs } = this.context.plan.traffic;
    const now = this.context.nowMs();
    this.sendAt(connection, connection.nextDueMs, now);
    const next = (connection.nextDueMs = nextPoissonDue(connection.nextDueMs, now, intervalMs, this.random));
    connection.sendTimer = setTimeout(() => this.sendPoisson(connection), Math.max(0, next - now));
  }

  private sendThinking(connection: Connection): void {
    connection.sendTimer = null;
    if (this.connection !== connection || connection.ws.readyState !== WebSocket.OPEN) return;
    const now = this.context.nowMs();
    this.sendAt(connection, now, now);
    if (!this.protocol.awaitsReplies) this.thinkThenSend(connection);
  }

  /** think: the next message a think time from now (uniform in its range). */
  private thinkThenSend(connection: Connection): void {
    const [low, high] = this.context.plan.traffic.think!;
    if (this.countReached || connection.sendTimer) return;
    connection.sendTimer = setTimeout(() => this.sendThinking(connection), low + this.random() * (high - low));
  }

  /** traffic.count reached: no more messages; the client is done once the last reply is in or given up. */
  private reachedCount(connection: Connection): void {
    this.countReached = true;
    this.stop(connection);
    if (!this.protocol.awaitsReplies || connection.inflight <= 0) this.owner?.done();
    else setTimeout(() => this.owner?.done(), this.context.plan.app.replyTimeoutMs).unref();
  }

  private sendAt(connection: Connection, dueMs: number, now: number): void {
    if (this.isIdle(now)) return;
    const unsent = connection.unsentBytes();
    if (unsent > this.context.plan.traffic.maxBufferedBytes) return this.holdBack(connection, unsent);
    // The clock starts at the intended send time, so a late send counts its delay (coordinated
    // omission). Timers can also fire early (Node's cached loop time): then it starts now.
    const sentUs = Math.round(Math.min(dueMs, now) * 1000);
    connection.write(this.protocol.message(sentUs), this.protocol.binary);
    if (this.protocol.awaitsReplies) connection.inflight += 1;
    // Messages past the reply timeout are given up (lost) as the next ones go out.
    const expired = this.protocol.expire?.(sentUs) ?? 0;
    if (expired > 0) {
      connection.inflight -= expired;
      this.context.recorder.counters.lost += expired;
      if (!connection.silent) {
        connection.silent = true;
        this.context.recorder.counters.silentConnections += 1;
      }
    }
    connection.lastTrafficMs = now;
    this.context.recorder.counters.sent += 1;
    const { count } = this.context.plan.traffic;
    if (count > 0 && ++this.sentTotal >= count) this.reachedCount(connection);
  }

  /**
   * The target stopped reading (its unsent bytes are over traffic.max_buffered): the message is held back, neither sent
   * nor lost, so stickler's memory stays bounded; sending resumes once the target reads again.
   */
  private holdBack(connection: Connection, unsent: number): void {
    const counters = this.context.recorder.counters;
    counters.backpressured += 1;
    if (connection.heldBack) return;
    connection.heldBack = true;
    counters.backpressuredConnections += 1;
    counters.backpressuredBytes += unsent;
  }

  /** The reply to a message sent at `sentUs` came back at `now`. */
  replied(connection: Connection, sentUs: number, now: number): void {
    connection.inflight -= 1;
    const recorder = this.context.recorder;
    recorder.counters.received += 1;
    this.continuity?.replied();
    const latencyUs = Math.max(1, Math.round(now * 1000) - sentUs);
    const { intervalMs, pattern } = this.context.plan.traffic;
    // Paced sends: back-fill the samples a stalled echo hid (coordinated omission correction).
    if (pattern === 'fixed' && !this.context.plan.traffic.think)
      recorder.message.recordValueWithExpectedInterval(latencyUs, intervalMs * 1000);
    else recorder.message.recordValue(latencyUs);
    if (this.countReached) {
      if (connection.inflight <= 0) this.owner?.done();
    } else if (this.context.plan.traffic.think) this.thinkThenSend(connection);
  }

  isIdle(now: number): boolean {
    return inIdleWindow(now, this.idleWindows, this.context.plan.idle);
  }
}
