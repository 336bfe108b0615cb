import type { Plan } from '../../scenario/plan.js';
import { clientRow } from '../../scenario/population/schedule.js';
import type { UpgradeRequest } from '../../stack/readiness.js';
import { clientRequest, plannedSocket } from '../wire/client-socket.js';
import { renderHandshake } from '../wire/handshake-extras.js';
import { createProtocol } from '../protocols/index.js';
import { emptyCounters } from '../../metrics/counters.js';
import { offeredSubprotocols } from '../protocols/module-registry.js';

/**
 * The handshake client 0 makes, as a url target's start-up check sends it: the same URL (its protocol's, with the
 * scenario's query and session key), headers, subprotocol and compression as every client's.
 */
export function firstClientRequest(plan: Plan, targetUrl: string): UpgradeRequest {
  const session = `s${plan.seed}-0`;
  const row = clientRow(plan, 0);
  const protocol = createProtocol(plan, 0, SILENT_RECORDER, row);
  const planned = plannedSocket(plan, protocol.connectUrl(targetUrl));
  const extras = renderHandshake(plan.clients, { client: 0, session }, row);
  const { url, headers } = clientRequest({ ...planned, sessionValue: session, address: null, extras });
  return {
    url,
    headers,
    subprotocols: offeredSubprotocols(plan.app),
    compression: plan.compression,
    sent: [
      ...plan.clients.headers.map(({ name }) => `${name} (clients.headers)`),
      ...plan.clients.query.map(({ name }) => `?${name} (clients.query)`),
      ...(plan.clients.sessionKey.kind === 'none' ? [] : [`the session key (${plan.clients.sessionKey.kind})`]),
    ],
  };
}

/** The start-up check's protocol object records nothing. */
const SILENT_RECORDER = {
  counters: emptyCounters(),
  nowMs: () => 0,
  stepLatency: () => {},
  pushLatency: () => {},
  pushGap: () => {},
};
