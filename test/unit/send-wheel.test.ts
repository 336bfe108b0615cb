import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchWindowMs, SendWheel } from '../../src/engine/client/send-wheel.js';

test('the send wheel calls each member once an interval, on its own grid, until it leaves', (t) => {
  // A fake clock: the wheel's timers and its clock move together, a millisecond at a time.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let clock = 0;
  const advance = (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock += 1;
      t.mock.timers.tick(1);
    }
  };
  const wheel = new SendWheel(50, () => clock);
  const calls = new Map<number, number[]>();
  const members = [0, 7, 7, 23, 49].map((slot, index) => ({
    slot,
    sendDue(dueMs: number) {
      calls.set(index, [...(calls.get(index) ?? []), dueMs]);
    },
  }));
  for (const member of members) wheel.add(member, member.slot);
  advance(520);
  wheel.remove(members[0], members[0].slot);
  const before = calls.get(0)!.length;
  advance(120);
  for (const member of members.slice(1)) wheel.remove(member, member.slot);

  assert.equal(calls.get(0)!.length, before, 'no call after leaving');
  assert.deepEqual(calls.get(0), [0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500], 'member 0 in 520 ms');
  for (const [index, dues] of calls) {
    assert.ok(
      dues.every((due) => due % 50 === members[index].slot),
      `member ${index} off its grid: ${dues}`,
    );
    assert.ok(
      dues.every((due, i) => i === 0 || due - dues[i - 1] === 50),
      `member ${index} skipped or repeated: ${dues}`,
    );
  }
  assert.equal(calls.get(4)!.length, 12, 'members that stayed go on: slot 49 from 49 ms to 599 ms');
});

test('a tick sends what is due within 1% of the interval in one batch, never earlier', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  assert.equal(batchWindowMs(1000), 10);
  assert.equal(batchWindowMs(50), 1);
  assert.equal(batchWindowMs(60_000), 10);
  // A clock the test moves: the wheel's timers are fake too, what is due is decided by this clock alone.
  let clock = 0;
  const wheel = new SendWheel(1000, () => clock);
  const sent: number[] = [];
  const members = [100, 103, 106, 109, 111, 140].map((slot) => ({ slot, sendDue: (due: number) => sent.push(due) }));
  for (const member of members) wheel.add(member, member.slot);
  clock = 100;
  // The wheel's timer for slot 100 (100 ms) has fired by now, and again every 11 ms since, with the clock held at 100.
  t.mock.timers.tick(400);
  assert.deepEqual(
    sent,
    [100, 103, 106, 109],
    'the first tick sends every slot of its 10 ms window, and nothing later however often it wakes',
  );
  // Joining a slot the batch already sent ahead of its time: its turn there goes at once; a slot whose time has passed waits a round.
  const late = { slot: 105, sendDue: (due: number) => sent.push(due) };
  const past = { slot: 99, sendDue: (due: number) => sent.push(due) };
  wheel.add(late, late.slot);
  wheel.add(past, past.slot);
  assert.deepEqual(
    sent,
    [100, 103, 106, 109, 105],
    'a member joining slot 105 at 100 ms sends at once, one joining slot 99 does not',
  );
  wheel.remove(late, late.slot);
  wheel.remove(past, past.slot);
  sent.length = 4;
  clock = 140;
  t.mock.timers.tick(200);
  for (const member of members) wheel.remove(member, member.slot);
  assert.deepEqual(sent, [100, 103, 106, 109, 111, 140], 'the rest once the clock reaches them, each once');
});
