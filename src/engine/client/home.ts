import { bump, type WorkerCounters } from '../../metrics/counters.js';
import { judge, settle, type Verdict } from './stickiness-judge.js';

/**
 * How long a reconnect away from home waits for word that home went down before it counts as a
 * violation: the slowest word is HAProxy's checks (fall 2 at 1 s, then the stack's 0.5 s poll).
 */
const VERDICT_WAIT_MS = 4000;

/** What a client's home needs from the worker around it. */
export interface HomeContext {
  isServing(backend: string): boolean;
  /** Counters of the current interval (replaced at each snapshot, so read through a getter). */
  counters(): WorkerCounters;
  /** A verdict of this home waits (true) or no longer waits (false) for word on a backend. */
  waiting(home: ClientHome, waits: boolean): void;
}

/** What the client knows of the connection that just landed. */
export interface Landing {
  backend: string;
  address: string | null;
  cookieSet: boolean;
  cookieSent: boolean;
}

/**
 * One client's home across its connections: takes the judge's verdict on each landing and counts it
 * (sticky, failover, violation with its cause, or a verdict that waits for word on home).
 */
export class ClientHome {
  private home: string | null = null;
  /** The backend of the client's very first connection, and whether a failover moved it away. */
  private firstHome: string | null = null;
  private displaced = false;
  /** The client has left its first home at least once (stickiness.clients_displaced). */
  private everDisplaced = false;
  private homeAddress: string | null = null;
  /** The last connection ended without the client closing it: the next landing is a recovery. */
  private lostUnexpectedly = false;
  /** The last loss looked like its backend going away (cleared by the next landing). */
  private lostToCrash = false;
  private waitingVerdict: {
    home: string;
    backend: string;
    address: string | null;
    verdict: Extract<Verdict, { outcome: 'wait' }>;
    timer: NodeJS.Timeout;
  } | null = null;

  constructor(private readonly context: HomeContext) {}

  /** The client has had an identified connection. */
  get known(): boolean {
    return this.home !== null;
  }

  /** The connection ended without the client closing it; `crashLike`: the way a backend going away ends them. */
  lost(crashLike: boolean): void {
    this.lostUnexpectedly = true;
    this.lostToCrash = crashLike;
  }

  landed(landing: Landing): void {
    this.settleWaiting();
    const { backend } = landing;
    const verdict = judge({
      home: this.home,
      landed: backend,
      homeServing: this.home === null || this.context.isServing(this.home),
      lostToCrash: this.lostToCrash,
      addressChanged: landing.address !== this.homeAddress,
      cookieSet: landing.cookieSet,
      cookieSent: landing.cookieSent,
    });
    this.lostToCrash = false;
    if (verdict.outcome === 'home') {
      this.home = this.firstHome = backend;
      this.homeAddress = landing.address;
      return;
    }
    const counters = this.context.counters();
    counters.reconnects += 1;
    if (landing.address !== this.homeAddress) counters.addressChanges += 1;
    if (this.lostUnexpectedly) {
      counters.recovered += 1;
      this.lostUnexpectedly = false;
    }
    if (this.displaced && backend === this.firstHome) {
      counters.returnedHome += 1;
      this.displaced = false;
    }
    if (verdict.outcome === 'wait') {
      const timer = setTimeout(() => this.settleWaiting(), VERDICT_WAIT_MS);
      this.waitingVerdict = { home: this.home!, backend, address: landing.address, verdict, timer };
      this.context.waiting(this, true);
      return;
    }
    this.count(verdict, backend, landing.address);
  }

  /** Judges a waiting verdict with what is known now. */
  settleWaiting(): void {
    const waiting = this.waitingVerdict;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waitingVerdict = null;
    this.context.waiting(this, false);
    this.count(settle(waiting.verdict, this.context.isServing(waiting.home)), waiting.backend, waiting.address);
  }

  waitsForWordOn(backend: string): boolean {
    return this.waitingVerdict?.home === backend;
  }

  private count(verdict: Verdict, backend: string, address: string | null): void {
    const counters = this.context.counters();
    switch (verdict.outcome) {
      case 'sticky':
        counters.sticky += 1;
        this.homeAddress = address;
        break;
      case 'failover':
        counters.failovers += 1;
        bump(counters.failoversTo, backend);
        this.moveHome(backend, address, counters);
        break;
      case 'violation':
        counters.violations += 1;
        bump(counters.violationsByCause, verdict.cause);
        // Home follows the client: the violation is counted once, the next reconnect is judged against where it is now.
        this.moveHome(backend, address, counters);
        break;
    }
  }

  private moveHome(backend: string, address: string | null, counters: WorkerCounters): void {
    this.displaced = backend !== this.firstHome;
    if (this.displaced && !this.everDisplaced) {
      this.everDisplaced = true;
      counters.clientsDisplaced += 1;
    }
    this.home = backend;
    this.homeAddress = address;
  }
}
