import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseScenarioText } from '../../src/scenario/load.js';
import { formatProblem } from '../../src/scenario/problems.js';
import { readDataFile } from '../../src/scenario/population/data-file.js';
import { clientGroups, clientRow, clientSchedule } from '../../src/scenario/population/schedule.js';
import { compileTemplate, renderTemplate } from '../../src/util/template.js';
import { clientRequest } from '../../src/engine/wire/client-socket.js';
import { renderHandshake } from '../../src/engine/wire/handshake-extras.js';
import { tempDir } from '../helpers/cli.js';

const dir = tempDir();
fs.writeFileSync(
  path.join(dir, 'users.csv'),
  'user,token,room\nann,"tok,1",lobby\n"bo ""b""",tok-2,lobby\ncy,tok-3,"west\nwing"\n',
);
fs.writeFileSync(path.join(dir, 'users.jsonl'), '{"user":"ann","n":1}\n\n{"user":"bo","n":{"a":2}}\n');
fs.writeFileSync(path.join(dir, 'broken.csv'), 'user,token\nann,1\nbo,2,extra\n');
fs.writeFileSync(path.join(dir, 'broken.jsonl'), '{"user":"ann"}\n{"user":\n');

const scenario = (clients: string, rest = 'duration: 20s\n') =>
  parseScenarioText(path.join(dir, 's.yaml'), `name: x\ntarget: { stack: direct }\nclients: ${clients}\n${rest}`);

const problems = (clients: string, rest?: string): string[] => {
  const result = scenario(clients, rest);
  return result.ok ? [] : result.problems.map(formatProblem);
};

const planOf = (clients: string, rest?: string) => {
  const result = scenario(clients, rest);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.plan;
};

test('data files: CSV with quotes, commas and newlines in fields; JSON Lines; errors name the line', () => {
  const csv = readDataFile(path.join(dir, 'users.csv'));
  assert.deepEqual(csv.columns, ['user', 'token', 'room']);
  assert.deepEqual(csv.rows[0], { user: 'ann', token: 'tok,1', room: 'lobby' });
  assert.equal(csv.rows[1].user, 'bo "b"');
  assert.equal(csv.rows[2].room, 'west\nwing');
  const jsonl = readDataFile(path.join(dir, 'users.jsonl'));
  assert.deepEqual(jsonl.columns, ['user', 'n']);
  assert.deepEqual(jsonl.rows[1], { user: 'bo', n: '{"a":2}' });
  assert.throws(() => readDataFile(path.join(dir, 'broken.csv')), { message: /not valid CSV/, line: 3 });
  assert.throws(() => readDataFile(path.join(dir, 'broken.jsonl')), { message: /not valid JSON Lines/, line: 2 });
});

test('templates: data columns, generated values, and placeholders that cannot be read', () => {
  const template = compileTemplate(
    '{"u":"{{data.user}}","c":{{client}},"n":{{random_int:3:5}},"k":"{{random_item:a|b}}","id":"{{uuid}}"{{pad:2}}}',
  );
  assert.deepEqual(template.columns, ['user']);
  assert.deepEqual(template.names, ['client']);
  for (let i = 0; i < 50; i++) {
    const parsed = JSON.parse(renderTemplate(template, { client: 7 }, { user: 'ann' }).replace('xx}', '}')) as {
      u: string;
      c: number;
      n: number;
      k: string;
      id: string;
    };
    assert.equal(parsed.u, 'ann');
    assert.equal(parsed.c, 7);
    assert.ok(parsed.n >= 3 && parsed.n <= 5);
    assert.ok(['a', 'b'].includes(parsed.k));
    assert.match(parsed.id, /^[0-9a-f-]{36}$/);
  }
  assert.deepEqual(compileTemplate('{{random_int:9:1}} {{uuid:x}} {{data.a:b}}').malformed, [
    '{{random_int:9:1}}',
    '{{uuid:x}}',
    '{{data.a:b}}',
  ]);
});

test('clients.data, headers and query: each client its row, rendered on its handshake', () => {
  const plan = planOf(
    `{ count: 3, data: { file: users.csv }, headers: { Authorization: "Bearer {{data.token}}", X-Client: "{{client}}" }, query: { room: "{{data.room}}" } }`,
  );
  assert.equal(plan.clients.data?.file, path.join(dir, 'users.csv'));
  const row = clientRow(plan, 2);
  assert.equal(row?.user, 'cy');
  const extras = renderHandshake(plan.clients, { client: 2, session: 's1-2' }, row);
  const request = clientRequest({
    url: 'ws://127.0.0.1:1/ws?a=1',
    sessionKey: { kind: 'query', name: 'k' },
    sessionValue: 's1-2',
    address: null,
    via: 'socket',
    extras,
  });
  assert.equal(request.url, 'ws://127.0.0.1:1/ws?a=1&room=west%0Awing&k=s1-2');
  assert.deepEqual(request.headers, { authorization: 'Bearer tok-3', 'x-client': '2' });
  const cycled = planOf(`{ count: 7, data: { file: users.jsonl, pick: cycle } }`);
  assert.equal(clientRow(cycled, 5)?.user, 'bo');
  const random = planOf(`{ count: 7, data: { file: users.jsonl, pick: random } }`, 'duration: 20s\nseed: 4\n');
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((i) => clientRow(random, i)?.user),
    [0, 1, 2, 3, 4, 5, 6].map((i) => clientRow(random, i)?.user),
  );
});

test('bad population input: every problem names the file, the field and the fix', () => {
  const all = [
    ...problems('{ count: 4, data: { file: users.csv, pick: unique } }'),
    ...problems('{ count: 2, data: { file: nope.csv } }'),
    ...problems('{ count: 2, data: { file: broken.csv } }'),
    ...problems('{ count: 2, data: { file: users.csv }, headers: { Authorization: "{{data.tokn}}" } }'),
    ...problems('{ count: 2, headers: { X-User: "{{data.user}}" } }'),
    ...problems('{ count: 2, headers: { Sec-WebSocket-Protocol: x } }'),
    ...problems('{ count: 2, headers: { X-A: "{{seq}}" } }'),
    ...problems('{ count: 2, stages: [{ to: 5, over: 1s }] }'),
    ...problems('{ stages: [{ hold: 1s }, { to: 0, over: 1s }] }'),
    ...problems('{ stages: [{ to: 5, over: 30s }] }'),
    ...problems('{ arrival: { rate: 10/s, for: 5s } }'),
    ...problems('{ arrival: { rate: 10/s, for: 5s, session: 1s }, ramp: 2s }'),
    ...problems('{ addresses: { pool: 127.0.0.1 } }'),
  ].join('\n');
  const expected = [
    /s\.yaml: clients\.data\.pick: .*users\.csv has 3 rows for 4 clients: .*pick: cycle/,
    /clients\.data\.file: .*nope\.csv cannot read it \(ENOENT\)/,
    /clients\.data\.file: .*broken\.csv:3 is not valid CSV/,
    /clients\.headers\.Authorization: \{\{data\.tokn\}\}: .*users\.csv has no column tokn; its columns: user, token, room/,
    /clients\.headers\.X-User: \{\{data\.user\}\} needs clients\.data/,
    /clients\.headers\.Sec-WebSocket-Protocol: .*give the subprotocol field instead/,
    /clients\.headers\.X-A: unknown placeholder \{\{seq\}\}/,
    /clients: give one of count, stages and arrival, not count and stages/,
    /clients\.stages: no stage brings a client/,
    /clients\.stages: the stages last 30 s, longer than the run \(20 s\)/,
    /clients\.arrival\.session: an arrival rate needs a session length/,
    /clients\.ramp: applies to clients\.count only/,
    /clients: say how many clients: count \(with ramp\), stages, or arrival/,
  ];
  for (const pattern of expected) assert.match(all, pattern);
  assert.equal(all.split('\n').length, expected.length, all);
});

test('stages: clients join evenly, the latest leave first, and the target follows the stages', () => {
  const plan = planOf(
    '{ stages: [{ to: 10, over: 10s }, { hold: 5s }, { to: 4, over: 6s }, { to: 6, over: 2s }] }',
    'duration: 30s\n',
  );
  assert.equal(plan.clients.count, 12);
  const schedule = clientSchedule(plan);
  assert.deepEqual(
    Array.from({ length: 12 }, (_, i) => schedule.startMs(i)),
    [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 21000, 22000],
  );
  assert.deepEqual(
    Array.from({ length: 12 }, (_, i) => schedule.leaveMs(i)),
    [...Array(4).fill(Infinity), 21000, 20000, 19000, 18000, 17000, 16000, Infinity, Infinity],
  );
  assert.deepEqual(
    [0, 4500, 10000, 15000, 18500, 21000, 25000].map((ms) => schedule.targetAt(ms)),
    [1, 5, 10, 10, 7, 5, 6],
  );
  assert.equal(schedule.targetAt(15000, { index: 1, count: 2 }), 5);
});

test('arrival: clients arrive at the rate whatever happens, each for its own session', () => {
  const plan = planOf('{ arrival: { rate: 100/s, for: 10s, session: 3s } }');
  assert.equal(plan.clients.count, 1000);
  assert.deepEqual(plan.clients.session, { lengthMs: 3000, shape: 'exponential' });
  const schedule = clientSchedule(plan);
  assert.equal(schedule.startMs(250), 2500);
  const sessions = Array.from({ length: 1000 }, (_, i) => schedule.leaveMs(i) - schedule.startMs(i));
  const mean = sessions.reduce((a, b) => a + b, 0) / sessions.length;
  assert.ok(mean > 2700 && mean < 3300, `mean session ${mean}`);
  assert.ok(schedule.targetAt(8000) > 250 && schedule.targetAt(8000) < 350, String(schedule.targetAt(8000)));
  const perMinute = planOf('{ arrival: { rate: 600/m, for: 3s }, session: { length: 2s, shape: uniform } }');
  assert.equal(perMinute.clients.count, 30);
  const uniform = clientSchedule(perMinute);
  for (let i = 0; i < 30; i++) {
    const length = uniform.leaveMs(i) - uniform.startMs(i);
    assert.ok(length >= 1000 && length <= 3000, String(length));
  }
  const fixed = clientSchedule(planOf('{ count: 4, ramp: 2s, session: { length: 5s } }'));
  assert.deepEqual([fixed.startMs(3), fixed.leaveMs(3)], [1500, 6500]);
});

test('groups: shares or counts that add up, each a plan of its own, problems named at the group', () => {
  const plan = planOf(
    `{ count: 10, data: { file: users.csv, pick: cycle }, groups: [
      { name: viewers, share: 80%, traffic: { interval: 0 } },
      { name: chatters, share: 20%, traffic: { interval: 250ms }, data: { file: users.jsonl } } ] }`,
  );
  assert.deepEqual(
    plan.groups!.map((g) => [g.name, g.count, g.plan.traffic.intervalMs, g.plan.clients.data?.file]),
    [
      ['viewers', 8, 0, path.join(dir, 'users.csv')],
      ['chatters', 2, 250, path.join(dir, 'users.jsonl')],
    ],
  );
  const membership = clientGroups(plan)!;
  assert.deepEqual([...membership.group].sort(), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual(
    [...membership.rank].filter((_, i) => membership.group[i] === 1),
    [0, 1],
  );
  // A third of 10 rounds; the last group given by share takes what is left.
  const thirds = planOf(
    '{ count: 10, groups: [{ name: a, share: 33% }, { name: b, share: 33% }, { name: c, share: 33% }] }',
  );
  assert.deepEqual(
    thirds.groups!.map((g) => g.count),
    [3, 3, 4],
  );
  const all = [
    ...problems('{ count: 10, groups: [{ name: a, share: 50% }, { name: b, count: 2 }] }'),
    ...problems('{ count: 10, groups: [{ name: a, share: 50%, count: 5 }] }'),
    ...problems(
      '{ count: 10, groups: [{ name: a, count: 5, traffic: { message: "{{nope}} {{id}}" } }, { name: a, count: 5 }] }',
    ),
    ...problems('{ count: 10, groups: [{ name: a, count: 9, data: { file: users.csv } }, { name: b, count: 1 }] }'),
  ].join('\n');
  const expected = [
    /clients\.groups: the groups hold 7 clients, the scenario 10/,
    /clients\.groups\[0\]: give the group a share \(80%\) or a count, one of the two/,
    /clients\.groups\[0\]\.traffic\.message: unknown placeholder \{\{nope\}\}/,
    /clients\.groups\[1\]\.name: group "a" is named twice/,
    /clients\.groups\[0\]\.data\.pick: .*users\.csv has 3 rows for 9 clients/,
  ];
  for (const pattern of expected) assert.match(all, pattern);
  assert.equal(all.split('\n').length, expected.length, all);
});
