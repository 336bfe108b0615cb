import fs from 'node:fs';
import path from 'node:path';
import { parseDurationMs } from '../../util/duration.js';
import { compileTemplate, type Template } from '../../util/template.js';
import type { DataPlan } from '../plan.js';
import type { ModulePlan, MqttPlan } from './plan.js';
import { checkTemplateData, HANDSHAKE_PLACEHOLDERS } from '../population/template-check.js';
import type { ScenarioFile } from '../schema.js';

type ProblemSink = (at: string, message: string) => void;

const DEFAULT_KEEPALIVE_MS = 30_000;

/** Fields a protocol that makes its own messages has no use for, with what to do instead. */
const MESSAGE_FIELDS: [keyof ScenarioFile | 'traffic.message' | 'traffic.reply', string][] = [
  ['traffic.message', 'the protocol makes each message (message(id) / PUBLISH)'],
  ['traffic.reply', 'the protocol says which message a frame answers'],
  ['on_open', 'the protocol says what it sends at open'],
  ['push', "the protocol reads the server's frames"],
];

/** The protocol's own plan: a module or MQTT (null for the text and Socket.IO protocols), checked against the rest. */
export function normaliseProtocol(
  scenario: ScenarioFile,
  file: string,
  data: DataPlan | null,
  problem: ProblemSink,
): { module: ModulePlan | null; mqtt: MqttPlan | null } {
  const written = scenario.protocol;
  const isMqtt = written === 'mqtt';
  if (!isMqtt && scenario.mqtt) problem('mqtt', 'applies to protocol: mqtt only: add protocol: mqtt, or remove it');
  // A shape the schema refused (module: true) is reported there; nothing more to make of it here.
  const module =
    typeof written === 'object' && typeof written?.module === 'string'
      ? modulePlan(written.module, file, problem)
      : null;
  if (isMqtt || module) refuseMessageFields(scenario, isMqtt ? 'protocol: mqtt' : 'a protocol module', problem);
  return { module, mqtt: isMqtt ? mqttPlan(scenario, data, problem) : null };
}

function modulePlan(written: string, scenarioFile: string, problem: ProblemSink): ModulePlan {
  const file = path.resolve(path.dirname(path.resolve(scenarioFile)), written);
  if (!fs.existsSync(file))
    problem('protocol.module', `${file}: no such file (the path is relative to the scenario file)`);
  else if (!/\.(mjs|js)$/.test(file))
    problem(
      'protocol.module',
      `${written}: a protocol module is an ES module file (.mjs, or .js in a "type": "module" package)`,
    );
  return { file, written };
}

function refuseMessageFields(scenario: ScenarioFile, who: string, problem: ProblemSink): void {
  const present: Record<string, unknown> = {
    'traffic.message': scenario.traffic?.message,
    'traffic.reply': scenario.traffic?.reply,
    on_open: scenario.on_open,
    push: scenario.push,
  };
  for (const [field, why] of MESSAGE_FIELDS)
    if (present[field] !== undefined) problem(field, `not used with ${who}: ${why}; remove it`);
}

function mqttPlan(scenario: ScenarioFile, data: DataPlan | null, problem: ProblemSink): MqttPlan {
  const written = scenario.mqtt ?? {};
  const template = (text: string, at: string): Template => {
    const compiled = compileTemplate(text);
    checkTemplateData(compiled, at, data, HANDSHAKE_PLACEHOLDERS, problem);
    return compiled;
  };
  const keepaliveMs = written.keepalive === undefined ? DEFAULT_KEEPALIVE_MS : parseDurationMs(written.keepalive)!;
  if (keepaliveMs < 1000 || keepaliveMs > 65_535_000)
    problem('mqtt.keepalive', 'MQTT keepalive is whole seconds from 1s to 65535s (18h12m15s)');
  return {
    version: written.version ?? 4,
    clientId: template(written.client_id ?? 'stickler-{{client}}', 'mqtt.client_id'),
    clean: written.clean ?? true,
    qos: written.qos ?? 0,
    topic: template(written.topic ?? 'stickler/{{client}}', 'mqtt.topic'),
    keepaliveMs,
  };
}
