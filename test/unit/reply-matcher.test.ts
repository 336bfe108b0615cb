import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflightQueue } from '../../src/engine/protocols/inflight-queue.js';
import { ReplyMatcher } from '../../src/engine/protocols/reply-matcher.js';
import type { AppPlan } from '../../src/scenario/plan.js';
import { compileTemplate } from '../../src/util/template.js';

const app = (reply: AppPlan['reply'], message = '{"type":"ping","id":"{{id}}"}'): AppPlan => ({
  message: compileTemplate(message),
  reply,
  replyTimeoutMs: 1000,
  steps: [],
  push: null,
  onClose: [],
  binary: false,
  close: { code: 1000, reason: 'client' },
  identifyStep: null,
  subprotocols: [],
  socketio: null,
  module: null,
  mqtt: null,
});

test('replies by field: matched by id in any order, an unknown id is unmatched, no id is not a reply', () => {
  const matcher = new ReplyMatcher(app({ kind: 'field', path: ['data', 'id'], text: 'data.id' }));
  matcher.sent('1-1', 100);
  matcher.sent('1-2', 200);
  assert.equal(matcher.match(Buffer.from('{"data":{"id":"1-2"}}')), 200);
  assert.equal(matcher.match(Buffer.from('{"data":{"id":"1-2"}}')), ReplyMatcher.UNMATCHED);
  assert.equal(matcher.match(Buffer.from('{"type":"tick"}')), ReplyMatcher.NOT_A_REPLY);
  assert.equal(matcher.match(Buffer.from('not json')), ReplyMatcher.NOT_A_REPLY);
  assert.equal(matcher.match(Buffer.from('{"data":{"id":"1-1"}}')), 100);
});

test('an echoed template is matched by the id between its literals; next answers in order; the timeout expires the oldest', () => {
  const echo = new ReplyMatcher(app({ kind: 'echo' }));
  echo.sent('3-7', 700);
  assert.equal(echo.match(Buffer.from('{"echo":{"type":"ping","id":"3-7"}}')), 700);
  const next = new ReplyMatcher(app({ kind: 'next' }));
  next.sent('a', 1);
  next.sent('b', 2);
  assert.equal(next.match(Buffer.from('x')), 1);
  assert.equal(next.match(Buffer.from('y')), 2);
  assert.equal(next.match(Buffer.from('z')), ReplyMatcher.NOT_A_REPLY);
  const field = new ReplyMatcher(app({ kind: 'field', path: ['id'], text: 'id' }));
  field.sent('1-1', 0);
  field.sent('1-2', 900_000);
  field.sent('1-3', 1_500_000);
  assert.equal(field.expire(2_000_000), 2);
  assert.equal(field.match(Buffer.from('{"id":"1-3"}')), 1_500_000);
});

test('the in-flight queue answers out of order, gives up the oldest, and stays small over a long run', () => {
  const queue = new InflightQueue();
  for (let seq = 1; seq <= 5; seq++) queue.add(`1-${seq}`, seq * 100);
  assert.equal(queue.take('1-3'), 300);
  assert.equal(queue.take('1-3'), undefined);
  assert.equal(queue.take('1-1'), 100);
  assert.equal(queue.dropOlder(450), 2);
  assert.equal(queue.size, 1);
  assert.equal(queue.take('1-5'), 500);
  assert.equal(queue.size, 0);
  for (let seq = 1; seq <= 10_000; seq++) {
    queue.add(`2-${seq}`, seq);
    if (seq > 3) assert.equal(queue.take(`2-${seq - 3}`), seq - 3);
  }
  assert.equal(queue.size, 3);
  assert.ok((queue as unknown as { ids: string[] }).ids.length < 100, 'the arrays do not grow with the run');
});

test('the in-flight queue drains oldest first, and is empty after', () => {
  const queue = new InflightQueue();
  queue.add('1-1', 10);
  queue.add('1-2', 20);
  queue.add('1-3', 30);
  assert.equal(queue.take('1-2'), 20);
  const drained: [string, number][] = [];
  queue.drain((id, sentUs) => drained.push([id, sentUs]));
  assert.deepEqual(drained, [
    ['1-1', 10],
    ['1-3', 30],
  ]);
  assert.equal(queue.size, 0);
  assert.equal(queue.take('1-1'), undefined);
});
