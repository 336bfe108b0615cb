import type WebSocket from 'ws';
import type { ResumeAnswer } from '../../util/session-resume.js';

/** A JSON message the reference backend answers as an application would, rather than echo. */
interface AppMessage {
  type?: unknown;
  id?: unknown;
  token?: unknown;
  every_ms?: unknown;
}

/** Longest and shortest push interval a subscriber may ask for. */
const PUSH_MS = { min: 20, max: 60_000, default: 1000 };

/**
 * The reference backend's application modes, chosen by the message itself so that no scenario needs
 * a switch: `{"type":"auth","token":T}` -> `auth_ok` (with user.id and server; tokens starting "bad"
 * get `auth_error`), `{"type":"subscribe","every_ms":N}` -> a `tick` push every N ms carrying its send
 * time (`at`, epoch ms), any other JSON message with an `id` -> `{"type":"ack","id":...,"server":...}`.
 * A connection opened with `auth=required` in its URL gets `{"type":"error","reason":"unauthenticated"}`
 * for messages before its auth. `{"type":"resume"}` -> `{"type":"resumed","count":N}` when the connection
 * resumed a session this backend (or the shared store) held, else `{"type":"unknown_session"}`: the
 * answer an on_open continuity step checks. Anything else (stickler's echo marker) is not for this: false.
 */
export function answerAsApp(
  ws: WebSocket,
  data: Buffer,
  server: string,
  state: { authRequired: boolean; authed: boolean; timers: NodeJS.Timeout[]; resumed: ResumeAnswer | null },
): boolean {
  if (data[0] !== 0x7b) return false;
  let message: AppMessage;
  try {
    message = JSON.parse(data.toString()) as AppMessage;
  } catch {
    return false;
  }
  if (message === null || typeof message !== 'object') return false;
  if (message.type === 'auth') {
    const token = String(message.token ?? '');
    state.authed = !token.startsWith('bad');
    ws.send(
      JSON.stringify(
        state.authed ? { type: 'auth_ok', user: { id: `u-${token}` }, server } : { type: 'auth_error', server },
      ),
    );
    return true;
  }
  if (message.type === 'resume') {
    const held = state.resumed;
    ws.send(
      JSON.stringify(
        held?.state === 'resumed'
          ? { type: 'resumed', count: held.count, server }
          : { type: 'unknown_session', server },
      ),
    );
    return true;
  }
  if (state.authRequired && !state.authed) {
    ws.send(
      JSON.stringify({
        type: 'error',
        reason: 'unauthenticated',
        ...(message.id !== undefined ? { id: message.id } : {}),
      }),
    );
    return true;
  }
  if (message.type === 'subscribe') {
    const asked = Number(message.every_ms);
    const everyMs = Number.isFinite(asked) ? Math.min(PUSH_MS.max, Math.max(PUSH_MS.min, asked)) : PUSH_MS.default;
    state.timers.push(setInterval(() => ws.send(JSON.stringify({ type: 'tick', at: Date.now(), server })), everyMs));
    ws.send(JSON.stringify({ type: 'subscribed', ...(message.id !== undefined ? { id: message.id } : {}), server }));
    return true;
  }
  if (message.id === undefined) return false;
  ws.send(JSON.stringify({ type: 'ack', id: message.id, server }));
  return true;
}
