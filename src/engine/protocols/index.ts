import type { Plan } from '../../scenario/plan.js';
import type { ClientProtocol, ProtocolFactory } from './client-protocol.js';
import { EchoProtocol } from './echo.js';

/** Every client protocol by the name a scenario gives it: one entry per implementation. */
const PROTOCOLS: Record<string, ProtocolFactory> = {
  echo: (plan) => EchoProtocol.create(plan),
};

export function createProtocol(plan: Plan, clientIndex: number): ClientProtocol {
  return PROTOCOLS.echo(plan, clientIndex);
}
