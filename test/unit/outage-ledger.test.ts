import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyCounters } from '../../src/metrics/counters.js';
import { OutageLedger } from '../../src/engine/client/outage-ledger.js';

function ledger() {
  const counters = emptyCounters();
  const backs: number[] = [];
  return {
    counters,
    backs,
    ledger: new OutageLedger(
      () => counters,
      (ms) => backs.push(ms),
    ),
  };
}

test('cuts just before word of the outage belong to it, as do cuts while it lasts; a client back before the word still counts', () => {
  const { counters, backs, ledger: outages } = ledger();
  outages.cut(1, 'b1', 1000);
  outages.cut(2, 'b1', 1100);
  outages.cut(3, 'b2', 1100); // another backend: an idle cut, no outage
  outages.back(2, 1300); // back before anyone said b1 was down
  outages.serving('b1', false, 2000);
  outages.cut(4, 'b1', 2500);
  outages.back(1, 3000);
  outages.countLost();
  assert.deepEqual(counters.outageCut, { 'b1#1': 3 });
  assert.deepEqual(counters.outageBack, { 'b1#1': 2 });
  assert.deepEqual(counters.outageLost, { 'b1#1': 1 });
  assert.deepEqual(
    backs.sort((a, b) => a - b),
    [200, 2000],
  );
});

test('a cut long before the word, or on a backend that comes back, is no part of a later outage; each outage has its number', () => {
  const { counters, ledger: outages } = ledger();
  outages.cut(1, 'b1', 0);
  outages.serving('b1', false, 5000);
  outages.cut(2, 'b1', 5100);
  outages.serving('b1', true, 6000);
  outages.back(2, 6100);
  outages.serving('b1', false, 9000);
  outages.cut(3, 'b1', 9050);
  outages.countLost();
  assert.deepEqual(counters.outageCut, { 'b1#1': 1, 'b1#2': 1 });
  assert.deepEqual(counters.outageBack, { 'b1#1': 1 });
  assert.deepEqual(counters.outageLost, { 'b1#2': 1 });
});
