/** Silence before a close in an idle window counts as an idle timeout (no proxy times out faster). */
const IDLE_SILENCE_MS = 1000;
/** Close codes of a backend going away: crash or kill (1006), shutdown (1001), error (1011), restart (1012). */
const CRASH_CODES = new Set([1001, 1006, 1011, 1012]);

export interface CloseFacts {
  code: number;
  /** ms since the last traffic either way on the connection. */
  silentMs: number;
  /** The client is in one of its idle windows. */
  inIdleWindow: boolean;
  /** The scenario's send interval (0: no messages). */
  intervalMs: number;
  /** The connection's backend is known. */
  identified: boolean;
}

export interface CloseKind {
  /** An idle-timeout cut: the client is in an idle window and the socket was silent for a while. */
  idleTimeout: boolean;
  /** The way connections end when their backend goes away (kill, shutdown, restart). */
  crashLike: boolean;
}

/**
 * Classifies a close the client did not ask for. A backend going away cuts busy sockets; a proxy's idle timeout cuts
 * silent ones.
 */
export function classifyClose(facts: CloseFacts): CloseKind {
  const idleTimeout = facts.inIdleWindow && facts.silentMs >= IDLE_SILENCE_MS;
  const silentTooLong = facts.silentMs >= Math.max(IDLE_SILENCE_MS, 1.5 * facts.intervalMs);
  return { idleTimeout, crashLike: CRASH_CODES.has(facts.code) && !idleTimeout && !silentTooLong && facts.identified };
}
