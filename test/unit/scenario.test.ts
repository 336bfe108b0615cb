import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenarioText } from '../../src/scenario/load.js';
import { formatProblem } from '../../src/scenario/problems.js';

const problemsOf = (yaml: string) => {
  const result = parseScenarioText('s.yaml', yaml);
  assert.equal(result.ok, false, 'expected the scenario to be rejected');
  return result.ok ? [] : result.problems.map(formatProblem);
};

test('a minimal scenario is normalised with defaults and frozen', () => {
  const result = parseScenarioText(
    's.yaml',
    'name: ok\ntarget: { stack: haproxy-cookie }\nclients: { count: 10 }\nduration: 2m\n',
  );
  assert.ok(result.ok);
  const plan = result.plan;
  assert.equal(plan.durationMs, 120_000);
  assert.deepEqual(plan.target, {
    kind: 'preset',
    preset: 'haproxy-cookie',
    backends: 3,
    path: '/',
    health: 'http',
    redispatch: true,
    tls: false,
  });
  assert.equal(plan.clients.connectConcurrency, 256);
  assert.equal(plan.clients.pool, '127.0.0.1');
  assert.equal(plan.traffic.intervalMs, 1000);
  assert.equal(plan.identify.header, 'x-backend-id');
  assert.ok(Object.isFrozen(plan.clients));
});

test('every bad field is reported with its path, not only the first', () => {
  const problems = problemsFromBad();
  assert.ok(problems.includes('s.yaml: clients.count: expected a positive integer, got "many"'), problems.join('\n'));
  assert.ok(
    problems.some((p) => p.startsWith('s.yaml: duration: expected a duration')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('s.yaml: traffic.pattern: expected one of "fixed", "poisson"')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('s.yaml: clients.ramps: unknown field')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('s.yaml: events[0].action: expected one of')),
    problems.join('\n'),
  );
  assert.ok(problems.length >= 5);
});

function problemsFromBad() {
  return problemsOf(`name: bad
target: { stack: haproxy-cookie }
clients: { count: many, ramps: 3s }
duration: soon
traffic: { pattern: bursty }
events:
  - { at: 1s, action: explode }
`);
}

test('cross-field problems: unknown preset, missing target, backend out of range, unknown metric', () => {
  assert.match(
    problemsOf('name: x\ntarget: { stack: nginx-magic }\nclients: { count: 1 }\nduration: 1s\n')[0],
    /target.stack: unknown preset "nginx-magic"; choose one of direct, nginx-round-robin/,
  );
  assert.match(problemsOf('name: x\nclients: { count: 1 }\nduration: 1s\n')[0], /target: required/);
  const events = problemsOf(
    'name: x\ntarget: { stack: haproxy-cookie, backends: 2 }\nclients: { count: 1 }\nduration: 10s\nevents:\n  - { at: 1s, action: kill, backend: b5 }\n  - { at: 20s, action: pause, backend: b1 }\n',
  );
  assert.ok(
    events.some((p) => p.includes('events[0].backend: b5 does not exist: this stack has b1..b2')),
    events.join('\n'),
  );
  assert.ok(
    events.some((p) => p.includes('events[1].at: is after the run ends')),
    events.join('\n'),
  );
  assert.ok(
    events.some((p) => p.includes('events[1].for: required for pause')),
    events.join('\n'),
  );
  const metric = problemsOf(
    'name: x\ntarget: { url: "ws://127.0.0.1:1/" }\nclients: { count: 1 }\nduration: 1s\nthresholds:\n  latency.mesage.p99: "< 5"\n',
  );
  assert.match(metric[0], /thresholds.latency.mesage.p99: unknown metric; valid metrics: .*latency.message.p99/);
});

test('a pool outside loopback and a YAML syntax error are explained', () => {
  assert.match(
    problemsOf(
      'name: x\ntarget: { stack: direct }\nclients: { count: 1, addresses: { pool: 10.0.0.0/8 } }\nduration: 1s\n',
    )[0],
    /clients.addresses.pool: pool 10.0.0.0\/8 is outside 127.0.0.0\/8/,
  );
  assert.match(problemsOf('name: x\nclients: [\n')[0], /^s.yaml: YAML: /);
});

test('--stack and --url replace the target of the file; --url keeps what describes the system it reaches', () => {
  const yaml =
    'name: x\ntarget: { stack: haproxy-cookie, backends: 2, health: ws, tls: true }\nidentify: { header: x-served-by }\nclients: { count: 1 }\nduration: 1s\n';
  const byUrl = parseScenarioText('s.yaml', yaml, { url: 'ws://127.0.0.1:9/ws' });
  assert.ok(byUrl.ok, JSON.stringify(!byUrl.ok && byUrl.problems));
  // backends and identify stay; health checks and tls: true are a managed stack's and go.
  assert.deepEqual(byUrl.plan.target, {
    kind: 'url',
    url: 'ws://127.0.0.1:9/ws',
    expectedBackends: 2,
    haproxyStats: null,
    tls: null,
  });
  assert.equal(byUrl.plan.identify.header, 'x-served-by');
  const mistyped = parseScenarioText(
    's.yaml',
    'name: x\ntarget: { stack: haproxy-cookie }\nclients: { count: 1 }\nduration: 1s\n',
    { stack: 'haproxy-cokie' },
  );
  assert.ok(!mistyped.ok);
  assert.match(
    formatProblem(mistyped.problems[0]),
    /^--stack: unknown preset "haproxy-cokie"/,
    "a mistyped flag is the flag's problem",
  );
  const byStack = parseScenarioText(
    's.yaml',
    'name: x\ntarget: { stack: haproxy-cookie, backends: 2 }\nclients: { count: 1 }\nduration: 1s\n',
    { stack: 'nginx-ip-hash' },
  );
  assert.ok(byStack.ok);
  assert.equal(byStack.plan.target.kind === 'preset' && byStack.plan.target.preset, 'nginx-ip-hash');
});

test('an action the target cannot carry out is a validation error naming the action, the target and why', () => {
  const events = (target: string, event: string) => {
    const result = parseScenarioText(
      's.yaml',
      `name: x\ntarget: ${target}\nclients: { count: 1 }\nduration: 10s\nevents:\n  - ${event}\n`,
    );
    return result.ok ? [] : result.problems.map(formatProblem);
  };
  assert.deepEqual(events('{ stack: direct }', '{ at: 1s, action: drain, backend: b1 }'), [
    's.yaml: events[0].action: drain acts on the proxy, and the direct preset has none: choose a preset with a proxy',
  ]);
  assert.match(
    events('{ stack: direct }', '{ at: 1s, action: reload }')[0],
    /events\[0\]\.action: reload acts on the proxy, and the direct preset has none/,
  );
  assert.match(
    events('{ url: "ws://127.0.0.1:9/" }', '{ at: 1s, action: kill, backend: b1 }')[0],
    /events\[0\]\.action: kill needs a managed stack \(target.stack\): stickler does not run ws:\/\/127.0.0.1:9\/; use exec/,
  );
  assert.deepEqual(events('{ stack: nginx-least-conn }', '{ at: 1s, action: drain, backend: b1 }'), []);
  assert.deepEqual(events('{ stack: direct }', '{ at: 1s, action: kill, backend: b1 }'), []);
  assert.deepEqual(events('{ url: "ws://127.0.0.1:9/" }', '{ at: 1s, action: drop_all }'), []);
  assert.match(
    events('{ stack: direct }', '{ at: 1s, action: pause, backend: b1 }')[0],
    /events\[0\]\.for: required for pause/,
  );
});

test('application protocol: every template problem in one pass, each naming the template and the known names', () => {
  const problems = problemsOf(`name: app
target: { url: ws://127.0.0.1:9/ }
clients: { count: 1 }
duration: 1s
identify: { step: login }
on_open:
  - { name: auth, send: '{"token":"{{tokne}}","user":"{{user}}"}', expect: { type: ok }, capture: { user: user.id } }
  - { name: auth, send: '{"x":1}' }
traffic:
  message: '{"type":"ping","n":{{seq}},"u":"{{user}}"}'
  reply: { field: id }
`);
  assert.ok(
    problems.some((p) =>
      /on_open\[0\]\.send: unknown placeholders \{\{tokne\}\}, \{\{user\}\} in .*known here: \{\{client\}\} \{\{seq\}\} \{\{id\}\} \{\{session\}\} \{\{now_ms\}\} \{\{backend\}\} \{\{pad:N\}\} \{\{uuid\}\} .*\{\{data\.COLUMN\}\} \(a captured name is known only after the step that captures it\)/.test(
        p,
      ),
    ),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => /on_open\[1\]\.name: step "auth" is named twice/.test(p)),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) =>
      /traffic\.reply\.field: replies are matched by the message's \{\{id\}\}, but traffic\.message has no \{\{id\}\}/.test(
        p,
      ),
    ),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => /identify\.step: no on_open step is named "login"/.test(p)),
    problems.join('\n'),
  );
  // {{user}} in traffic.message comes after the capture: no problem there.
  assert.ok(!problems.some((p) => p.startsWith('s.yaml: traffic.message:')), problems.join('\n'));
});

test('application protocol: a valid scenario compiles its templates into the plan', () => {
  const result = parseScenarioText(
    's.yaml',
    `name: app
target: { url: ws://127.0.0.1:9/ }
clients: { count: 1 }
duration: 1s
traffic: { message: '{"id":"{{id}}","pad":"{{pad:3}}"}', reply: { field: data.id }, reply_timeout: 2s }
push: { sent_at: payload.at }
`,
  );
  assert.ok(result.ok, JSON.stringify(result));
  const app = result.plan.app;
  assert.deepEqual(app.message?.parts, ['{"id":"', { name: 'id' }, '","pad":"xxx"}']);
  assert.deepEqual(app.reply, { kind: 'field', path: ['data', 'id'], text: 'data.id' });
  assert.equal(app.replyTimeoutMs, 2000);
  assert.deepEqual(app.push, { match: null, sentAt: ['payload', 'at'] });
});
