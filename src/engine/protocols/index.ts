import type { DataRow } from '../../util/template.js';
import type { Plan } from '../../scenario/plan.js';
import { AppProtocol } from './app-protocol.js';
import type { ClientProtocol, ProtocolFactory, ProtocolRecorder } from './client-protocol.js';
import { EchoProtocol } from './echo.js';
import { SocketioProtocol } from './socketio.js';
import { ModuleProtocol, type ModuleClientFacts } from './module-protocol.js';
import { loadedProtocolModule } from './module-registry.js';
import { mqttModule } from './mqtt.js';
import type { ProtocolModule } from './protocol-module.js';

/** The MQTT module of a plan, made once per process (its plan is the same for every client). */
const mqttModules = new WeakMap<Plan, ProtocolModule>();

function mqttOf(plan: Plan): ProtocolModule {
  let module = mqttModules.get(plan);
  if (!module) mqttModules.set(plan, (module = mqttModule(plan.app.mqtt!)));
  return module;
}

function moduleFacts(plan: Plan, index: number, row: DataRow | null): ModuleClientFacts {
  return { index, session: `s${plan.seed}-${index}`, row, replyTimeoutMs: plan.app.replyTimeoutMs };
}

/** Every client protocol by the name a scenario gives it: one entry per implementation. */
const PROTOCOLS: Record<string, ProtocolFactory> = {
  echo: (plan) => EchoProtocol.create(plan),
  module: (plan, index, recorder, row) =>
    new ModuleProtocol(loadedProtocolModule(plan.app.module!.file), moduleFacts(plan, index, row), recorder),
  mqtt: (plan, index, recorder, row) => new ModuleProtocol(mqttOf(plan), moduleFacts(plan, index, row), recorder),
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
  if (app.module) return 'module';
  if (app.mqtt) return 'mqtt';
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
