import type { Transport } from './transport.js';
import { pollingClient, type DialContext, type PollingIdentity } from './polling-client.js';
import { openClientSocket, plannedSocket } from './client-socket.js';
import type { ClientProtocol } from '../protocols/client-protocol.js';

/**
 * What one connection of a client runs on: a WebSocket opened as every stickler client opens one, or
 * its protocol's own transport (Socket.IO transports: [polling]: the polling session).
 */
export function openTransport(
  context: DialContext,
  protocol: ClientProtocol,
  credentials: PollingIdentity,
  target: string,
  resume: boolean,
): Transport {
  const own = protocol.transport?.(pollingClient(context, credentials));
  if (own) return own;
  return openClientSocket({
    ...plannedSocket(context.plan, protocol.connectUrl(target), context.tlsOptions),
    sessionValue: credentials.sessionValue,
    cookies: credentials.cookieHeader(),
    address: credentials.address,
    extras: credentials.handshake(),
    resume: resume ? credentials.sessionValue : undefined,
  });
}
