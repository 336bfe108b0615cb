import type { AppPlan } from '../../scenario/plan.js';
import { parseJson, valueAt } from '../../util/json-path.js';
import type { Template } from '../../util/template.js';
import { InflightQueue } from './inflight-queue.js';

/**
 * The messages of one connection in flight, and which server message answers which: by the id
 * field of a JSON reply, by the id inside an echoed template, or the next message in order.
 * A reply timeout turns the oldest into lost ones.
 */
export class ReplyMatcher {
  /** match(): the message carries a reply's id, but no message in flight has it. */
  static readonly UNMATCHED = -10;
  /** match(): not a reply at all. */
  static readonly NOT_A_REPLY = -11;
  /** match(): another client's message (its id is another client's): a peer's copy in a room, a push. */
  static readonly PEER = -12;

  /** id and intended send time (µs), oldest first. */
  private readonly inflight = new InflightQueue();
  private readonly order: number[] = [];
  private readonly echoAnchor: { before: Buffer; after: number } | null;

  /** reply.field of one key: `"KEY":"` before a string id, up to its closing quote. */
  private readonly fieldKey: { before: Buffer; after: number } | null;

  /** @param ownPrefix how this client's ids begin (`7-` for client 7): an id of another client's is a peer's. */
  constructor(
    private readonly app: AppPlan,
    private readonly ownPrefix: string | null = null,
  ) {
    this.echoAnchor = app.reply.kind === 'echo' && app.message ? idAnchor(app.message) : null;
    this.fieldKey =
      app.reply.kind === 'field' && app.reply.path.length === 1
        ? { before: Buffer.from(`"${app.reply.path[0]}":"`), after: 0x22 }
        : null;
  }

  sent(id: string, sentUs: number): void {
    const kind = this.app.reply.kind;
    if (kind === 'next') this.order.push(sentUs);
    else if (kind !== 'none') this.inflight.add(id, sentUs);
  }

  /** The send time of the message `data` answers, or UNMATCHED / NOT_A_REPLY. */
  match(data: Buffer): number {
    const reply = this.app.reply;
    if (reply.kind === 'next') return this.order.length > 0 ? this.order.shift()! : ReplyMatcher.NOT_A_REPLY;
    if (reply.kind === 'none') return ReplyMatcher.NOT_A_REPLY;
    let id: string | null = null;
    if (reply.kind === 'field') {
      // The common case, a top-level id, is read off the bytes; anything else (or a miss) is parsed.
      const quick = this.fieldKey ? idAfter(data, this.fieldKey) : null;
      const quickSentUs = quick !== null ? this.inflight.take(quick) : undefined;
      if (quickSentUs !== undefined) return quickSentUs;
      const value = valueAt(parseJson(data), reply.path);
      if (typeof value === 'string' || typeof value === 'number') id = String(value);
    } else if (this.echoAnchor) id = idAfter(data, this.echoAnchor);
    if (id === null) return ReplyMatcher.NOT_A_REPLY;
    const sentUs = this.inflight.take(id);
    if (sentUs === undefined)
      return this.ownPrefix !== null && !id.startsWith(this.ownPrefix) ? ReplyMatcher.PEER : ReplyMatcher.UNMATCHED;
    return sentUs;
  }

  /** Messages sent before `nowUs` minus the reply timeout are given up: how many. */
  expire(nowUs: number): number {
    const oldest = nowUs - this.app.replyTimeoutMs * 1000;
    let expired = this.inflight.dropOlder(oldest);
    while (this.order.length > 0 && this.order[0] < oldest) {
      this.order.shift();
      expired += 1;
    }
    return expired;
  }

  /** A new connection: nothing of the old one is in flight (its losses are counted by the client). */
  reset(): void {
    this.inflight.clear();
    this.order.length = 0;
  }
}

/** The literal just before {{id}} in a template, and the byte that ends the id (the literal after it). */
function idAnchor(template: Template): { before: Buffer; after: number } | null {
  const at = template.parts.findIndex((part) => typeof part === 'object' && 'name' in part && part.name === 'id');
  const before = template.parts[at - 1];
  const after = template.parts[at + 1];
  if (at < 1 || typeof before !== 'string' || before.length === 0) return null;
  return {
    before: Buffer.from(before.slice(-12)),
    after: typeof after === 'string' && after.length > 0 ? after.charCodeAt(0) : -1,
  };
}

/** The id in an echoed template: the bytes after the anchor up to the byte that ends it. */
function idAfter(data: Buffer, anchor: { before: Buffer; after: number }): string | null {
  const at = indexOfBytes(data, anchor.before);
  if (at < 0) return null;
  const start = at + anchor.before.length;
  let end = data.length;
  if (anchor.after >= 0) {
    end = start;
    while (end < data.length && data[end] !== anchor.after) end += 1;
    if (end === data.length) return null;
  }
  return end > start ? data.toString('latin1', start, end) : null;
}

/** Messages up to this long are searched in JS: shorter than the call into C++ that Buffer.indexOf makes. */
const SEARCH_IN_JS_BYTES = 512;

/** Where `needle` first is in `data`, or -1. */
function indexOfBytes(data: Buffer, needle: Buffer): number {
  if (data.length > SEARCH_IN_JS_BYTES) return data.indexOf(needle);
  const first = needle[0];
  for (let at = 0; at + needle.length <= data.length; at++)
    if (data[at] === first && bytesAt(data, needle, at)) return at;
  return -1;
}

function bytesAt(data: Buffer, needle: Buffer, at: number): boolean {
  for (let k = 1; k < needle.length; k++) if (data[at + k] !== needle[k]) return false;
  return true;
}

/**
 * Deletes the entries of an id -> send time (µs) map sent before `oldest`: a Map iterates in insertion order, so they
 * are its first ones. Returns how many.
 */
export function dropOlder(inflight: Map<string, number>, oldest: number): number {
  let dropped = 0;
  for (const [id, sentUs] of inflight) {
    if (sentUs >= oldest) break;
    inflight.delete(id);
    dropped += 1;
  }
  return dropped;
}
