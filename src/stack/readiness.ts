import WebSocket from 'ws';
import { wsTlsOptions, type ClientTls } from './tls-material.js';

/** Longest one attempt may take, whatever the target sends meanwhile (a 101 written a byte a second). */
const ATTEMPT_MS = 2000;

/** The wait was interrupted (Ctrl-C): nothing to report but that. */
export class WaitAborted extends Error {}

/**
 * The request a url target's start-up check makes: the clients' own handshake (their headers, query, session key,
 * subprotocol, compression), so a service that wants a token or a key sees what the clients will send.
 */
export interface UpgradeRequest {
  url: string;
  headers: Record<string, string>;
  subprotocols: readonly string[];
  compression: boolean;
  /** Where each header came from, for a refusal's message: `Authorization (clients.headers)`. Never a value. */
  sent: string[];
}

/**
 * Resolves once a WebSocket upgrade through `url` succeeds; rejects after `timeoutMs`, a deadline the
 * target cannot stretch (each attempt has its own hard limit), or at once when `signal` aborts.
 */
export async function waitForUpgrade(
  url: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
  tls?: ClientTls,
  signal?: AbortSignal,
  request?: UpgradeRequest,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new WaitAborted('interrupted while waiting for the target');
    if (!isAlive()) throw new Error('the process exited');
    const limitMs = Math.max(1, Math.min(ATTEMPT_MS, deadline - Date.now()));
    try {
      await tryUpgrade(request ?? plainRequest(url), limitMs, tls, signal);
      return;
    } catch (error) {
      // A backend that answered without upgrading will answer the same next time: no use waiting.
      if ((error instanceof RefusedUpgrade && error.definitive) || error instanceof WaitAborted) throw error;
      // The last attempt, cut short by the deadline, timed out: the error before it (a certificate refused) says more.
      if (limitMs === ATTEMPT_MS || lastError === 'no attempt') lastError = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no WebSocket upgrade through ${url} within ${timeoutMs} ms (last error: ${lastError})`);
}

function plainRequest(url: string): UpgradeRequest {
  return { url, headers: {}, subprotocols: [], compression: false, sent: [] };
}

function tryUpgrade(request: UpgradeRequest, limitMs: number, tls?: ClientTls, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(request.url, [...request.subprotocols], {
      perMessageDeflate: request.compression,
      handshakeTimeout: limitMs,
      maxPayload: 64 * 1024,
      headers: request.headers,
      ...wsTlsOptions(tls),
    });
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
      ws.terminate();
    };
    // ws's own handshake timeout is an idle timeout: a target that trickles bytes never trips it.
    const timer = setTimeout(
      () => settle(() => reject(new Error(`the upgrade took longer than ${limitMs} ms`))),
      limitMs,
    );
    const onAbort = () => settle(() => reject(new WaitAborted('interrupted while waiting for the target')));
    signal?.addEventListener('abort', onAbort, { once: true });
    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      const denied = status === 401 || status === 403;
      settle(() =>
        reject(
          new RefusedUpgrade(
            denied ? describeDenial(status, request.sent) : describeRefusal(status, response.headers),
            denied || typeof response.headers['x-backend-id'] === 'string',
          ),
        ),
      );
    });
    ws.on('open', () => settle(resolve));
    ws.on('error', (error) => settle(() => reject(error)));
  });
}

/** A 401 or 403: the service wants credentials the handshake lacks, or refuses the ones it has: no use retrying. */
export function describeDenial(status: number, sent: readonly string[]): string {
  const what = status === 401 ? '401 (unauthorized)' : '403 (forbidden)';
  if (sent.length === 0)
    return (
      `the upgrade was refused with ${what}, and the clients' handshake carries no credentials: give ` +
      'clients.headers (e.g. Authorization: "Bearer {{data.token}}" with clients.data), clients.query or ' +
      'clients.session_key'
    );
  return (
    `the upgrade was refused with ${what}; the clients' handshake sent ${sent.join(', ')} (values not shown): ` +
    "check each against what the service expects (a data file's column, a token's expiry, an Origin it allows)"
  );
}

/** An upgrade answered with an HTTP status; definitive when a backend itself answered. */
export class RefusedUpgrade extends Error {
  constructor(
    message: string,
    readonly definitive: boolean,
  ) {
    super(message);
  }
}

/**
 * Who refused an upgrade, where the response tells: a backend that answers a plain HTTP status got
 * the request without its Upgrade/Connection headers (a proxy on the way speaks HTTP/1.0 or drops
 * them); a proxy's own status (502, 503, 504) means it found no backend to upgrade with.
 */
export function describeRefusal(status: number, headers: Record<string, string | string[] | undefined>): string {
  const server = typeof headers.server === 'string' ? headers.server : null;
  const backend = typeof headers['x-backend-id'] === 'string' ? headers['x-backend-id'] : null;
  const via = server ? ` (through ${server})` : '';
  if (backend) {
    return (
      `the upgrade was refused on the way: backend ${backend} answered ${status}` +
      `${via}, so the request reached it without its Upgrade/Connection headers; ` +
      ('a proxy in the chain speaks HTTP/1.0 or drops them (nginx: proxy_http_version ' +
        '1.1 and the Upgrade/Connection map)')
    );
  }
  if (status === 502 || status === 503 || status === 504) {
    return (
      `the upgrade was refused by ${server ?? 'a proxy'} with ${status}: it had no backend ` +
      `to pass it to (all down, refusing, or unreachable)`
    );
  }
  if (status === 404) {
    return (
      `the upgrade was refused with 404${server ? ` by ${server}` : ''}: nothing serves ` +
      `WebSockets at this path; set target.path (e.g. /ws) or put the path in the url`
    );
  }
  return `the upgrade was refused with ${status}${server ? ` by ${server}` : ''}`;
}
