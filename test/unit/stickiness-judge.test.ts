import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientHome } from '../../src/engine/client/home.js';
import { judge, settle, type JudgeInput, type Verdict } from '../../src/engine/client/stickiness-judge.js';
import { emptyCounters, type WorkerCounters } from '../../src/metrics/counters.js';

const base: JudgeInput = {
  home: 'b1',
  landed: 'b2',
  homeServing: true,
  lostToCrash: false,
  addressChanged: false,
  cookieSet: false,
  cookieSent: false,
};

/**
 * The truth table. Home's serving state comes from any source: stickler's own action (it says so
 * before the sockets close), HAProxy's checks or stats, or inference from the clients (these can
 * come after the reconnect, hence the wait after a crash-like loss).
 */
const rows: { row: string; input: Partial<JudgeInput>; verdict: Verdict }[] = [
  { row: 'first connection takes a home', input: { home: null }, verdict: { outcome: 'home' } },
  {
    row: 'first connection, even after a crash-like loss',
    input: { home: null, lostToCrash: true },
    verdict: { outcome: 'home' },
  },
  { row: 'same backend: sticky', input: { landed: 'b1' }, verdict: { outcome: 'sticky' } },
  {
    row: 'same backend while home is marked down: sticky',
    input: { landed: 'b1', homeServing: false },
    verdict: { outcome: 'sticky' },
  },
  {
    row: 'same backend from a new address: sticky',
    input: { landed: 'b1', addressChanged: true },
    verdict: { outcome: 'sticky' },
  },
  {
    row: 'stickler killed home (down before its sockets closed): failover',
    input: { homeServing: false, lostToCrash: true },
    verdict: { outcome: 'failover' },
  },
  {
    row: 'HAProxy checks or stats took home out, no crash seen: failover',
    input: { homeServing: false },
    verdict: { outcome: 'failover' },
  },
  {
    row: 'clients inferred home down before the reconnect: failover',
    input: { homeServing: false, lostToCrash: true, addressChanged: true },
    verdict: { outcome: 'failover' },
  },
  {
    row: 'home still serving after a crash-like loss: wait for word',
    input: { lostToCrash: true },
    verdict: { outcome: 'wait', cause: 'balancer' },
  },
  {
    row: 'home serving, after a plain drop: violation',
    input: {},
    verdict: { outcome: 'violation', cause: 'balancer' },
  },
  {
    row: 'new address: address_changed',
    input: { addressChanged: true },
    verdict: { outcome: 'violation', cause: 'address_changed' },
  },
  {
    row: 'new address wins over a missing cookie',
    input: { addressChanged: true, cookieSet: true },
    verdict: { outcome: 'violation', cause: 'address_changed' },
  },
  {
    row: 'cookie set but not sent: cookie_absent',
    input: { cookieSet: true },
    verdict: { outcome: 'violation', cause: 'cookie_absent' },
  },
  {
    row: 'cookie set and sent: the balancer',
    input: { cookieSet: true, cookieSent: true },
    verdict: { outcome: 'violation', cause: 'balancer' },
  },
  {
    row: 'client without cookies (none ever set): the balancer',
    input: { cookieSet: false, cookieSent: false },
    verdict: { outcome: 'violation', cause: 'balancer' },
  },
  {
    row: 'a wait keeps its cause',
    input: { lostToCrash: true, cookieSet: true },
    verdict: { outcome: 'wait', cause: 'cookie_absent' },
  },
];

for (const { row, input, verdict } of rows) {
  test(`judge: ${row}`, () => assert.deepEqual(judge({ ...base, ...input }), verdict));
}

test('settle: a waiting verdict becomes a failover if home went down meanwhile, else a violation with its cause', () => {
  const wait = { outcome: 'wait', cause: 'address_changed' } as const;
  assert.deepEqual(settle(wait, false), { outcome: 'failover' });
  assert.deepEqual(settle(wait, true), { outcome: 'violation', cause: 'address_changed' });
});

test('judge: every combination of inputs obeys the definitions of the contract', () => {
  const flags = ['homeServing', 'lostToCrash', 'addressChanged', 'cookieSet', 'cookieSent'] as const;
  let cases = 0;
  for (const home of [null, 'b1']) {
    for (const landed of ['b1', 'b2']) {
      for (let bits = 0; bits < 1 << flags.length; bits++) {
        const input: JudgeInput = { ...base, home, landed };
        flags.forEach((flag, i) => ((input as unknown as Record<string, boolean>)[flag] = (bits & (1 << i)) !== 0));
        const { outcome } = judge(input);
        cases += 1;
        if (home === null) assert.equal(outcome, 'home');
        else if (landed === home) assert.equal(outcome, 'sticky');
        else if (!input.homeServing) assert.equal(outcome, 'failover');
        else if (input.lostToCrash) assert.equal(outcome, 'wait');
        else assert.equal(outcome, 'violation');
      }
    }
  }
  assert.equal(cases, 2 * 2 * 32);
});

/** A home in a world where `down` lists the backends that do not serve. */
function homeIn(down: Set<string>) {
  let counters: WorkerCounters = emptyCounters();
  const waiting = new Set<ClientHome>();
  const home = new ClientHome({
    isServing: (backend) => !down.has(backend),
    counters: () => counters,
    waiting: (h, waits) => (waits ? waiting.add(h) : waiting.delete(h)),
  });
  const land = (backend: string, extra: Partial<{ address: string; cookieSet: boolean; cookieSent: boolean }> = {}) =>
    home.landed({
      backend,
      address: extra.address ?? '127.0.0.1',
      cookieSet: extra.cookieSet ?? false,
      cookieSent: extra.cookieSent ?? false,
    });
  return { home, land, waiting, counters: () => counters, reset: () => (counters = emptyCounters()) };
}

test('client home: a failover moves home, a violation moves it too (home follows the client), returns and displaced clients are counted', () => {
  const down = new Set<string>();
  const { home, land, counters } = homeIn(down);
  land('b1');
  assert.equal(counters().reconnects, 0);
  down.add('b1');
  home.lost(true);
  land('b2');
  assert.equal(counters().failovers, 1);
  assert.deepEqual(counters().failoversTo, { b2: 1 });
  assert.equal(counters().recovered, 1);
  down.delete('b1');
  land('b2');
  assert.equal(counters().sticky, 1, 'after a failover the new backend is home');
  land('b1');
  assert.equal(counters().violations, 1, 'leaving the new home while it serves is a violation');
  assert.equal(counters().returnedHome, 1, 'a displaced client that lands on its first home again is counted');
  land('b1');
  assert.equal(counters().sticky, 2, 'the violation moved home to b1: counted once, not on every later reconnect');
  land('b3');
  assert.equal(counters().violations, 2);
  assert.equal(counters().clientsDisplaced, 1, 'one client, displaced at least once');
  assert.equal(counters().reconnects, 5);
});

test('client home: a waiting verdict resolves as a failover when word comes that home went down', () => {
  const down = new Set<string>();
  const { home, land, waiting, counters } = homeIn(down);
  land('b1');
  home.lost(true);
  land('b2');
  assert.equal(waiting.size, 1);
  assert.ok(home.waitsForWordOn('b1'));
  assert.equal(counters().failovers + counters().violations, 0, 'nothing counted while it waits');
  down.add('b1');
  home.settleWaiting();
  assert.equal(waiting.size, 0);
  assert.equal(counters().failovers, 1);
  land('b2');
  assert.equal(counters().sticky, 1, 'the failover moved home to b2');
});

test('client home: a waiting verdict resolves as a violation with its cause when home kept serving', () => {
  const { home, land, counters } = homeIn(new Set());
  land('b1', { cookieSet: true, cookieSent: true });
  home.lost(true);
  land('b3', { cookieSet: true, cookieSent: false });
  home.settleWaiting();
  assert.equal(counters().violations, 1);
  assert.deepEqual(counters().violationsByCause, { cookie_absent: 1 });
  land('b3');
  assert.equal(counters().sticky, 1, 'the violation moved home to b3');
});

test('client home: a crash-like loss only makes the next landing wait, and the next landing settles a waiting one', () => {
  const { home, land, waiting, counters } = homeIn(new Set());
  land('b1');
  home.lost(true);
  land('b2');
  assert.equal(waiting.size, 1);
  land('b2');
  assert.equal(waiting.size, 0, 'a new landing settles the waiting verdict first');
  assert.equal(counters().violations, 1, 'the settled one is a violation, and it moved home to b2');
  assert.equal(counters().sticky, 1, 'so the new landing on b2 is sticky');
  home.lost(false);
  land('b3');
  assert.equal(waiting.size, 0, 'a loss that was not crash-like never waits');
  assert.deepEqual(counters().violationsByCause, { balancer: 2 });
});
