import { parseDurationMs } from '../util/duration.js';
import { splitPath } from '../util/json-path.js';
import fs from 'node:fs';
import path from 'node:path';
import {
  BUILTIN_PLACEHOLDERS,
  compileTemplate,
  holdsBytes,
  type Template,
  type TemplatePart,
} from '../util/template.js';
import type { AppPlan, DataPlan, ReplyPlan, StepPlan } from './plan.js';
import { checkTemplateData } from './population/template-check.js';
import { compileCheck, type CheckInput, type CheckPlan } from '../util/message-check.js';
import type { ScenarioFile } from './schema.js';
import { normaliseProtocol } from './protocol/normalise.js';

const DEFAULT_REPLY_TIMEOUT_MS = 10_000;
const DEFAULT_STEP_TIMEOUT_MS = 5_000;
const MAX_FILE_BYTES = 1_048_576;

type ProblemSink = (at: string, message: string) => void;

/** Compiles templates and checks their placeholders against the names known so far (built-ins, then captures). */
class TemplateChecker {
  readonly known = new Set<string>(BUILTIN_PLACEHOLDERS);

  constructor(
    private readonly problem: ProblemSink,
    private readonly data: DataPlan | null,
    /** The scenario's folder ({{file:F}} is read relative to it) and whether frames are binary. */
    private readonly frames: { baseDir: string; binary: boolean },
  ) {}

  compile(text: string, at: string): Template {
    const template = compileTemplate(text);
    checkTemplateData(template, at, this.data, this.known, this.problem);
    if (!holdsBytes(template)) return template;
    if (!this.frames.binary)
      this.problem(at, 'bytes ({{hex:..}}, {{base64:..}}, {{file:..}}) go in binary frames: give traffic.binary: true');
    return { ...template, parts: template.parts.map((part) => this.readFile(part, at)) };
  }

  /** {{file:F}}: the file's bytes, read now (relative to the scenario), at most 1 MiB. */
  private readFile(part: TemplatePart, at: string): TemplatePart {
    if (typeof part !== 'object' || !('file' in part)) return part;
    const file = path.resolve(this.frames.baseDir, part.file);
    try {
      const bytes = fs.readFileSync(file);
      if (bytes.length > MAX_FILE_BYTES)
        this.problem(
          at,
          `{{file:${part.file}}}: ${file} is ${bytes.length} bytes, more than one message may hold (1 MiB)`,
        );
      return { bytes: bytes.toString('base64') };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      this.problem(at, `{{file:${part.file}}}: cannot read ${file} (${code}; read relative to the scenario file)`);
      return { bytes: '' };
    }
  }

  /** A check, its placeholders checked as a template's are. */
  check(input: CheckInput | undefined, at: string): CheckPlan | null {
    if (input === undefined) return null;
    const plan = compileCheck(input);
    for (const { template } of plan.templates) checkTemplateData(template, at, this.data, this.known, this.problem);
    const source =
      plan.check.kind === 'regex' ? plan.check.source : plan.check.kind === 'path' ? plan.check.matches : undefined;
    try {
      if (source !== undefined) new RegExp(source);
    } catch (error) {
      this.problem(at, `${JSON.stringify(source)} is not a regular expression (${(error as Error).message})`);
    }
    return plan;
  }
}

/**
 * The application protocol of a scenario: templates compiled once, each placeholder checked against
 * what is known where it is used (built-ins, and names captured by earlier steps), replies, steps
 * and pushes. Every problem is reported, with its path.
 */
export function normaliseApp(
  scenario: ScenarioFile,
  problem: ProblemSink,
  data: DataPlan | null = null,
  file = 'scenario.yaml',
): AppPlan {
  const binary = scenario.traffic?.binary ?? false;
  const templates = new TemplateChecker(problem, data, { baseDir: path.dirname(path.resolve(file)), binary });
  const steps = normaliseSteps(scenario, templates, problem);
  const message =
    scenario.traffic?.message !== undefined ? templates.compile(scenario.traffic.message, 'traffic.message') : null;
  const socketio = scenario.protocol === 'socketio';
  if (!socketio && scenario.socketio)
    problem('socketio', 'applies to protocol: socketio only: add protocol: socketio, or remove it');
  if (!socketio && scenario.traffic?.event)
    problem('traffic.event', 'applies to protocol: socketio only (the event each message is emitted as)');
  const reply = normaliseReply(scenario, message, problem);
  const identifyStep = scenario.identify?.step ?? null;
  checkIdentifyStep(identifyStep, steps, problem);
  const protocolOf = normaliseProtocol(scenario, file, data, problem);
  return {
    message,
    reply,
    replyTimeoutMs:
      scenario.traffic?.reply_timeout === undefined
        ? DEFAULT_REPLY_TIMEOUT_MS
        : parseDurationMs(scenario.traffic.reply_timeout)!,
    steps,
    push: scenario.push
      ? {
          match: templates.check(scenario.push.match, 'push.match'),
          sentAt: scenario.push.sent_at ? splitPath(scenario.push.sent_at) : null,
        }
      : null,
    ...closingOf(scenario, templates),
    binary,
    identifyStep,
    socketio: socketio ? socketioPlan(scenario) : null,
    ...protocolOf,
    subprotocols: subprotocolsOf(scenario, protocolOf.mqtt !== null),
  };
}

/** Sec-WebSocket-Protocol: the scenario's, else mqtt for MQTT (a module's own is added when it is loaded). */
function subprotocolsOf(scenario: ScenarioFile, mqtt: boolean): string[] {
  if (scenario.subprotocol !== undefined) return [scenario.subprotocol].flat();
  return mqtt ? ['mqtt'] : [];
}

/** What a client says before its own close, and the code and reason it closes with. */
function closingOf(scenario: ScenarioFile, templates: TemplateChecker): Pick<AppPlan, 'onClose' | 'close'> {
  return {
    onClose: (scenario.on_close ?? []).map((step, index) => templates.compile(step.send, `on_close[${index}].send`)),
    close: { code: scenario.close?.code ?? 1000, reason: scenario.close?.reason ?? 'client' },
  };
}

/** The on_open steps, in order: what each captures is known to the templates after it. */
function normaliseSteps(scenario: ScenarioFile, templates: TemplateChecker, problem: ProblemSink): StepPlan[] {
  const names = new Set<string>();
  return (scenario.on_open ?? []).map((step, index): StepPlan => {
    const at = `on_open[${index}]`;
    if (names.has(step.name)) problem(`${at}.name`, `step "${step.name}" is named twice: step names must differ`);
    names.add(step.name);
    const send = templates.compile(step.send, `${at}.send`);
    const capture = Object.entries(step.capture ?? {}).map(([name, path]) => ({ name, path: splitPath(path) }));
    if (capture.length > 0 && !step.expect)
      problem(`${at}.capture`, "captures from the step's answer, so the step needs expect (the answer to wait for)");
    for (const { name } of capture) templates.known.add(name);
    if (step.continuity && !step.expect)
      problem(
        `${at}.expect`,
        "a continuity step checks the answer to its resume: give expect (the app's " +
          '"resumed" answer, e.g. { type: resumed })',
      );
    if (step.continuity && capture.length > 0)
      problem(
        `${at}.capture`,
        'a continuity step runs on reconnects only, so what it captures would be ' +
          'missing on the first connection: capture in another step',
      );
    return {
      name: step.name,
      send,
      expect: templates.check(step.expect, `${at}.expect`),
      match: templates.check(step.match, `${at}.match`),
      failOn: templates.check(step.fail_on, `${at}.fail_on`),
      timeoutMs: step.timeout === undefined ? DEFAULT_STEP_TIMEOUT_MS : parseDurationMs(step.timeout)!,
      capture,
      continuity: step.continuity ?? false,
    };
  });
}

/** How a reply is recognised, checked against the protocol and the message it answers. */
function normaliseReply(scenario: ScenarioFile, message: Template | null, problem: ProblemSink): ReplyPlan {
  const socketio = scenario.protocol === 'socketio';
  const rawReply = scenario.traffic?.reply ?? (socketio ? 'ack' : 'echo');
  if (socketio && !['ack', 'none'].includes(String(rawReply)))
    problem(
      'traffic.reply',
      `protocol: socketio replies are acknowledgements: reply: ack (default) or none, not ${JSON.stringify(rawReply)}`,
    );
  if (!socketio && rawReply === 'ack')
    problem(
      'traffic.reply',
      'ack is the reply of protocol: socketio; for WebSocket messages choose echo, { field: PATH }, next or none',
    );
  const reply: ReplyPlan =
    typeof rawReply === 'string'
      ? { kind: rawReply }
      : { kind: 'field', path: splitPath(rawReply.field), text: rawReply.field };
  const hasId = message?.names.includes('id') ?? false;
  if (reply.kind === 'field' && message && !hasId) {
    problem(
      'traffic.reply.field',
      `replies are matched by the message's {{id}}, but traffic.message has no ` +
        `{{id}}: add "{{id}}" to the message (e.g. "id":"{{id}}")`,
    );
  }
  if (reply.kind === 'field' && !message)
    problem(
      'traffic.reply.field',
      "needs traffic.message with an {{id}}: stickler's own echo message carries no id field",
    );
  if (reply.kind === 'echo' && message && !hasId && !socketio) {
    // An echo of a template is timed by its id; without one nothing tells the echoes apart.
    problem(
      'traffic.reply',
      'an echoed template needs {{id}} to be timed: add "{{id}}" to traffic.message, ' +
        'or choose reply: next / none / { field: PATH }',
    );
  }
  return reply;
}

/** identify.step names a step that awaits an answer (the backend is read from it). */
function checkIdentifyStep(identifyStep: string | null, steps: StepPlan[], problem: ProblemSink): void {
  if (!identifyStep) return;
  const step = steps.find((s) => s.name === identifyStep);
  const names = steps.map((s) => s.name).join(', ') || 'none';
  if (!step) problem('identify.step', `no on_open step is named "${identifyStep}" (steps: ${names})`);
  if (!step?.expect)
    problem(
      'identify.step',
      `step "${identifyStep}" awaits no answer (expect): there is nothing to read the backend from`,
    );
}

function socketioPlan(scenario: ScenarioFile): AppPlan['socketio'] {
  const transports = scenario.socketio?.transports ?? ['polling', 'websocket'];
  return {
    path: scenario.socketio?.path ?? '/socket.io/',
    namespace: scenario.socketio?.namespace ?? '/',
    polling: transports[0] === 'polling',
    upgrade: transports.includes('websocket'),
    event: scenario.traffic?.event ?? 'message',
  };
}
