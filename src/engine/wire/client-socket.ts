import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import type { Transport } from './transport.js';
import type { Plan, SessionKey } from '../../scenario/plan.js';
import { cookieFromSetCookie } from '../client/cookie-jar.js';
import { SESSION_HEADER } from '../../util/session-resume.js';
import { withQuery, type HandshakeExtras } from './handshake-extras.js';
import { offeredSubprotocols } from '../protocols/module-registry.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;

/** How one connection of a client identity is opened: where from, with which key and cookies. */
export interface ClientSocketOptions {
  url: string;
  sessionKey: SessionKey;
  /** The value of the client's session key (query, header or cookie). */
  sessionValue: string;
  /** The Cookie header the client's jar sends (without the session-key cookie), if any. */
  cookies?: string;
  /** The client's address, or null for the machine's default. */
  address: string | null;
  /** The address travels as the socket's source, or (behind a CDN or another proxy) in X-Forwarded-For. */
  via: 'socket' | 'x-forwarded-for';
  tlsOptions?: { ca?: string; rejectUnauthorized?: boolean };
  /** The largest message accepted; a larger one closes the connection with 1009. */
  maxPayload: number;
  /** Sec-WebSocket-Protocol values offered (graphql-transport-ws for a graphql-ws server). */
  subprotocols?: readonly string[];
  /** Managed reference backends (target.state): the session to resume, sent in x-stickler-session. */
  resume?: string;
  /** The scenario's own headers and query (clients.headers, clients.query), rendered for this client. */
  extras?: HandshakeExtras;
  /** Offer permessage-deflate (compression: true). */
  compression?: boolean;
}

/** The options every connection of a scenario shares. */
export function plannedSocket(
  plan: Plan,
  url: string,
  tlsOptions?: ClientSocketOptions['tlsOptions'],
): Pick<
  ClientSocketOptions,
  'url' | 'sessionKey' | 'via' | 'tlsOptions' | 'maxPayload' | 'subprotocols' | 'compression'
> {
  return {
    url,
    compression: plan.compression,
    sessionKey: plan.clients.sessionKey,
    via: plan.clients.via,
    tlsOptions,
    maxPayload: plan.traffic.maxMessageBytes,
    subprotocols: offeredSubprotocols(plan.app),
  };
}

/**
 * What every request of a client carries, a WebSocket handshake or an HTTP poll (Socket.IO): its
 * session key (query, header or cookie), its cookies, and its address (bound, or in X-Forwarded-For).
 */
export function clientRequest(
  options: Pick<
    ClientSocketOptions,
    'url' | 'sessionKey' | 'sessionValue' | 'cookies' | 'address' | 'via' | 'resume' | 'extras'
  >,
): { url: string; headers: Record<string, string>; bindAddress: string | null } {
  const { sessionKey: key, sessionValue, extras } = options;
  let url = options.url;
  const headers: Record<string, string> = extras?.headers ? { ...extras.headers } : {};
  if (extras?.query) url = withQuery(url, extras.query);
  if (key.kind === 'query') url = withQuery(url, `${encodeURIComponent(key.name)}=${encodeURIComponent(sessionValue)}`);
  if (key.kind === 'header') headers[key.name] = sessionValue;
  if (options.resume) headers[SESSION_HEADER] = options.resume;
  const cookies = [headers.cookie, options.cookies, key.kind === 'cookie' ? `${key.name}=${sessionValue}` : undefined]
    .filter(Boolean)
    .join('; ');
  if (cookies) headers.cookie = cookies;
  const bindAddress = options.via === 'socket' ? options.address : null;
  if (options.via === 'x-forwarded-for' && options.address) headers['x-forwarded-for'] = options.address;
  return { url, headers, bindAddress };
}

/** The default pool's one address: connections from it are not bound (see openClientSocket). */
const UNBOUND_LOOPBACK = '127.0.0.1';

/**
 * Opens one WebSocket the way every stickler client does (the load engine's virtual clients and
 * `stickler probe` alike), so both see a balancer through the same handshake.
 */
export function openClientSocket(options: ClientSocketOptions): WebSocket {
  const { url, headers, bindAddress } = clientRequest(options);
  // One options object, no spreads: this runs once per connection attempt. No `handshakeTimeout`:
  // every caller sets enforceHandshakeDeadline, a deadline for the whole handshake, where ws's is an
  // idle timeout on the socket (a timer refreshed on each read and write of the handshake).
  const wsOptions: WebSocket.ClientOptions = {
    perMessageDeflate: options.compression === true,
    // What comes back is our own ASCII or the backend's JSON: no need to validate UTF-8 per frame.
    skipUTF8Validation: true,
    maxPayload: options.maxPayload,
    headers,
  };
  // 127.0.0.1 is what the kernel picks for a loopback target anyway: not bound, connect() picks the port by the
  // 4-tuple, where bind() to one address searches for a port free of every other use of that address (0.86 s of CPU
  // more at 5,000 connections from the default pool, in the profile of the bench's echo run).
  if (bindAddress === UNBOUND_LOOPBACK) wsOptions.family = 4;
  else if (bindAddress) {
    wsOptions.localAddress = bindAddress;
    // A name such as localhost may resolve to ::1 first; an IPv4 source needs an IPv4 destination.
    if (net.isIPv4(bindAddress)) wsOptions.family = 4;
  }
  if (options.tlsOptions) Object.assign(wsOptions, options.tlsOptions);
  return withFastListenerTable(new WebSocket(url, options.subprotocols as string[] | undefined, wsOptions));
}

/** A prototype with nothing on it: no inherited name can pass for an event. */
const NOTHING_INHERITED: object = Object.create(null);

/**
 * EventEmitter keeps a new emitter's listeners in a null-prototype object, which V8 holds as a hash
 * table: about 440 bytes once a client's six events are on it. An object whose prototype is an empty
 * null-prototype object stays a fast object of about 100 bytes, as the listener tables of Node's own
 * streams are. Set before any listener (ws adds none to the socket itself while constructing it);
 * Node's EventEmitter reads and writes `_events` as any object.
 */
function withFastListenerTable(ws: WebSocket): WebSocket {
  // eslint-disable-next-line no-restricted-syntax -- EventEmitter's own table, in no type; Node reads it as any object
  const emitter = ws as unknown as { _events: object; _eventsCount: number };
  if (emitter._eventsCount === 0) emitter._events = Object.create(NOTHING_INHERITED) as object;
  return ws;
}

/**
 * Ends a handshake that has not opened `ms` after it began, however the target paces its bytes (an
 * idle timeout, as ws's own `handshakeTimeout` is, never trips on a 101 written one byte a second).
 * Every caller of openClientSocket sets one: it is the only handshake timeout. Calls `expired` first
 * (so the caller can name the failure).
 *
 * The timer runs out rather than being cleared at the open (it then finds the socket open and does
 * nothing), and is unref'd so that no exit waits for it. Node keeps one timer list per duration,
 * made when the first timer of it is set and dropped when the last one goes: cleared at each open,
 * the 10 s list was made again for every handshake, and with the ramp's thousands of lists queued
 * that cost about 90 µs a handshake (5,000 handshakes: 0.45 s of CPU), against 3 µs when it stays.
 */
export function enforceHandshakeDeadline(ws: Transport, expired: () => void, ms = HANDSHAKE_TIMEOUT_MS): void {
  setTimeout(() => {
    if (ws.readyState !== WebSocket.CONNECTING) return;
    expired();
    ws.terminate();
  }, ms).unref();
}

/** Where the scenario's `identify` says a backend names itself. */
export interface IdentifyRule {
  header: string;
  messageField: string;
  cookie: string | null;
}

/** The backend named by the 101 response (a header, or the value of a cookie), or null. */
export function backendFromUpgrade(
  response: IncomingMessage,
  identify: IdentifyRule,
  jarValue?: (name: string) => string | undefined,
): string | null {
  const fromHeader = response.headers[identify.header];
  if (typeof fromHeader === 'string' && fromHeader) return fromHeader;
  if (!identify.cookie) return null;
  return cookieFromSetCookie(response.headers['set-cookie'], identify.cookie) ?? jarValue?.(identify.cookie) ?? null;
}

/** Headers every 101 carries: they name no backend. */
const PLAIN_HEADERS = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'date',
  'content-length',
  'transfer-encoding',
  'keep-alive',
]);

/**
 * A 101's headers as `name: value` (values cut short; cookies by name), to show what a server sent when it named no
 * backend.
 */
export function describeHeaders(response: IncomingMessage): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(response.headers)) {
    if (PLAIN_HEADERS.has(name) || value === undefined) continue;
    if (name === 'set-cookie')
      for (const cookie of [value].flat()) lines.push(`set-cookie: ${cookie.split('=')[0]}=...`);
    else lines.push(`${name}: ${String(value).slice(0, 60)}`);
  }
  return lines;
}

/** The backend named by a first JSON message (`{"server": "b1"}`), or null when it names none. */
export function backendFromMessage(data: Buffer, messageField: string): string | null {
  try {
    // A dotted path (data.server) reaches into nested objects.
    let value: unknown = JSON.parse(data.toString());
    for (const key of messageField.split('.'))
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if ((typeof value === 'string' && value) || typeof value === 'number') return String(value);
  } catch {
    // not JSON: the backend stays unknown
  }
  return null;
}
