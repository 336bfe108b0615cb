import { CookieJar } from '../engine/client/cookie-jar.js';
import { clientRequest } from '../engine/wire/client-socket.js';
import { decodePackets, isUnknownSession, poll, type PollingClient } from '../util/engineio-polling.js';
import type { Advice } from './advice.js';
import type { ProbeTarget } from './probe-socket.js';

/** What the probe found of a Socket.IO endpoint: do polling sessions stay on one node, with and without cookies? */
export interface SocketioFindings {
  path: string;
  /** Sessions tried each way; a session is a handshake and three more requests (connect, poll, emit). */
  sessions: number;
  broken_with_cookies: number;
  broken_without_cookies: number;
  /** Nodes that answered handshakes, when they name themselves. */
  nodes: string[];
}

const SESSIONS = 6;
const PATH = '/socket.io/';

/** Null when the target does not answer an Engine.IO polling handshake at /socket.io/. */
export async function probeSocketio(
  target: ProbeTarget,
  address: string | null,
  log: (line: string) => void,
): Promise<SocketioFindings | null> {
  const base = new URL(target.url);
  base.protocol = base.protocol === 'wss:' ? 'https:' : 'http:';
  base.pathname = PATH;
  base.search = '?EIO=4&transport=polling';
  const nodes = new Set<string>();
  const trial = async (cookies: boolean): Promise<number | null> => {
    let broken = 0;
    for (let i = 0; i < SESSIONS; i++) {
      const jar = new CookieJar();
      const client: PollingClient = {
        request: (url) =>
          clientRequest({
            url,
            sessionKey: { kind: 'none' },
            sessionValue: '',
            cookies: cookies ? jar.header() : undefined,
            address,
            via: target.via,
            extras: target.headers ? { headers: target.headers, query: null } : undefined,
          }),
        storeCookies: (setCookie) => jar.store(setCookie),
        tlsOptions: target.tlsOptions,
        identifyHeader: target.identify.header,
        // A server that is not Socket.IO may hold the request unanswered: the probe does not wait long.
        timeoutMs: 1500,
      };
      const handshake = await poll(client, `${base}&t=p${i}`).catch(() => null);
      const open =
        handshake?.status === 200 ? decodePackets(handshake.body).find((packet) => packet.type === 'open') : undefined;
      if (!open) return i === 0 ? null : broken;
      if (handshake!.backend) nodes.add(handshake!.backend);
      const url = `${base}&sid=${encodeURIComponent((JSON.parse(String(open.data)) as { sid: string }).sid)}`;
      const answers = [
        await poll(client, url, [{ type: 'message', data: '0' }]),
        await poll(client, `${url}&t=c${i}`),
        await poll(client, url, [{ type: 'message', data: '2["probe"]' }]),
      ];
      if (answers.some(isUnknownSession)) broken += 1;
    }
    return broken;
  };
  const withCookies = await trial(true).catch(() => null);
  if (withCookies === null) return null;
  const withoutCookies = (await trial(false).catch(() => null)) ?? 0;
  log(`socket.io  ${SESSIONS} polling sessions each way: ${withCookies} broke with cookies, ${withoutCookies} without`);
  return {
    path: PATH,
    sessions: SESSIONS,
    broken_with_cookies: withCookies,
    broken_without_cookies: withoutCookies,
    nodes: [...nodes],
  };
}

export function socketioAdvice(found: SocketioFindings): Advice {
  const fix =
    'sticky sessions for every request of /socket.io/, polls included (nginx ' +
    'ip_hash or hash on a key, HAProxy `cookie SERVERID insert` on the backend that ' +
    'serves the polls), or clients with transports: [websocket]';
  if (found.broken_with_cookies > 0) {
    return {
      severity: 'error',
      rule: 'socketio-sessions-break',
      message:
        `${found.broken_with_cookies} of ${found.sessions} Socket.IO polling sessions ` +
        `broke ("Session ID unknown") even with cookies kept: the polls of one session ` +
        `reach different nodes`,
      fix,
    };
  }
  if (found.broken_without_cookies > 0) {
    return {
      severity: 'warning',
      rule: 'socketio-sessions-need-cookie',
      message:
        `Socket.IO polling sessions stay on their node only while the client sends the ` +
        `balancer's cookie back (${found.broken_without_cookies} of ${found.sessions} broke without ` +
        `it)`,
      fix:
        'clients must keep cookies (browsers do; native clients need a cookie jar; ' +
        'socket.io-client in Node: withCredentials and a cookie jar)',
    };
  }
  return {
    severity: 'info',
    rule: 'socketio-sessions-stick',
    message:
      `Socket.IO polling sessions stay on their node (${found.sessions} sessions each ` +
      `way, with and without cookies)`,
    fix: 'nothing to change',
  };
}
