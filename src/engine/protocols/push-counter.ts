import type { AppPlan } from '../../scenario/plan.js';
import { valueAt } from '../../util/json-path.js';
import { bindCheck, passes, type CheckedMessage, type MessageCheck } from '../../util/message-check.js';
import type { DataRow, TemplateValues } from '../../util/template.js';
import type { ProtocolRecorder } from './client-protocol.js';

/**
 * A client's server pushes (messages that answer nothing): counted, matched against push.match,
 * timed from push.sent_at, and the longest silence between two of them kept for the end of the run.
 */
export class PushCounter {
  private lastPushMs = -1;
  private longestGapMs = -1;

  /** push.match with this client's values in its placeholders. */
  private readonly match: MessageCheck | null;

  constructor(
    private readonly push: NonNullable<AppPlan['push']>,
    private readonly recorder: ProtocolRecorder,
    values: TemplateValues = {},
    row: DataRow | null = null,
  ) {
    this.match = push.match ? bindCheck(push.match, values, row) : null;
  }

  /** Whether the push needs its JSON (to match, or to read its send time). */
  get readsContent(): boolean {
    return this.push.match !== null || this.push.sentAt !== null;
  }

  /** A push (its bytes, when readsContent). */
  received(message: CheckedMessage | undefined): void {
    const counters = this.recorder.counters;
    counters.pushReceived += 1;
    if (this.match && !passes(this.match, message!)) return;
    counters.pushMatched += 1;
    const now = this.recorder.nowMs();
    if (this.lastPushMs >= 0) this.longestGapMs = Math.max(this.longestGapMs, now - this.lastPushMs);
    this.lastPushMs = now;
    const sentAt = this.push.sentAt ? Number(valueAt(message!.json, this.push.sentAt)) : NaN;
    if (Number.isFinite(sentAt) && sentAt > 0) this.recorder.pushLatency(Date.now() - sentAt);
  }

  finish(): void {
    if (this.longestGapMs >= 0) this.recorder.pushGap(this.longestGapMs);
  }
}
