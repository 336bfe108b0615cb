import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { deriveSeed, exponential, seededRandom, type Random } from '../../util/rng.js';
import { ClientLife } from './client-life.js';
import { overFloodBudget } from './flood-guard.js';
import { addressAfterDrop } from './pacing.js';
import { identifyFromMessage } from './backend-identity.js';
import { ClientCredentials } from './credentials.js';
import { ClientContinuity } from './continuity.js';
import { pollingClient } from '../wire/polling-client.js';
import { Connection, homeContext, markUnidentified, type ClientContext, type ConnectionOwner } from './context.js';
import { recordOpenClose } from './close-accounting.js';
import { ClientHome } from './home.js';
import { ClientTraffic } from './traffic.js';
import { backendFromUpgrade, describeHeaders, enforceHandshakeDeadline } from '../wire/client-socket.js';
import { openTransport } from '../wire/open-transport.js';
import { closeWebSocket, listenTo, settleHandshake } from '../wire/connection-events.js';
import { NOT_A_REPLY, PROTOCOL_OPENED, type ClientProtocol } from '../protocols/client-protocol.js';
import { createProtocol } from '../protocols/index.js';
import type { WorkerCounters } from '../../metrics/counters.js';
import { clientRow } from '../../scenario/population/schedule.js';

/** compression: true: the handshake offered permessage-deflate; the 101 says whether the server took it. */
function countCompression(counters: WorkerCounters, response: IncomingMessage): void {
  counters.compressionOffered += 1;
  if (String(response.headers['sec-websocket-extensions'] ?? '').includes('permessage-deflate'))
    counters.compressionAccepted += 1;
}

/**
 * A virtual client: a stable identity (index, address, cookie jar, session key) across as many
 * connections as the scenario makes it open. It paces messages, times echoes, drops and reconnects,
 * and judges every reconnect against its home backend.
 */
export class VirtualClient extends ClientLife implements ConnectionOwner {
  protected readonly random: Random;
  private readonly credentials: ClientCredentials;
  protected readonly protocol: ClientProtocol;
  protected readonly traffic: ClientTraffic;
  protected readonly home: ClientHome;
  private readonly continuity: ClientContinuity | null; // target.state: what its session should resume to
  constructor(
    context: ClientContext,
    index: number,
    initialAddress: string | null,
    idleWindows: readonly number[],
    rowIndex = index,
  ) {
    super(context, index);
    const { plan } = context;
    const row = clientRow(plan, rowIndex);
    const { headers, query } = plan.clients;
    this.credentials = new ClientCredentials(
      `s${plan.seed}-${index}`,
      initialAddress,
      plan.clients.cookies,
      headers.length > 0 || query.length > 0 ? { templates: { headers, query }, index, row } : null,
    );
    this.random = seededRandom(deriveSeed(plan.seed, 1, index));
    this.protocol = createProtocol(plan, index, context.protocolRecorder, row);
    this.continuity = context.plan.state
      ? new ClientContinuity(context.recorder, !context.plan.app.steps.some((step) => step.continuity))
      : null;
    this.traffic = new ClientTraffic(context, this.protocol, this.random, idleWindows, this.continuity, this);
    this.home = new ClientHome(homeContext(context));
  }

  /** Resolves when the handshake has settled, so the limiter counts handshakes in flight. */
  protected async handshake(): Promise<void> {
    this.noteLateStart();
    const target = this.context.urls[this.index % this.context.urls.length];
    // A protocol's own leg first (Socket.IO's polling); still queued meanwhile, for abandonAtEnd.
    const refused =
      this.protocol.preconnect && !this.context.stopping
        ? await this.protocol.preconnect(pollingClient(this.context, this.credentials), target)
        : null;
    // Counted as attempted when it was queued; no longer queued here means abandonAtEnd counted its failure.
    const counted = !this.queued;
    this.queued = false;
    if (this.context.stopping || this.left) {
      if (!counted) this.context.recorder.failed(this.left ? 'left_before_open' : 'pending_at_end');
      return;
    }
    if (refused) return this.attemptFailed(refused, this.context.nowMs());
    const ws = openTransport(this.context, this.protocol, this.credentials, target, this.continuity !== null);
    const connection = new Connection(ws, this.context.nowMs(), this.credentials.sendsCookie, this);
    this.current = connection;
    enforceHandshakeDeadline(ws, () => (connection.failure ??= { reason: 'timeout' }));
    listenTo(ws, connection);
    return new Promise<void>((settle) => (connection.settle = settle));
  }

  upgraded(connection: Connection, response: IncomingMessage): void {
    const { credentials } = this;
    connection.socket = response.socket;
    credentials.storeCookies(response.headers['set-cookie']);
    this.continuity?.upgraded(response.headers);
    if (this.context.plan.compression) countCompression(this.context.recorder.counters, response);
    connection.backend =
      backendFromUpgrade(response, this.context.plan.identify, (name) => credentials.jar.get(name)) ??
      this.protocol.backendOfSession ??
      null;
    if (connection.backend === null) connection.upgradeHeaders = describeHeaders(response);
  }

  /**
   * An attempt that did not open (a refused handshake, or the protocol's own leg: a Socket.IO session broke while
   * polling): counted, then a reconnect after the backoff.
   */
  private attemptFailed(failure: { reason: string; status?: number }, startedMs: number): void {
    this.context.recorder.failed(failure.reason, failure.status);
    if (this.droppedAtMs < 0 && this.home.known) this.droppedAtMs = startedMs;
    this.failures += 1;
    this.scheduleReconnect();
  }

  opened(connection: Connection): void {
    settleHandshake(connection);
    const { recorder, plan } = this.context;
    const now = this.context.nowMs();
    connection.opened = true;
    connection.lastTrafficMs = now;
    this.failures = 0;
    recorder.connectionOpened(now - connection.startedMs, this.droppedAtMs >= 0 ? now - this.droppedAtMs : -1);
    this.context.outages.back(this.index, now);
    this.droppedAtMs = -1;
    if (this.context.stopping) {
      // Opened in the stop's grace period: closed at once, neither a landing nor an unidentified connection.
      connection.identity = 'none';
      this.closeByClient(connection);
      return;
    }
    if (connection.backend !== null) this.identified(connection, connection.backend);
    if (this.protocol.opened(connection)) this.traffic.start(connection, now);
    this.traffic.startPings(connection, now);
    if (plan.churn.dropEveryMs > 0) {
      connection.dropTimer = setTimeout(() => this.drop(), exponential(this.random, plan.churn.dropEveryMs));
    }
  }

  /** Records where this connection landed and judges it against the client's home. */
  private identified(connection: Connection, backend: string): void {
    connection.backend = backend;
    connection.identity = 'known';
    this.context.recorder.backendOpened(backend);
    if (this.context.infersServing && !this.context.isServing(backend)) this.context.seenServing(backend);
    this.home.landed({
      backend,
      address: this.credentials.address,
      cookieSet: this.credentials.sawSetCookie,
      cookieSent: connection.sentCookie,
    });
  }

  keptReceiver(): void {
    this.context.recorder.counters.receiversKept += 1;
  }

  ponged(connection: Connection): void {
    connection.lastTrafficMs = this.context.nowMs();
    connection.pingOutMs = -1;
  }

  /** The target pinged (ws answers with a pong): counted, and against the flood budget. */
  pinged(connection: Connection): void {
    this.context.recorder.counters.pingsReceived += 1;
    overFloodBudget(connection, this.context.nowMs(), this.context.recorder.counters);
  }

  get pingTimeoutMs(): number {
    return this.context.plan.traffic.pingTimeoutMs;
  }

  message(connection: Connection, data: Buffer, binary: boolean): void {
    const now = this.context.nowMs();
    if (overFloodBudget(connection, now, this.context.recorder.counters)) return;
    connection.lastTrafficMs = now;
    const sentUs = this.protocol.replyTo(data, connection, binary);
    if (sentUs === PROTOCOL_OPENED && !connection.ready) this.traffic.start(connection, now);
    // Any of the first messages may name the backend, a reply too (an ack with its server).
    if ((sentUs >= 0 || sentUs === NOT_A_REPLY) && connection.identity === 'pending') {
      const backend = identifyFromMessage(connection, data, this.protocol, this.context);
      if (backend !== null) this.identified(connection, backend);
    }
    if (sentUs >= 0) this.traffic.replied(connection, sentUs, now);
  }

  replied(connection: Connection, sentUs: number): void {
    if (this.current === connection && connection.opened)
      this.traffic.replied(connection, sentUs, this.context.nowMs());
  }

  /**
   * The connection is dead by the client's judgement (a keepalive or pong unanswered, a module error): torn down and
   * counted as a cut under `reason`, not as the client's own close, so the reconnect and outage figures follow.
   */
  dead(connection: Connection, reason: string): void {
    if (this.current !== connection || connection.byClient || !connection.opened) return;
    connection.closeReason ??= reason;
    connection.ws.terminate();
  }

  /** The protocol read the backend's name in a step's answer (or found none there). */
  named(connection: Connection, backend: string | null): void {
    if (backend === null) markUnidentified(connection, this.context.recorder);
    else if (connection.identity === 'pending') this.identified(connection, backend);
  }

  /** The protocol gave the connection up (a failed step): the client closes it and reconnects after its backoff. */
  giveUp(connection: Connection): void {
    if (this.current !== connection || connection.byClient) return;
    this.closeByClient(connection);
    this.droppedAtMs = this.context.nowMs();
    this.failures += 1;
    this.scheduleReconnect();
  }

  /** Churn: the client drops its connection and reconnects after its backoff. */
  drop(): void {
    const connection = this.current;
    if (!connection || !connection.opened || connection.byClient) return;
    this.context.recorder.counters.clientDisconnects += 1;
    this.droppedAtMs = this.context.nowMs();
    this.closeByClient(connection);
    this.credentials.address = addressAfterDrop(
      this.credentials.address,
      this.context.plan.churn.changeAddress,
      this.context.pool,
      this.random,
      this.context.plan.churn.rotateAddress,
    );
    this.scheduleReconnect();
  }

  /** The client's own close: its on_close messages first, then the close code and reason the scenario gives. */
  protected closeByClient(connection: Connection, why = 'client'): void {
    connection.byClient = true;
    this.clearTimers(connection);
    if (connection.ws.readyState !== WebSocket.OPEN) {
      connection.ws.terminate();
      return;
    }
    this.protocol.closing?.(connection);
    const { code, reason } = this.context.plan.app.close;
    closeWebSocket(connection.ws, code, reason === 'client' ? why : reason);
  }

  protected clearTimers(connection: Connection): void {
    this.traffic.stop(connection);
    this.traffic.stopPings(connection);
    if (connection.dropTimer) clearTimeout(connection.dropTimer);
    connection.dropTimer = null;
  }

  closed(connection: Connection, code: number): void {
    settleHandshake(connection);
    const { recorder } = this.context;
    this.clearTimers(connection);
    if (connection.opened) this.protocol.closed?.(connection.byClient);
    if (!connection.opened) {
      if (connection.failureCounted) return;
      // The client itself abandons a handshake only when the run ends.
      const failure = connection.failure ?? {
        reason: connection.byClient ? 'pending_at_end' : 'closed_during_handshake',
      };
      this.protocol.handshakeFailed?.(failure.status);
      if (this.current === connection) this.attemptFailed(failure, connection.startedMs);
      else recorder.failed(failure.reason, failure.status);
      return;
    }
    const now = this.context.nowMs();
    const kind = recordOpenClose(recorder, connection, code, {
      now,
      inIdleWindow: this.traffic.isIdle(now),
      intervalMs: this.context.plan.traffic.intervalMs,
    });
    if (kind && connection.identity === 'known') this.context.outages.cut(this.index, connection.backend!, now);
    if (!kind) return;
    this.home.lost(kind.crashLike);
    if (kind.crashLike && this.context.infersServing) this.context.crashLikeClose(connection.backend!);
    if (this.current === connection) {
      this.droppedAtMs = now;
      this.scheduleReconnect();
    }
  }
}
