import { clientRequest, plannedSocket } from './client-socket.js';
import type { Plan } from '../../scenario/plan.js';
import type { PollingClient } from '../../util/engineio-polling.js';
import type { HandshakeExtras } from './handshake-extras.js';

/** What opening a connection needs of the worker: the plan's socket settings and the TLS to trust. */
export interface DialContext {
  readonly plan: Plan;
  /** ws options for wss:// (the CA to trust), shared by every client. */
  readonly tlsOptions?: { ca?: string; rejectUnauthorized?: boolean };
}

/** Who connects or polls: the client's session key value, address and cookies. */
export interface PollingIdentity {
  sessionValue: string;
  address: string | null;
  cookieHeader(): string | undefined;
  storeCookies(setCookie: string[] | undefined): void;
  /** The scenario's headers and query for this client (each connect renders them anew). */
  handshake(): HandshakeExtras | undefined;
}

/** Polls go out as the client's WebSocket handshakes do: its address, session key and cookie jar (Socket.IO). */
export function pollingClient(context: DialContext, identity: PollingIdentity): PollingClient {
  const { plan, tlsOptions } = context;
  return {
    request: (url) =>
      clientRequest({
        ...plannedSocket(plan, url, tlsOptions),
        sessionValue: identity.sessionValue,
        cookies: identity.cookieHeader(),
        address: identity.address,
        extras: identity.handshake(),
      }),
    storeCookies: (setCookie) => identity.storeCookies(setCookie),
    tlsOptions,
    identifyHeader: plan.identify.header,
  };
}
