import type { DataRow } from '../../util/template.js';
import type { Plan } from '../../scenario/plan.js';
import { AppProtocol } from './app-protocol.js';
import type { ClientProtocol, ProtocolFactory, ProtocolRecorder } from './client-protocol.js';
import { EchoProtocol } from './echo.js';
import { SocketioProtocol } from './socketio.js';

/** Every client protocol by the name a scenario gives it: one entry per implementation. */
const PROTOCOLS: Record<string, ProtocolFactory> = {
  echo: (plan) => EchoProtocol.create(plan),
  app: (plan, index, recorder, row) => new AppProtocol(plan, index, recorder, row),
  socketio: (plan, index, recorder, row) => new SocketioProtocol(plan, index, recorder, row),
};

/**
 * stickler's own echo marker unless the scenario speaks its application's protocol (a template, steps, pushes, replies
 * other than echo).
 */
export function protocolName(plan: Plan): string {
  const app = plan.app;
  if (app.socketio) return 'socketio';
  return app.message || app.steps.length > 0 || app.push || app.reply.kind !== 'echo' ? 'app' : 'echo';
}

export function createProtocol(
  plan: Plan,
  clientIndex: number,
  recorder: ProtocolRecorder,
  row: DataRow | null = null,
): ClientProtocol {
  return PROTOCOLS[protocolName(plan)](plan, clientIndex, recorder, row);
}
