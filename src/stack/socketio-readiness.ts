import WebSocket from 'ws';
import type { SocketioPlan } from '../scenario/plan.js';
import { decodePackets, poll, PollTimeout, type PollingClient } from '../util/engineio-polling.js';
import { describeDenial, RefusedUpgrade, WaitAborted, type UpgradeRequest } from './readiness.js';
import { wsTlsOptions, type ClientTls } from './tls-material.js';

const ATTEMPT_MS = 2000;

/** The target answered, and not as Socket.IO does: waiting longer will not change that. */
class NotSocketio extends Error {}

/**
 * Before a `protocol: socketio` run: the target must open an Engine.IO session, by a polling
 * handshake (GET PATH?EIO=4&transport=polling -> `0{"sid":...}`) or, with [websocket], an upgrade
 * whose first message is the open packet. A plain WebSocket server or a wrong socketio.path fails at
 * once, saying what answered instead and the fix.
 */
export async function waitForSocketio(
  targetUrl: string,
  io: SocketioPlan,
  timeoutMs: number,
  tls?: ClientTls,
  signal?: AbortSignal,
  request?: UpgradeRequest,
): Promise<void> {
  const base = new URL(targetUrl);
  const headers = request?.headers ?? {};
  const sent = request?.sent ?? [];
  base.pathname = io.path.endsWith('/') ? io.path : `${io.path}/`;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new WaitAborted('interrupted while waiting for the target');
    try {
      await (io.polling ? pollingHandshake(base, headers, sent, tls) : websocketOpen(base, headers, sent, tls));
      return;
    } catch (error) {
      if (error instanceof RefusedUpgrade) throw error;
      if (error instanceof NotSocketio)
        throw new Error(
          `${error.message}; check socketio.path (now ${io.path}) and that the target ` +
            `runs Socket.IO 4, or use protocol: ws`,
          { cause: error },
        );
      lastError = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(
    `no Socket.IO session through ${base.origin}${base.pathname} within ${timeoutMs} ms (last error: ${lastError})`,
  );
}

async function pollingHandshake(
  base: URL,
  headers: Record<string, string>,
  sent: string[],
  tls?: ClientTls,
): Promise<void> {
  const url = new URL(base);
  url.protocol = base.protocol === 'wss:' ? 'https:' : 'http:';
  url.search = '?EIO=4&transport=polling';
  const what = `GET ${url.pathname}${url.search}`;
  const client: PollingClient = {
    request: (target) => ({ url: target, headers, bindAddress: null }),
    storeCookies: () => {},
    tlsOptions: wsTlsOptions(tls),
    identifyHeader: 'x-backend-id',
    timeoutMs: ATTEMPT_MS,
  };
  const response = await poll(client, url.toString()).catch((error: Error) => {
    // It took the connection and said nothing: a server with no handler for the path (a plain WebSocket server).
    if (error instanceof PollTimeout)
      throw new NotSocketio(
        `${what} was accepted but not answered within ${ATTEMPT_MS} ms, not an Engine.IO handshake (0{"sid":...})`,
      );
    throw error;
  });
  if (response.status === 401 || response.status === 403)
    throw new RefusedUpgrade(describeDenial(response.status, sent).replace('the upgrade was', `${what} was`), true);
  if (response.status !== 200 || !decodePackets(response.body).some((packet) => packet.type === 'open')) {
    throw new NotSocketio(
      `${what} answered ${response.status} ` +
        `${JSON.stringify(response.body.slice(0, 120))}, not an Engine.IO handshake ` +
        `(0{"sid":...})`,
    );
  }
}

function websocketOpen(base: URL, headers: Record<string, string>, sent: string[], tls?: ClientTls): Promise<void> {
  const url = new URL(base);
  url.search = '?EIO=4&transport=websocket';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: ATTEMPT_MS,
      headers,
      ...wsTlsOptions(tls),
    });
    const timer = setTimeout(
      () =>
        done(
          new NotSocketio(
            `the upgrade at ${url.pathname}${url.search} opened, but no Engine.IO open ` +
              `packet came within ${ATTEMPT_MS} ms: a plain WebSocket server`,
          ),
        ),
      ATTEMPT_MS,
    );
    const done = (error?: Error) => {
      clearTimeout(timer);
      ws.terminate();
      if (error) reject(error);
      else resolve();
    };
    ws.on('message', (data: Buffer) =>
      done(
        /^0\{.*"sid"/.test(data.toString())
          ? undefined
          : new NotSocketio(
              `the upgrade at ${url.pathname} answered ` +
                `${JSON.stringify(data.toString().slice(0, 120))}, not an Engine.IO open packet`,
            ),
      ),
    );
    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      done(
        status === 401 || status === 403
          ? new RefusedUpgrade(describeDenial(status, sent), true)
          : new NotSocketio(`the upgrade at ${url.pathname}${url.search} was refused with ${status}`),
      );
    });
    ws.on('error', (error) => done(error));
  });
}
