import type { WorkerCounters } from '../../metrics/counters.js';
import type { Connection } from './context.js';

/** A connection may receive this many frames a window; past it, what comes is ignored and its reading paused. */
const WINDOW_MS = 100;
const FRAMES_PER_WINDOW = 500;

/**
 * A target that floods one connection (100,000 tiny frames or a ping every millisecond) must not take the CPU the
 * other connections' figures need: past 5,000 frames a second a connection's frames are ignored (counted) and its
 * socket is paused to the end of the window, so TCP pushes back on the sender. Returns true for a frame to ignore.
 */
export function overFloodBudget(connection: Connection, now: number, counters: WorkerCounters): boolean {
  if (now - connection.floodWindowMs >= WINDOW_MS) {
    connection.floodWindowMs = now;
    connection.floodFrames = 0;
  }
  if (++connection.floodFrames <= FRAMES_PER_WINDOW) return false;
  counters.floodIgnored += 1;
  const socket = connection.socket;
  if (!connection.floodPaused && socket) {
    connection.floodPaused = true;
    counters.floodPauses += 1;
    socket.pause();
    setTimeout(
      () => {
        connection.floodPaused = false;
        if (!socket.destroyed) socket.resume();
      },
      Math.max(1, WINDOW_MS - (now - connection.floodWindowMs)),
    );
  }
  return true;
}
