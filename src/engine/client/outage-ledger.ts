import { bump, type WorkerCounters } from '../../metrics/counters.js';

/**
 * A cut seen this long before word that its backend went down still belongs to that outage: the
 * clients' inference (url targets) and HAProxy's checks speak a second or more after the closes.
 */
const CUT_LOOKBACK_MS = 3000;

interface Cut {
  backend: string;
  atMs: number;
  /** The outage it belongs to (`backend#n`: the nth time that backend went down), once known. */
  outage: string | null;
}

/**
 * One worker's record of clients cut by outages: a client whose open connection closed without its
 * asking is cut; if its backend goes down (or was down), the cut belongs to that outage, and the
 * client is back when it opens a connection again. Counts go to the counters, keyed by outage, so
 * they add across workers and shards; the time to be back goes to the recovery histogram.
 */
export class OutageLedger {
  private readonly cuts = new Map<number, Cut>();
  /** Clients back within the look-back before any word on their backend: an outage named next may claim them. */
  private recentBack: { cut: Cut; backMs: number }[] = [];
  private readonly downCount = new Map<string, number>();
  /** The current outage of each backend that is down. */
  private readonly current = new Map<string, string>();

  constructor(
    private readonly counters: () => WorkerCounters,
    private readonly recordBack: (ms: number) => void,
  ) {}

  /** Client `client`'s connection to `backend` closed without the client asking, at run-clock `nowMs`. */
  cut(client: number, backend: string, nowMs: number): void {
    const outage = this.current.get(backend) ?? null;
    this.cuts.set(client, { backend, atMs: nowMs, outage });
    if (outage) bump(this.counters().outageCut, outage);
  }

  /** The client opened a connection again. */
  back(client: number, nowMs: number): void {
    const cut = this.cuts.get(client);
    if (!cut) return;
    this.cuts.delete(client);
    if (cut.outage) {
      this.counted(cut.outage, nowMs - cut.atMs);
      return;
    }
    while (this.recentBack.length > 0 && this.recentBack[0].cut.atMs < nowMs - CUT_LOOKBACK_MS) this.recentBack.shift();
    this.recentBack.push({ cut, backMs: nowMs });
  }

  private counted(outage: string, backAfterMs: number): void {
    bump(this.counters().outageBack, outage);
    this.recordBack(backAfterMs);
  }

  /** Word that `backend` stopped (or started) serving: its recent cuts belong to this outage. */
  serving(backend: string, serving: boolean, nowMs: number): void {
    if (serving) {
      this.current.delete(backend);
      return;
    }
    if (this.current.has(backend)) return;
    const n = (this.downCount.get(backend) ?? 0) + 1;
    this.downCount.set(backend, n);
    const outage = `${backend}#${n}`;
    this.current.set(backend, outage);
    for (const cut of this.cuts.values()) {
      if (cut.backend !== backend || cut.outage || cut.atMs < nowMs - CUT_LOOKBACK_MS) continue;
      cut.outage = outage;
      bump(this.counters().outageCut, outage);
    }
    this.recentBack = this.recentBack.filter(({ cut, backMs }) => {
      if (cut.backend !== backend || cut.atMs < nowMs - CUT_LOOKBACK_MS) return true;
      bump(this.counters().outageCut, outage);
      this.counted(outage, backMs - cut.atMs);
      return false;
    });
  }

  /** End of run: clients of an outage that never opened a connection again are lost. */
  countLost(): void {
    for (const cut of this.cuts.values()) if (cut.outage) bump(this.counters().outageLost, cut.outage);
    this.cuts.clear();
  }
}
