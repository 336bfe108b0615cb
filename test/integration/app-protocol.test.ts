import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenarioText } from '../helpers/cli.js';
import { startJsonService } from '../helpers/json-service.js';

/** The application's own protocol against a JSON service that never echoes, reached with --url. */

const run = (yaml: string) => runScenarioText(yaml);

const scenario = (url: string, traffic: string, rest = '') => `name: json-api
target: { url: ${url} }
clients: { count: 20, ramp: 500ms }
duration: 3s
traffic:
  interval: 200ms
${traffic}
${rest}
`;

test('replies matched by id: every message timed, none lost or unmatched; a wrong reply.field is named', async (t) => {
  const service = await startJsonService();
  try {
    const ok = await run(
      scenario(
        service.url,
        `  message: '{"type":"ping","id":"{{id}}","sent":{{now_ms}},"pad":"{{pad:20}}"}'\n  reply: { field: id }`,
        'identify: { message_field: server }\nthresholds:\n  latency.message.p99: "< 500"',
      ),
    );
    assert.equal(ok.code, 0, ok.stderr);
    const m = ok.summary.messages;
    t.diagnostic(`by id: messages ${JSON.stringify(m)}, latency.message.count ${ok.summary.latency.message.count}`);
    assert.ok(m.sent > 200, JSON.stringify(m));
    assert.equal(m.received, m.sent);
    assert.equal(ok.summary.latency.message.count, m.received);
    assert.equal(m.lost, 0);
    assert.equal(m.unmatched, 0);
    // The ack names the server: the first messages identify the backend.
    assert.equal(ok.summary.stickiness.unidentified, 0);
    assert.deepEqual(
      ok.summary.distribution.backends.map((b) => b.id),
      ['app1'],
    );
    assert.equal(
      ok.summary.findings.filter((f) => f.rule === 'no-replies' || f.rule === 'replies-unmatched').length,
      0,
    );

    const wrong = await run(
      scenario(service.url, `  message: '{"type":"ping","id":"{{id}}"}'\n  reply: { field: msgId }`),
    );
    t.diagnostic(`wrong field: messages ${JSON.stringify(wrong.summary.messages)}`);
    assert.equal(wrong.summary.messages.received, 0);
    // Acks without the field answer nothing of the client's: they are counted as other server messages.
    assert.ok(wrong.summary.push!.received > 100, JSON.stringify(wrong.summary));
    assert.ok(
      wrong.summary.warnings.some((w) => /no reply matched \(traffic\.reply field msgId/.test(w)),
      wrong.summary.warnings.join('\n'),
    );
    const finding = wrong.summary.findings.find((f) => f.rule === 'replies-unmatched');
    assert.ok(
      finding && /"msgId"/.test(finding.cause) && /traffic\.reply\.field/.test(finding.fix),
      JSON.stringify(wrong.summary.findings),
    );
  } finally {
    await service.close();
  }
});

test('the default echo against a service that does not echo: a warning, and a latency threshold fails with actual null', async () => {
  const service = await startJsonService();
  try {
    const echo = await run(scenario(service.url, '', 'thresholds:\n  latency.message.p99: "< 100"'));
    assert.equal(echo.code, 1, echo.stderr);
    assert.deepEqual(echo.summary.thresholds, [
      {
        metric: 'latency.message.p99',
        condition: '< 100',
        actual: null,
        passed: false,
        why: 'no message latency was measured (count 0)',
      },
    ]);
    assert.ok(
      echo.summary.warnings.some((w) => /none came back: the target does not echo them/.test(w)),
      echo.summary.warnings.join('\n'),
    );
    assert.match(
      echo.stdout,
      /finding \(error\): the target did not echo the messages[\s\S]*fix: set traffic\.message and traffic\.reply/,
    );
  } finally {
    await service.close();
  }
});

test('on_open steps on every connection, captures in later templates, pushes timed from their send time', async (t) => {
  const service = await startJsonService('app1', 200);
  try {
    const { code, summary, stderr, stdout } = await run(`name: json-steps
target: { url: ${service.url} }
clients: { count: 20, ramp: 500ms }
duration: 4s
identify: { step: auth, message_field: server }
on_open:
  - name: auth
    send: '{"type":"auth","token":"t-{{client}}"}'
    expect: { type: auth_ok }
    capture: { user: user.id }
  - name: subscribe
    send: '{"type":"subscribe","user":"{{user}}"}'
traffic:
  interval: 500ms
  message: '{"type":"ping","id":"{{id}}","user":"{{user}}"}'
  reply: { field: id }
churn: { drop_every: 1500ms, backoff: { initial: 100ms, max: 300ms } }
push: { match: { type: tick }, sent_at: at }
thresholds:
  latency.steps.auth.p99: "< 500"
  steps.auth.failed: "== 0"
`);
    assert.equal(code, 0, stderr);
    const opened = summary.connections.opened;
    assert.ok(opened > 30, `opened ${opened}`);
    // Steps run again on every reconnect. At the very end a connection may open in the stop's grace
    // period (closed at once: no step, no landing), or still wait for its auth answer when the run
    // ends (attempted, neither passed nor failed, and so unidentified): a couple at most.
    const { auth, subscribe } = summary.steps!;
    t.diagnostic(
      `opened ${opened}; steps ${JSON.stringify(summary.steps)}; unidentified ${summary.stickiness.unidentified}`,
    );
    assert.equal(auth.failed, 0);
    assert.ok(
      auth.attempted <= opened && auth.attempted >= opened - 2,
      `auth ${JSON.stringify(auth)}, opened ${opened}`,
    );
    assert.ok(auth.passed <= auth.attempted && auth.passed >= auth.attempted - 2, `auth ${JSON.stringify(auth)}`);
    assert.equal(subscribe.passed, auth.passed);
    assert.equal(summary.latency.steps!.auth.count, auth.passed);
    // The auth answer names the backend: only a connection still waiting for it at the end is unidentified.
    assert.equal(summary.stickiness.unidentified, auth.attempted - auth.passed);
    assert.ok(
      summary.push!.matched > 100 && summary.push!.received >= summary.push!.matched,
      JSON.stringify(summary.push),
    );
    assert.equal(summary.latency.push!.count, summary.push!.matched);
    // A client's longest silence spans its reconnects: one drop costs ~550 ms (backoff, handshake,
    // auth, subscribe, the first 200 ms tick), and a client dropped again before its first tick
    // (drop_every is exponential) is silent for two of them, ~1,110 ms (2 runs in 8 of one seed).
    assert.ok(summary.push!.gap_p99! >= 150 && summary.push!.gap_p99! < 2000, JSON.stringify(summary.push));
    assert.equal(summary.messages.lost, 0);
    assert.equal(summary.messages.unmatched, 0);
    assert.match(stdout, new RegExp(`│ auth +│ ${auth.attempted} +│ ${auth.passed} +│ 0 +│ \\d+ +│ none +│`));
    // Pushes in a table of their own: received, matched, per message sent, gap p99, p99.
    assert.match(stdout, /│ pushes +│ matched +│ per message sent +│ gap p99 ms +│ p99 ms +│/);
    assert.match(
      stdout,
      new RegExp(`│ ${summary.push!.received} +│ ${summary.push!.matched} +│ [\\d.-]+ +│ [\\d.]+ +│`),
    );
  } finally {
    await service.close();
  }
});

test('a step that times out is counted by reason, and the client reconnects', async () => {
  const service = await startJsonService();
  try {
    const { summary } = await run(`name: json-step-timeout
target: { url: ${service.url} }
clients: { count: 6 }
duration: 3s
on_open:
  - { name: auth, send: '{"type":"auth","token":"slow-{{client}}"}', expect: { type: auth_ok }, timeout: 400ms }
traffic: { interval: 200ms, message: '{"type":"ping","id":"{{id}}"}', reply: { field: id } }
churn: { backoff: { initial: 100ms, max: 200ms } }
`);
    const auth = summary.steps!.auth;
    assert.ok(auth.failed_by_reason.timeout! >= 12, JSON.stringify(auth));
    assert.equal(auth.passed, 0);
    assert.ok(summary.connections.attempted >= 18, `attempted ${summary.connections.attempted}`);
    assert.equal(summary.messages.sent, 0);
    assert.ok(
      summary.findings.some((f) => f.rule === 'step-failing' && /never passed/.test(f.cause)),
      JSON.stringify(summary.findings),
    );
  } finally {
    await service.close();
  }
});
