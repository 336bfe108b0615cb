import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { SendWheel } from '../../src/engine/send-wheel.js';

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
