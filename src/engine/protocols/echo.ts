import type { Plan } from '../../scenario/plan.js';
import { backendFromMessage } from '../wire/client-socket.js';
import { NOT_A_REPLY, type ClientProtocol } from './client-protocol.js';

/** Messages carry `stk:<intended send time, µs>:` so any echo server (raw, JSON-wrapped, prefixed) can be timed. */
const MARKER_BYTES = Buffer.from('stk:');

/**
 * The v1 protocol: the message comes back, raw or wrapped. The send time travels inside the message,
 * so nothing is kept per message in flight; the backend names itself in the 101 or a first message.
 */
export class EchoProtocol implements ClientProtocol {
  /**
   * The client's message, built once and rewritten in place before each send: it is copied into the
   * masked frame as it is written, so one buffer serves every message of the client.
   */
  private payload: Buffer | null = null;
  /** Where the last marker written into the payload ended. */
  private markerEnd = 0;
  readonly awaitsReplies = true;

  constructor(
    private readonly size: number,
    private readonly messageField: string,
  ) {}

  static create(plan: Plan): EchoProtocol {
    return new EchoProtocol(plan.traffic.size, plan.identify.messageField);
  }

  connectUrl(targetUrl: string): string {
    return targetUrl;
  }

  opened(): boolean {
    return true;
  }

  /** `stk:<sentUs>:` then `x` up to `size` bytes, in the client's one payload buffer. */
  message(sentUs: number): Buffer {
    const payload = (this.payload ??= Buffer.alloc(this.size, 'x'));
    if (this.markerEnd === 0) MARKER_BYTES.copy(payload, 0);
    // The digits by hand: no string and no call into native code per message.
    let digits = 1;
    for (let rest = sentUs; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
    const start = MARKER_BYTES.length;
    let rest = sentUs;
    for (let at = start + digits - 1; at >= start; at--) {
      payload[at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    const end = start + digits;
    payload[end] = 58; // ':'
    // A shorter number than last time leaves old digits behind: pad them over.
    if (end + 1 < this.markerEnd) payload.fill(0x78, end + 1, this.markerEnd);
    this.markerEnd = end + 1;
    return payload;
  }

  replyTo(data: Buffer): number {
    const at = data.indexOf(MARKER_BYTES);
    if (at < 0) return NOT_A_REPLY;
    let sentUs = 0;
    for (let i = at + MARKER_BYTES.length; i < data.length; i++) {
      const digit = data[i] - 48;
      if (digit < 0 || digit > 9) break;
      sentUs = sentUs * 10 + digit;
    }
    return sentUs;
  }

  backendIn(data: Buffer): string | null {
    return backendFromMessage(data, this.messageField);
  }
}
