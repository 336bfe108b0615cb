/**
 * One connection's messages in flight, oldest first: an id and its send time (µs) each. Replies mostly come in the
 * order the messages went, so a reply is looked for from the oldest on, by string comparison: no hash of the id, and
 * none of the table a Map grows and shrinks as one message after another goes out and comes back. The oldest is held
 * in the queue's own fields (one message in flight, the common case, touches nothing else); the rest in two arrays
 * made when first needed and reused in place (`head` to `end`).
 */
export class InflightQueue {
  private firstId: string | null = null;
  private firstUs = 0;
  private ids: string[] | null = null;
  private times: number[] | null = null;
  /** The next of the rest (after the first) and one past the newest. */
  private head = 0;
  private end = 0;

  get size(): number {
    return (this.firstId === null ? 0 : 1) + this.end - this.head;
  }

  add(id: string, sentUs: number): void {
    if (this.firstId === null) {
      this.firstId = id;
      this.firstUs = sentUs;
      return;
    }
    this.ids ??= [];
    this.times ??= [];
    this.ids[this.end] = id;
    this.times[this.end] = sentUs;
    this.end += 1;
  }

  /** The send time of `id`, taken out of flight; undefined when it is not in flight. */
  take(id: string): number | undefined {
    if (this.firstId === id) {
      const sentUs = this.firstUs;
      this.promote();
      return sentUs;
    }
    const ids = this.ids;
    if (ids === null) return undefined;
    for (let at = this.head; at < this.end; at++) {
      if (ids[at] !== id) continue;
      const sentUs = this.times![at];
      this.remove(at);
      return sentUs;
    }
    return undefined;
  }

  /** Gives up the messages sent before `oldestUs`: how many. */
  dropOlder(oldestUs: number): number {
    let dropped = 0;
    while (this.firstId !== null && this.firstUs < oldestUs) {
      this.promote();
      dropped += 1;
    }
    return dropped;
  }

  /** Every entry, oldest first, taken out of flight. */
  drain(each: (id: string, sentUs: number) => void): void {
    while (this.firstId !== null) {
      each(this.firstId, this.firstUs);
      this.promote();
    }
  }

  clear(): void {
    this.firstId = null;
    this.head = 0;
    this.end = 0;
  }

  /** The first is answered or given up: the next of the rest takes its place. */
  private promote(): void {
    if (this.head === this.end) {
      this.clear();
      return;
    }
    this.firstId = this.ids![this.head];
    this.firstUs = this.times![this.head];
    this.head += 1;
    if (this.head === this.end) this.head = this.end = 0;
    else if (this.head > 32 && this.head * 2 > this.end) {
      // Many in flight for long: the spent front is cut so that the arrays do not grow with the run.
      this.ids!.copyWithin(0, this.head, this.end);
      this.times!.copyWithin(0, this.head, this.end);
      this.end -= this.head;
      this.head = 0;
    }
  }

  /** An entry of the rest answered out of order: the newer ones move down over it. */
  private remove(at: number): void {
    this.ids!.copyWithin(at, at + 1, this.end);
    this.times!.copyWithin(at, at + 1, this.end);
    this.end -= 1;
  }
}
