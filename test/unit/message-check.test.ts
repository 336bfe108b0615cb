import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindCheck, CheckedMessage, compileCheck, passes } from '../../src/util/message-check.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { formatProblem } from '../../src/scenario/problems.js';
import { compileTemplate, renderBytes } from '../../src/util/template.js';

const text = (s: string) => new CheckedMessage(Buffer.from(s));

test('checks: a JSON subset, the whole text, a regex, a value at a path, a binary frame’s bytes', () => {
  const cases: [unknown, string | Buffer, boolean][] = [
    [{ type: 'auth_ok' }, '{"type":"auth_ok","user":{"id":7}}', true],
    [{ type: 'auth_ok' }, '{"type":"welcome"}', false],
    [{ text: 'ok' }, 'ok', true],
    [{ text: 'ok' }, 'ok ', false],
    [{ regex: "^I'm still" }, "I'm still alive", true],
    [{ path: 'user.id', equals: 7 }, '{"user":{"id":7}}', true],
    [{ path: 'user.id', equals: 8 }, '{"user":{"id":7}}', false],
    [{ path: 'user.name', matches: '^an' }, '{"user":{"name":"ann"}}', true],
    [{ path: 'user.name' }, '{"user":{}}', false],
    [{ bytes: { length: 4, prefix: '03ff' } }, Buffer.from([3, 255, 1, 2]), true],
    [{ bytes: { prefix: '03' } }, Buffer.from([4, 1]), false],
  ];
  for (const [input, data, expected] of cases) {
    const message = typeof data === 'string' ? text(data) : new CheckedMessage(data, true);
    assert.equal(passes(compileCheck(input as never).check, message), expected, JSON.stringify([input, String(data)]));
  }
  assert.equal(new CheckedMessage(Buffer.from([1, 2]), true).excerpt(), 'binary 2 bytes: 0102');
  assert.equal(text('a"b').excerpt(), '"a\\"b"');
});

test('checks hold placeholders bound per client; bytes templates render to binary frames', () => {
  const plan = compileCheck({ user: '{{data.user}}', room: 'lobby' });
  assert.deepEqual(bindCheck(plan, {}, { user: 'ann' }), { kind: 'subset', subset: { user: 'ann', room: 'lobby' } });
  assert.deepEqual(
    plan.check,
    { kind: 'subset', subset: { user: '{{data.user}}', room: 'lobby' } },
    'the plan is unchanged',
  );
  const bytes = renderBytes(compileTemplate('{{hex:0102}}id={{id}};{{base64:AAE=}}'), { id: '3-1' });
  assert.deepEqual([...bytes], [1, 2, ...Buffer.from('id=3-1;'), 0, 1]);
  const problems = (yaml: string) => {
    const result = parseScenarioText(
      '/tmp/s.yaml',
      `name: x\ntarget: { stack: direct }\nclients: { count: 1 }\nduration: 1s\n${yaml}`,
    );
    return result.ok ? [] : result.problems.map(formatProblem);
  };
  assert.match(
    problems("traffic: { message: '{{hex:00}}{{id}}' }").join('\n'),
    /traffic\.message: bytes .* give traffic\.binary: true/,
  );
  assert.match(
    problems("traffic: { binary: true, message: '{{file:nope.bin}}{{id}}' }").join('\n'),
    /traffic\.message: \{\{file:nope\.bin\}\}: cannot read \/tmp\/nope\.bin \(ENOENT/,
  );
  // Refused by the schema, never read as a JSON subset.
  assert.match(
    problems("on_open: [{ name: a, send: x, expect: { regex: '(' } }]").join('\n'),
    /on_open\[0\]\.expect: /,
  );
  assert.match(problems('traffic: { think: 3s-1s }').join('\n'), /traffic\.think: expected a duration/);
  assert.match(problems('traffic: { count: 3, interval: 0 }').join('\n'), /traffic\.count: the clients send nothing/);
});
