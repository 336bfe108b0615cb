/**
 * The stickiness verdict on one open connection of a client, as a pure function: no clock, no
 * socket, no counter. `ClientHome` (client-home.ts) keeps the state it needs and counts what it says.
 */

export interface JudgeInput {
  /** The client's home backend, or null before its first identified connection. */
  home: string | null;
  /** The backend the new connection landed on. */
  landed: string;
  /** Whether home serves, as far as is known at this moment (from any source: see ServingSource). */
  homeServing: boolean;
  /** The client's previous connection ended the way connections end when their backend goes away. */
  lostToCrash: boolean;
  /** The client connects from another address than when it took this home. */
  addressChanged: boolean;
  /** The stack set a cookie on this client at some point (so a connect without one is the client's doing). */
  cookieSet: boolean;
  /** This connection carried the client's cookies. */
  cookieSent: boolean;
}

/** Why a reconnect left a home that was serving, where the client can tell. */
export type ViolationCause = 'address_changed' | 'cookie_absent' | 'balancer';

export type Verdict =
  /** The client's first identified connection: it takes this backend as home. */
  | { outcome: 'home' }
  | { outcome: 'sticky' }
  /** Home was not serving: the landed backend becomes the new home. */
  | { outcome: 'failover' }
  /** Home was serving: the landed backend becomes the new home too (home follows the client). */
  | { outcome: 'violation'; cause: ViolationCause }
  /** Home may have just gone down and the word is on its way: judge again with `settle` once it comes (or not). */
  | { outcome: 'wait'; cause: ViolationCause };

export function violationCause(input: Pick<JudgeInput, 'addressChanged' | 'cookieSet' | 'cookieSent'>): ViolationCause {
  if (input.addressChanged) return 'address_changed';
  if (input.cookieSet && !input.cookieSent) return 'cookie_absent';
  return 'balancer';
}

export function judge(input: JudgeInput): Verdict {
  if (input.home === null) return { outcome: 'home' };
  if (input.landed === input.home) return { outcome: 'sticky' };
  if (!input.homeServing) return { outcome: 'failover' };
  const cause = violationCause(input);
  // A crash-like loss on a home still held as serving may be the first sign of it going down, and the
  // word can come after this reconnect: from the other clients' closes (a target stickler does not
  // run), HAProxy's checks or stats. (When stickler itself kills a backend, home is down before its
  // sockets close, so this does not wait.)
  if (input.lostToCrash) return { outcome: 'wait', cause };
  return { outcome: 'violation', cause };
}

/** A waiting verdict, once word on home came (or the wait ran out): home down by now means a failover. */
export function settle(
  wait: Extract<Verdict, { outcome: 'wait' }>,
  homeServingNow: boolean,
): Extract<Verdict, { outcome: 'failover' | 'violation' }> {
  return homeServingNow ? { outcome: 'violation', cause: wait.cause } : { outcome: 'failover' };
}
