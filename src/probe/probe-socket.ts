import type WebSocket from 'ws';
import {
  backendFromMessage,
  backendFromUpgrade,
  openClientSocket,
  type IdentifyRule,
  enforceHandshakeDeadline,
} from '../engine/wire/client-socket.js';
import { classifyConnectError } from '../engine/client/failure-reason.js';
import type { SessionKey } from '../scenario/plan.js';
import { describeRefusal } from '../stack/readiness.js';

/** What every probe connection shares: the target and how its backends name themselves. */
export interface ProbeTarget {
  url: string;
  identify: IdentifyRule;
  tlsOptions?: { ca?: string; rejectUnauthorized?: boolean };
  /** How a probe connection's address reaches the balancer: bound as its source, or in X-Forwarded-For. */
  via: 'socket' | 'x-forwarded-for';
  /** --header: sent on every probe connection (a token, an Origin). */
  headers?: Record<string, string>;
}

/** Where one probe connection comes from and what it carries. */
export interface ProbeIdentity {
  address: string | null;
  /** The Cookie header to send (a jar's), or undefined for none. */
  cookies?: string;
  key?: SessionKey;
  keyValue?: string;
}

/** Where a short probe connection landed, and what the 101 response said. */
export interface Landing {
  backend: string | null;
  setCookie: string[];
  server: string | null;
}

/** The target refused or could not be reached: the probe cannot go on (exit 3). */
export class ProbeUnreachable extends Error {}

/** How long a backend gets to name itself in a first message, or in the answer to ours. */
const NAME_WAIT_MS = 1500;
const CLOSE_WAIT_MS = 2000;

/** A probe reads names and short answers: nothing it needs is larger. */
const PROBE_MAX_MESSAGE = 1_048_576;

function open(target: ProbeTarget, identity: ProbeIdentity): WebSocket {
  const ws = openClientSocket({
    url: target.url,
    sessionKey: identity.key ?? { kind: 'none' },
    sessionValue: identity.keyValue ?? '',
    cookies: identity.cookies,
    address: identity.address,
    via: target.via,
    tlsOptions: target.tlsOptions,
    maxPayload: PROBE_MAX_MESSAGE,
    extras: target.headers ? { headers: target.headers, query: null } : undefined,
  });
  enforceHandshakeDeadline(ws, () => {});
  return ws;
}

/** Rejects with a ProbeUnreachable that says who refused and why, as `run` would. */
function watchHandshake(ws: WebSocket, reject: (error: Error) => void): void {
  ws.on('unexpected-response', (_request, response) => {
    const status = response.statusCode ?? 0;
    const denied = status === 401 || status === 403;
    const credentials = " (a service that wants credentials: give them with --header 'Authorization: Bearer TOKEN')";
    reject(new ProbeUnreachable(`${describeRefusal(status, response.headers)}${denied ? credentials : ''}`));
    ws.terminate();
  });
  ws.on('error', (error) => reject(new ProbeUnreachable(`${classifyConnectError(error).reason}: ${error.message}`)));
}

/**
 * One short connection: open it, learn which backend it reached (the 101 response, the backend's
 * first message, or its answer to one message of ours), then close it politely.
 */
export function land(target: ProbeTarget, identity: ProbeIdentity): Promise<Landing> {
  return new Promise((resolve, reject) => {
    const ws = open(target, identity);
    const landing: Landing = { backend: null, setCookie: [], server: null };
    let timer: NodeJS.Timeout | null = null;
    let settled = false;
    let opened = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      const hardStop = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
      ws.once('close', () => {
        clearTimeout(hardStop);
        resolve(landing);
      });
      ws.close(1000, 'probe');
    };
    watchHandshake(ws, (error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      reject(error);
    });
    ws.on('upgrade', (response) => {
      const setCookie = response.headers['set-cookie'];
      landing.setCookie = setCookie ?? [];
      landing.server = typeof response.headers.server === 'string' ? response.headers.server : null;
      landing.backend = backendFromUpgrade(response, target.identify);
    });
    ws.on('open', () => {
      opened = true;
      if (landing.backend !== null) return finish();
      // No name in the response: wait for a first message, then ask with one of ours (echo servers answer).
      timer = setTimeout(() => {
        ws.send('stickler-probe');
        timer = setTimeout(finish, NAME_WAIT_MS);
      }, NAME_WAIT_MS);
    });
    ws.on('message', (data: Buffer) => {
      landing.backend = backendFromMessage(data, target.identify.messageField);
      if (landing.backend !== null) finish();
    });
    ws.on('close', () => {
      // Closed by the other side before it named a backend: what we learnt is all there is.
      if (!settled && opened) {
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(landing);
      }
    });
  });
}

/** How a held connection ended (or that it did not, up to its bound). */
export interface HoldOutcome {
  /** Closed by the other side (or the network), not by the probe. */
  cut: boolean;
  /** Silence (no frame either way) before the cut, in ms; the whole hold when not cut. */
  silentMs: number;
  /** How long the connection had been open. */
  ageMs: number;
  code: number | null;
  /** Pings the other side sent us (a server keepalive keeps sockets from being silent). */
  serverPings: number;
  /** Messages the other side sent after the first (a first message is often a greeting). */
  serverMessages: number;
}

export interface Hold {
  readonly done: Promise<HoldOutcome>;
  /** Ends the hold now (closes the socket politely); `done` resolves with cut: false. */
  stop(): void;
  /** Sends one message (to check the socket still carries traffic). */
  send(text: string): void;
  readonly openedAt: number;
}

/**
 * Opens a connection and keeps it open without a word (or with a ping every `pingEveryMs`), until
 * the other side cuts it or `boundMs` passes. Resolves with the silence the cut came after.
 */
export async function hold(
  target: ProbeTarget,
  identity: ProbeIdentity,
  options: { boundMs: number; pingEveryMs?: number },
): Promise<Hold> {
  const ws = open(target, identity);
  await new Promise<void>((resolve, reject) => {
    watchHandshake(ws, reject);
    ws.once('open', () => resolve());
  });
  const openedAt = Date.now();
  let lastTraffic = openedAt;
  let serverPings = 0;
  let messages = 0;
  let byProbe = false;
  const touch = () => {
    lastTraffic = Date.now();
  };
  ws.on('message', () => {
    messages += 1;
    touch();
  });
  ws.on('pong', touch);
  ws.on('ping', () => {
    serverPings += 1;
    touch();
  });
  const pinger = options.pingEveryMs ? setInterval(() => ws.ping(), options.pingEveryMs) : null;
  const bound = setTimeout(() => stop(), options.boundMs);
  const stop = () => {
    if (byProbe) return;
    byProbe = true;
    ws.close(1000, 'probe');
    setTimeout(() => ws.terminate(), CLOSE_WAIT_MS).unref();
  };
  const done = new Promise<HoldOutcome>((resolve) => {
    ws.on('close', (code) => {
      if (pinger) clearInterval(pinger);
      clearTimeout(bound);
      const now = Date.now();
      resolve({
        cut: !byProbe,
        silentMs: now - lastTraffic,
        ageMs: now - openedAt,
        code: byProbe ? null : code,
        serverPings,
        serverMessages: Math.max(0, messages - 1),
      });
    });
  });
  return {
    done,
    stop,
    openedAt,
    send: (text) => {
      ws.send(text);
      touch();
    },
  };
}
