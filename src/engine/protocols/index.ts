import type { DataRow } from '../../util/template.js';
import { plansOf, type Plan } from '../../scenario/plan.js';
import { AppProtocol } from './app-protocol.js';
import type { ClientProtocol, ProtocolFactory, ProtocolRecorder } from './client-protocol.js';
import { EchoProtocol } from './echo.js';
import { ModuleProtocol, type ModuleClientFacts } from './module-protocol.js';
import { loadedProtocolModule, loadPlanModules } from './module-registry.js';
import type { ProtocolModule } from './protocol-module.js';

/**
 * MQTT's and Socket.IO's clients, imported only when a plan speaks them (loadPlanProtocols): with their codecs
 * (mqtt-packet brings readable-stream) they are about a quarter of what `stickler run` would load, and every
 * other run's start would pay for compiling them.
 */
const lazy: {
  mqttModule?: typeof import('./mqtt.js').mqttModule;
  SocketioProtocol?: typeof import('./socketio.js').SocketioProtocol;
} = {};

/** The MQTT module of a plan, made once per process (its plan is the same for every client). */
const mqttModules = new WeakMap<Plan, ProtocolModule>();

function mqttOf(plan: Plan): ProtocolModule {
  let module = mqttModules.get(plan);
  if (!module) mqttModules.set(plan, (module = loaded(lazy.mqttModule, 'mqtt')(plan.app.mqtt!)));
  return module;
}

function loaded<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the ${name} client was not loaded before the clients were made`);
  return value;
}

/** Whether every protocol a plan's clients speak is loaded (a protocol module, MQTT, Socket.IO). */
export function planProtocolsLoaded(plan: Plan): boolean {
  return plansOf(plan).every((each) => {
    const name = protocolName(each);
    if (name === 'mqtt') return lazy.mqttModule !== undefined;
    if (name === 'socketio') return lazy.SocketioProtocol !== undefined;
    return name !== 'module';
  });
}

/**
 * Loads what a plan's clients speak before any client is made: MQTT's or Socket.IO's client, and protocol modules
 * (returned by file; throws ProtocolModuleError for one that cannot be used).
 */
export async function loadPlanProtocols(plan: Plan): Promise<string[]> {
  for (const each of plansOf(plan)) {
    const name = protocolName(each);
    if (name === 'mqtt') lazy.mqttModule ??= (await import('./mqtt.js')).mqttModule;
    if (name === 'socketio') lazy.SocketioProtocol ??= (await import('./socketio.js')).SocketioProtocol;
  }
  return loadPlanModules(plan);
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
  socketio: (plan, index, recorder, row) =>
    new (loaded(lazy.SocketioProtocol, 'Socket.IO'))(plan, index, recorder, row),
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
