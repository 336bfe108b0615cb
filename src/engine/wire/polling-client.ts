import { clientRequest, plannedSocket } from './client-socket.js';
import type { ClientContext } from '../client/context.js';
import type { PollingClient } from '../../util/engineio-polling.js';

/** Who polls: the client's session key value, address and cookies. */
export interface PollingIdentity {
  sessionValue: string;
  address: string | null;
  cookieHeader(): string | undefined;
  storeCookies(setCookie: string[] | undefined): void;
}

/** Polls go out as the client's WebSocket handshakes do: its address, session key and cookie jar (Socket.IO). */
export function pollingClient(context: ClientContext, identity: PollingIdentity): PollingClient {
  const { plan, tlsOptions } = context;
  return {
    request: (url) =>
      clientRequest({
        ...plannedSocket(plan, url, tlsOptions),
        sessionValue: identity.sessionValue,
        cookies: identity.cookieHeader(),
        address: identity.address,
      }),
    storeCookies: (setCookie) => identity.storeCookies(setCookie),
    tlsOptions,
    identifyHeader: plan.identify.header,
  };
}
