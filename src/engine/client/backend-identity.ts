import { markUnidentified, type Connection, type IdentityContext } from './context.js';
import type { ClientProtocol } from '../protocols/client-protocol.js';

/** The backend may name itself in any of a connection's first messages (a greeting, an ack). */
const IDENTIFY_WITHIN_MESSAGES = 5;

/**
 * A server message while the backend is unknown: the backend it names, or null. After the first few
 * messages without a name the connection counts as unidentified (keeping the first one to show what
 * the server sent). With identify.step only that step's answer names it.
 */
export function identifyFromMessage(
  connection: Connection,
  data: Buffer,
  protocol: ClientProtocol,
  context: IdentityContext,
): string | null {
  const backend = protocol.backendIn(data);
  if (backend !== null) return backend;
  connection.firstMessage ??= Buffer.from(data.subarray(0, 200));
  connection.messagesSeen += 1;
  if (connection.messagesSeen >= IDENTIFY_WITHIN_MESSAGES && !context.plan.app.identifyStep)
    markUnidentified(connection, context.recorder);
  return null;
}
