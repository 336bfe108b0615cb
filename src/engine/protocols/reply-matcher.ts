import type { AppPlan } from '../../scenario/plan.js';
import { parseJson, valueAt } from '../../util/json-path.js';
import type { Template } from '../../util/template.js';

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

  /** id -> intended send time (µs); a Map iterates in insertion order, so the first is the oldest. */
  private readonly inflight = new Map<string, number>();
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
    else if (kind !== 'none') this.inflight.set(id, sentUs);
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
      if (quick !== null && this.inflight.has(quick)) id = quick;
      else {
        const value = valueAt(parseJson(data), reply.path);
        if (typeof value === 'string' || typeof value === 'number') id = String(value);
      }
    } else if (this.echoAnchor) id = idAfter(data, this.echoAnchor);
    if (id === null) return ReplyMatcher.NOT_A_REPLY;
    const sentUs = this.inflight.get(id);
    if (sentUs === undefined)
      return this.ownPrefix !== null && !id.startsWith(this.ownPrefix) ? ReplyMatcher.PEER : ReplyMatcher.UNMATCHED;
    this.inflight.delete(id);
    return sentUs;
  }

  /** Messages sent before `nowUs` minus the reply timeout are given up: how many. */
  expire(nowUs: number): number {
    const oldest = nowUs - this.app.replyTimeoutMs * 1000;
    let expired = dropOlder(this.inflight, oldest);
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
  const at = data.indexOf(anchor.before);
  if (at < 0) return null;
  const start = at + anchor.before.length;
  const end = anchor.after >= 0 ? data.indexOf(anchor.after, start) : data.length;
  return end > start ? data.toString('latin1', start, end) : null;
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
