import WebSocket from 'ws';
import { wsTlsOptions, type ClientTls } from './tls-material.js';

/** Longest one attempt may take, whatever the target sends meanwhile (a 101 written a byte a second). */
const ATTEMPT_MS = 2000;

/** The wait was interrupted (Ctrl-C): nothing to report but that. */
export class WaitAborted extends Error {}

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
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new WaitAborted('interrupted while waiting for the target');
    if (!isAlive()) throw new Error('the process exited');
    try {
      await tryUpgrade(url, Math.max(1, Math.min(ATTEMPT_MS, deadline - Date.now())), tls, signal);
      return;
    } catch (error) {
      // A backend that answered without upgrading will answer the same next time: no use waiting.
      if ((error instanceof RefusedUpgrade && error.definitive) || error instanceof WaitAborted) throw error;
      lastError = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no WebSocket upgrade through ${url} within ${timeoutMs} ms (last error: ${lastError})`);
}

function tryUpgrade(url: string, limitMs: number, tls?: ClientTls, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: limitMs,
      maxPayload: 64 * 1024,
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
      settle(() =>
        reject(
          new RefusedUpgrade(
            describeRefusal(response.statusCode ?? 0, response.headers),
            typeof response.headers['x-backend-id'] === 'string',
          ),
        ),
      );
    });
    ws.on('open', () => settle(resolve));
    ws.on('error', (error) => settle(() => reject(error)));
  });
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
