import { bump } from '../../metrics/counters.js';
import type { AppPlan, Plan, StepPlan } from '../../scenario/plan.js';
import { sameShapeOtherValue, valueAt } from '../../util/json-path.js';
import { bindCheck, CheckedMessage, passes, type MessageCheck } from '../../util/message-check.js';
import { renderBytes, renderTemplate, type DataRow, type Template, type TemplateValues } from '../../util/template.js';
import { backendFromMessage } from '../wire/client-socket.js';
import {
  NOT_A_REPLY,
  PROTOCOL_CONTROL,
  PROTOCOL_OPENED,
  type ClientProtocol,
  type ProtocolLink,
  type ProtocolRecorder,
} from './client-protocol.js';
import { EchoProtocol } from './echo.js';
import { PushCounter } from './push-counter.js';
import { ReplyMatcher } from './reply-matcher.js';

const NO_CHECKS = { expect: null, match: null, failOn: null };

/** Up to three messages a step got instead of its answer, by `step: excerpt` (summary.json's came_instead). */
function noteCameInstead(tally: Record<string, number>, step: string, excerpt: string): void {
  const key = `${step}: ${excerpt}`;
  if (key in tally || Object.keys(tally).filter((k) => k.startsWith(`${step}: `)).length < 3) bump(tally, key);
}

/**
 * The application's own protocol over WebSocket text frames: messages from a template, replies
 * matched by id (or the next message, or none), steps after every open connection (auth, subscribe)
 * with captures for later templates, and server pushes counted and timed.
 */
export class AppProtocol implements ClientProtocol {
  private readonly app: AppPlan;
  private readonly values: TemplateValues;
  private readonly replies: ReplyMatcher;
  private seq = 0;
  private link: ProtocolLink | null = null;
  /** The step under way on this connection (-1: none), when it was sent (run-clock ms) and its deadline. */
  private stepIndex = -1;
  private stepSentMs = 0;
  private stepTimer: NodeJS.Timeout | null = null;
  /** The last message the waiting step got that was not its answer: what a timeout reports as come instead. */
  private stepLastOther: Buffer | null = null;
  /** The waiting step's checks, with this client's values in their placeholders. */
  private stepChecks: { expect: MessageCheck | null; match: MessageCheck | null; failOn: MessageCheck | null } =
    NO_CHECKS;
  private sentOnConnection = 0;
  /** Connections opened so far: a continuity step resumes from the second on. */
  private opens = 0;
  private readonly pushes: PushCounter | null;
  /**
   * No traffic.message (steps or pushes beside stickler's own message): the echo marker, timed as the echo protocol
   * times it.
   */
  private readonly marker: EchoProtocol | null;

  private readonly messageField: string;
  /** How this client's ids begin (`7-`): {{id}} is it and the message's {{seq}}. */
  private readonly idPrefix: string;

  constructor(
    plan: Plan,
    private readonly clientIndex: number,
    private readonly recorder: ProtocolRecorder,
    private readonly row: DataRow | null = null,
  ) {
    this.app = plan.app;
    this.messageField = plan.identify.messageField;
    this.values = { client: clientIndex, session: `s${plan.seed}-${clientIndex}` };
    this.idPrefix = `${clientIndex}-`;
    this.replies = new ReplyMatcher(plan.app, this.idPrefix);
    this.pushes = plan.app.push ? new PushCounter(plan.app.push, recorder, this.values, row) : null;
    this.marker = plan.app.message ? null : EchoProtocol.create(plan);
  }

  private get timedByMarker(): boolean {
    return this.marker !== null && this.app.reply.kind === 'echo';
  }

  /** traffic.binary: messages and steps go in binary frames. */
  get binary(): boolean {
    return this.app.binary;
  }

  /** A template as the frame's payload: bytes for binary frames, else its text. */
  private payload(template: Template, values: TemplateValues): Buffer | string {
    return this.app.binary ? renderBytes(template, values, this.row) : renderTemplate(template, values, this.row);
  }

  /** reply: none sends and forgets: nothing is in flight. */
  get awaitsReplies(): boolean {
    return this.app.reply.kind !== 'none';
  }

  connectUrl(targetUrl: string): string {
    return targetUrl;
  }

  opened(link: ProtocolLink): boolean {
    this.link = link;
    this.opens += 1;
    this.sentOnConnection = 0;
    this.replies.reset();
    return this.runStep(0);
  }

  message(sentUs: number): Buffer | string {
    this.sentOnConnection += 1;
    const values = this.nextValues();
    // The marker carries its own send time: nothing of it is kept in flight.
    if (!this.timedByMarker) this.replies.sent(values.id as string, sentUs);
    return this.marker ? this.marker.message(sentUs) : this.payload(this.app.message as Template, values);
  }

  replyTo(data: Buffer, link: ProtocolLink): number {
    if (this.stepIndex >= 0) {
      const answered = this.stepAnswer(data, link);
      if (answered !== NOT_A_REPLY) return answered;
    }
    const sentUs = this.timedByMarker ? this.marker!.replyTo(data) : this.replies.match(data);
    if (sentUs >= 0) return sentUs;
    if (sentUs === ReplyMatcher.UNMATCHED) {
      this.recorder.counters.unmatched += 1;
      return PROTOCOL_CONTROL;
    }
    return this.other(data);
  }

  backendIn(data: Buffer): string | null {
    return this.app.identifyStep ? null : backendFromMessage(data, this.messageField);
  }

  expire(nowUs: number): number {
    return this.replies.expire(nowUs);
  }

  closed(byClient: boolean): void {
    // A step cut short by the client's own close (churn, a leave, the end of the run) did not fail, nor pass: cut.
    if (this.stepIndex >= 0 && byClient) bump(this.recorder.counters.stepCut, this.app.steps[this.stepIndex].name);
    if (this.stepIndex >= 0 && !byClient) this.failStep('closed', false);
    this.clearStepTimer();
    this.stepIndex = -1;
    this.replies.reset();
    this.link = null;
  }

  closing(link: ProtocolLink): void {
    for (const template of this.app.onClose) link.write(renderTemplate(template, this.nextValues(), this.row));
  }

  finish(): void {
    this.pushes?.finish();
  }

  /**
   * A server message that answers nothing of this client's (a welcome, a tick, a peer's copy of its message in a room):
   * a push, counted (and matched and timed when the scenario says how). Only an id of this client's that is not in
   * flight is unmatched.
   */
  private other(data: Buffer): number {
    if (this.pushes) this.pushes.received(this.pushes.readsContent ? new CheckedMessage(data) : undefined);
    else this.recorder.counters.pushReceived += 1;
    return NOT_A_REPLY;
  }

  /** Sends step `index` and on through steps that await nothing; true when every step is done. */
  private runStep(index: number): boolean {
    const steps = this.app.steps;
    for (let at = index; at < steps.length; at++) {
      const step = steps[at];
      // The first connection has no session to resume yet.
      if (step.continuity && this.opens === 1) continue;
      bump(this.recorder.counters.stepAttempted, step.name);
      this.link!.write(this.payload(step.send, this.nextValues()), this.app.binary);
      if (!step.expect) {
        this.passed(step);
        continue;
      }
      this.stepIndex = at;
      this.stepLastOther = null;
      this.stepChecks = {
        expect: bindCheck(step.expect, this.values, this.row),
        match: step.match ? bindCheck(step.match, this.values, this.row) : null,
        failOn: step.failOn ? bindCheck(step.failOn, this.values, this.row) : null,
      };
      this.stepSentMs = this.recorder.nowMs();
      this.stepTimer = setTimeout(() => this.failStep('timeout', true), step.timeoutMs);
      return false;
    }
    this.stepIndex = -1;
    return true;
  }

  /** The placeholders of the client's next message or step: each gets its own {{seq}} and {{id}}. */
  private nextValues(): TemplateValues {
    this.seq += 1;
    this.values.seq = this.seq;
    this.values.id = this.idPrefix + this.seq;
    this.values.now_ms = Date.now();
    this.values.backend = this.link?.backend ?? undefined;
    return this.values;
  }

  /**
   * A message while a step waits: its answer (passed, or failed by fail_on, or by expect once `match` said it is this
   * client's), or NOT_A_REPLY: a message that is not the answer (a welcome, a push, a peer's broadcast) leaves the step
   * waiting.
   */
  private stepAnswer(data: Buffer, link: ProtocolLink): number {
    const step = this.app.steps[this.stepIndex];
    const message = new CheckedMessage(data);
    const own = this.stepChecks.match ? passes(this.stepChecks.match, message) : null;
    this.stepLastOther = data;
    if (own === false) return NOT_A_REPLY;
    if (this.stepChecks.failOn && passes(this.stepChecks.failOn, message)) return this.answeredWrong(step, message);
    if (!passes(this.stepChecks.expect!, message)) {
      // A resume answered with the awaited keys and other values: the app says the session is gone.
      const lostSession = step.continuity && step.expect!.check.kind === 'subset';
      if (own || (lostSession && sameShapeOtherValue(message.json, (step.expect!.check as { subset: unknown }).subset)))
        return this.answeredWrong(step, message);
      return NOT_A_REPLY;
    }
    this.clearStepTimer();
    this.recorder.stepLatency(step.name, this.recorder.nowMs() - this.stepSentMs);
    for (const { name, path } of step.capture) {
      const value = valueAt(message.json, path);
      if (value !== undefined && value !== null)
        this.values[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    if (this.app.identifyStep === step.name) link.named(backendFromMessage(data, this.messageField));
    this.passed(step);
    return this.runStep(this.stepIndex + 1) ? PROTOCOL_OPENED : PROTOCOL_CONTROL;
  }

  /** The step's answer failed it (fail_on, or its own answer that expect refused): what came is kept. */
  private answeredWrong(step: StepPlan, message: CheckedMessage): number {
    const index = this.stepIndex;
    noteCameInstead(this.recorder.counters.stepCameInstead, step.name, message.excerpt());
    // The app answered that it lost the session: lost state, but a working connection that goes on.
    this.failStep('mismatch', !step.continuity);
    if (!step.continuity) return PROTOCOL_CONTROL;
    return this.runStep(index + 1) ? PROTOCOL_OPENED : PROTOCOL_CONTROL;
  }

  private passed(step: StepPlan): void {
    bump(this.recorder.counters.stepPassed, step.name);
    if (step.continuity) this.resumed(null);
  }

  /** A continuity step's outcome: the session resumed (null) or its state lost, by why. */
  private resumed(lost: 'answer' | 'timeout' | null): void {
    const counters = this.recorder.counters;
    counters.resumes += 1;
    if (lost) bump(counters.stateLost, lost);
    else counters.resumed += 1;
  }

  /**
   * The step failed: counted by reason; the connection is given up (the client reconnects) unless it is gone already.
   */
  private failStep(reason: 'timeout' | 'mismatch' | 'closed', abandon: boolean): void {
    const step = this.app.steps[this.stepIndex];
    this.clearStepTimer();
    this.stepIndex = -1;
    bump(this.recorder.counters.stepFailed, `${step.name}:${reason}`);
    if (reason === 'timeout') {
      const last = this.stepLastOther;
      noteCameInstead(
        this.recorder.counters.stepCameInstead,
        step.name,
        last ? new CheckedMessage(last).excerpt() : '(nothing)',
      );
    }
    // A resume cut short by a close says nothing of the state: the next connection resumes again.
    if (step.continuity && reason !== 'closed') this.resumed(reason === 'mismatch' ? 'answer' : 'timeout');
    if (abandon) this.link?.abandon();
  }

  private clearStepTimer(): void {
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.stepTimer = null;
  }
}
