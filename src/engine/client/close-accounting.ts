import { bump } from '../../metrics/counters.js';
import { markUnidentified, type Connection } from './context.js';
import { classifyClose, type CloseKind } from './close-classifier.js';
import type { WorkerRecorder } from '../run/worker-recorder.js';

/**
 * Counts the end of an open connection: open gauges, messages it left unanswered, and, when the client
 * did not close it itself, the unexpected close with its code, reason and kind. Returns that kind
 * (null when the client closed it).
 */
export function recordOpenClose(
  recorder: WorkerRecorder,
  connection: Connection,
  code: number,
  facts: { now: number; inIdleWindow: boolean; intervalMs: number },
): CloseKind | null {
  recorder.connectionClosed();
  if (connection.identity === 'known') recorder.backendClosed(connection.backend!);
  else markUnidentified(connection, recorder);
  recorder.counters.lost += Math.max(0, connection.inflight);
  if (connection.byClient) return null;
  recorder.counters.unexpectedDisconnects += 1;
  bump(recorder.counters.closeCodes, String(code));
  if (connection.closeReason) bump(recorder.counters.closeReasons, connection.closeReason);
  const kind = classifyClose({
    code,
    silentMs: facts.now - connection.lastTrafficMs,
    inIdleWindow: facts.inIdleWindow,
    intervalMs: facts.intervalMs,
    identified: connection.identity === 'known',
  });
  if (kind.idleTimeout) {
    recorder.counters.idleTimeouts += 1;
    recorder.counters.idleCutSilentMs += facts.now - connection.lastTrafficMs;
  }
  return kind;
}
