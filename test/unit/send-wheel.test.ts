import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { batchWindowMs, SendWheel } from '../../src/engine/client/send-wheel.js';

test('the send wheel calls each member once an interval, on its own grid, until it leaves', async () => {
  const start = performance.now();
  const now = () => performance.now() - start;
  const wheel = new SendWheel(50, now);
  const calls = new Map<number, number[]>();
  const members = [0, 7, 7, 23, 49].map((slot, index) => ({
    slot,
    sendDue(dueMs: number) {
      calls.set(index, [...(calls.get(index) ?? []), dueMs]);
    },
  }));
  for (const member of members) wheel.add(member, member.slot);
  await new Promise((resolve) => setTimeout(resolve, 520));
  wheel.remove(members[0], members[0].slot);
  const before = calls.get(0)!.length;
  await new Promise((resolve) => setTimeout(resolve, 120));
  for (const member of members.slice(1)) wheel.remove(member, member.slot);

  assert.equal(calls.get(0)!.length, before, 'no call after leaving');
  assert.ok(before >= 9 && before <= 11, `member 0 called ${before} times in ~520 ms`);
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
  assert.ok(calls.get(4)!.length >= 11, 'members that stayed go on');
});

test('a tick sends what is due within 1% of the interval in one batch, never earlier', async () => {
  assert.equal(batchWindowMs(1000), 10);
  assert.equal(batchWindowMs(50), 1);
  assert.equal(batchWindowMs(60_000), 10);
  // A clock the test moves: the wheel's timers are real, what is due is decided by this clock alone.
  let clock = 0;
  const wheel = new SendWheel(1000, () => clock);
  const sent: number[] = [];
  const members = [100, 103, 106, 109, 111, 140].map((slot) => ({ slot, sendDue: (due: number) => sent.push(due) }));
  for (const member of members) wheel.add(member, member.slot);
  clock = 100;
  // The wheel's timer for slot 100 (100 ms) has fired by now, and again every 11 ms since, with the clock held at 100.
  await new Promise((resolve) => setTimeout(resolve, 400));
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
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const member of members) wheel.remove(member, member.slot);
  assert.deepEqual(sent, [100, 103, 106, 109, 111, 140], 'the rest once the clock reaches them, each once');
});
