import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { batchWindowMs, SendWheel } from '../../src/engine/send-wheel.js';

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
    assert.ok(dues.every((due) => due % 50 === members[index].slot), `member ${index} off its grid: ${dues}`);
    assert.ok(dues.every((due, i) => i === 0 || due - dues[i - 1] === 50), `member ${index} skipped or repeated: ${dues}`);
  }
  assert.ok(calls.get(4)!.length >= 11, 'members that stayed go on');
});

test('a tick sends what is due within 1% of the interval in one batch, never earlier', async () => {
  assert.equal(batchWindowMs(1000), 10);
  assert.equal(batchWindowMs(50), 1);
  assert.equal(batchWindowMs(60_000), 10);
  const start = performance.now();
  const now = () => performance.now() - start;
  const wheel = new SendWheel(1000, now);
  const first = Math.ceil(now()) + 100;
  const calls: { due: number; at: number }[] = [];
  const members = [0, 3, 6, 9, 40].map((offset) => ({
    slot: (first + offset) % 1000,
    sendDue(due: number) {
      calls.push({ due, at: now() });
    },
  }));
  for (const member of members) wheel.add(member, member.slot);
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const member of members) wheel.remove(member, member.slot);

  assert.equal(calls.length, 5, `each member once: ${JSON.stringify(calls)}`);
  assert.deepEqual(calls.map((call) => call.due), [0, 3, 6, 9, 40].map((offset) => first + offset), 'dues stay on the grid');
  for (const call of calls) assert.ok(call.at >= call.due - 10 - 1, `sent more than the window early: ${JSON.stringify(call)}`);
  const batch = calls.slice(0, 4).map((call) => call.at);
  assert.ok(Math.max(...batch) - Math.min(...batch) < 2, `slots 10 ms apart went out in one batch: ${batch}`);
  assert.ok(calls[4].at - calls[0].at > 20, 'a slot 40 ms later waits for its own tick');
});
