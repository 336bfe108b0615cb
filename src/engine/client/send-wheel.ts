/**
 * How far ahead a tick sends: every slot due within the batch window goes out in one batch rather
 * than waking again for it (a write wakes a proxy asleep in epoll_wait, on the writer's CPU). The
 * window is 1% of the interval, at least 1 ms and at most 10 ms; a message's clock starts when it is
 * sent, so sending early hides nothing. Measurements: docs/performance.md, "The send wheel's batch window".
 */
export function batchWindowMs(intervalMs: number): number {
  return Math.min(10, Math.max(1, intervalMs / 100));
}

/** A client that sends on a fixed grid: phase + k * interval. */
export interface WheelMember {
  sendDue(dueMs: number): void;
}

/**
 * One timer for all the fixed-rate senders of a worker, instead of a timer per client per message:
 * a wheel of one-millisecond slots over one interval. A client sits in the slot of its phase for as
 * long as its connection is open; each tick sends for every slot whose time has come, in one batch.
 * (Per-message timers also live about an interval each, long enough to be promoted out of V8's young
 * generation: the wheel keeps memory flat as well.)
 */
export class SendWheel {
  /** Made when first used: a 30 s ping wheel has 30,000 slots, most of them empty. */
  private readonly slots: (Set<WheelMember> | undefined)[];
  private readonly size: number;
  private members = 0;
  /** Run-clock ms (integer) of the next slot to visit. */
  private nextMs: number;
  private timer: NodeJS.Timeout | null = null;
  private timerAtMs = Infinity;
  private readonly earlyMs: number;

  constructor(
    intervalMs: number,
    private readonly nowMs: () => number,
  ) {
    this.size = Math.max(1, Math.round(intervalMs));
    this.earlyMs = batchWindowMs(intervalMs);
    this.slots = new Array(this.size);
    this.nextMs = Math.ceil(nowMs());
  }

  slotOf(phaseMs: number): number {
    return Math.floor(phaseMs) % this.size;
  }

  add(member: WheelMember, slot: number): void {
    const members = (this.slots[slot] ??= new Set<WheelMember>());
    if (members.has(member)) return;
    if (this.members === 0) this.nextMs = Math.max(this.nextMs, Math.ceil(this.nowMs()));
    members.add(member);
    this.members += 1;
    // The last batch may already have sent this slot, ahead of its time: the member's turn there has
    // not come yet, so it goes now rather than an interval late (a reconnect would lose a message).
    const sentSlotsAgo = this.distance(slot, this.nextMs);
    if (sentSlotsAgo > 0 && this.nextMs - sentSlotsAgo >= Math.floor(this.nowMs()))
      member.sendDue(this.nextMs - sentSlotsAgo);
    const dueMs = this.nextMs + this.distance(this.nextMs, slot);
    if (dueMs < this.timerAtMs) this.arm(dueMs);
  }

  remove(member: WheelMember, slot: number): void {
    if (!this.slots[slot]?.delete(member)) return;
    this.members -= 1;
    if (this.members === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.timerAtMs = Infinity;
    }
  }

  /** Slots from `fromMs`'s slot to `slot`, going forward round the wheel. */
  private distance(fromMs: number, slot: number): number {
    return (((slot - fromMs) % this.size) + this.size) % this.size;
  }

  private arm(atMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, atMs - this.nowMs()));
  }

  private tick(): void {
    this.timer = null;
    this.timerAtMs = Infinity;
    // Node fires a timer by its millisecond loop clock, often a fraction of a millisecond before the
    // precise clock says the slot is due; and each wake-up costs. Send what is due within the batch
    // window now (the message's clock then starts at its actual send time).
    const now = this.nowMs() + this.earlyMs;
    // Far behind (a stalled event loop): skip whole rounds instead of bursting; the histogram back-fills.
    if (now - this.nextMs > this.size) this.nextMs = Math.floor(now) - this.size + 1;
    while (this.nextMs <= now) {
      const members = this.slots[this.distance(0, this.nextMs % this.size)];
      if (members) for (const member of members) member.sendDue(this.nextMs);
      this.nextMs += 1;
    }
    if (this.members === 0) return;
    let wait = 0;
    while (wait < this.size && !this.slots[this.distance(0, (this.nextMs + wait) % this.size)]?.size) wait += 1;
    this.arm(this.nextMs + wait);
  }
}
