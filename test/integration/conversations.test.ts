import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seedNginxIpHash, startSeedSetup } from '../helpers/seed-stack.js';
import { chatBackends, chatStats } from '../helpers/chat-room.js';

/** Conversations with servers the test writes (a broadcasting chat room, Tsung's text server), behind its nginx. */

async function run(url: string, yaml: string): Promise<{ code: number | null; stderr: string; summary: Summary }> {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'users.csv'),
    ['user,room', ...Array.from({ length: 50 }, (_, i) => `user${i},room${i % 5}`)].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), yaml);
  const result = await runCli(['run', 'scenario.yaml', '--url', url, '--out', 'out', '--quiet'], dir);
  const file = path.join(dir, 'out', 'summary.json');
  assert.ok(fs.existsSync(file), `no summary (exit ${result.code}): ${result.stderr}`);
  return { ...result, summary: JSON.parse(fs.readFileSync(file, 'utf8')) as Summary };
}

test('a chat room of 50 clients in 5 rooms: own copies timed, peers’ copies pushes, no step failed by a peer, no storm', async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 1, chatBackends('room'));
  try {
    const { code, stderr, summary } = await run(
      setup.url,
      `name: chat-room
target: { url: ws://placeholder/ }
clients:
  count: 50
  ramp: 1s
  data: { file: users.csv }
  query: { room: "{{data.room}}" }
duration: 6s
on_open:
  - name: join
    send: '{"type":"join","user":"{{data.user}}"}'
    match: { user: "{{data.user}}" }
    expect: { type: joined }
traffic:
  interval: 500ms
  message: '{"type":"say","id":"{{id}}","user":"{{data.user}}"}'
  reply: { field: id }
push: { match: { type: said }, sent_at: at }
churn: { drop_every: 3s, backoff: { initial: 100ms, max: 500ms } }
`,
    );
    assert.equal(code, 0, stderr);
    const { steps, messages, push, connections, disconnects } = summary;
    assert.equal(steps!.join.failed, 0, JSON.stringify(steps));
    assert.ok(steps!.join.passed >= 50, JSON.stringify(steps));
    assert.equal(messages.unmatched, 0, JSON.stringify(messages));
    assert.ok(messages.sent > 300, JSON.stringify(messages));
    assert.ok(messages.sent - messages.received - messages.lost <= 50, JSON.stringify(messages));
    assert.equal(summary.latency.message.count, messages.received);
    // A room of 10: each message reaches 9 peers (a little less while a member reconnects).
    assert.ok(push!.per_message! > 7 && push!.per_message! <= 9.5, JSON.stringify(push));
    assert.ok(summary.latency.push!.count > 1000, 'peers’ copies timed from their sent_at');
    // Handshakes: one per client and one per churn drop, none from steps failed by others' messages.
    // (a drop in the last moments has no reconnect before the end)
    const expected = 50 + disconnects.client;
    assert.ok(
      connections.attempted <= expected && connections.attempted >= expected - 5,
      JSON.stringify({ connections, disconnects }),
    );
  } finally {
    await setup.stop();
  }
});

const TEXT = (extra = '') => `name: text-server
target: { url: ws://placeholder/ }
clients: { count: 10 }
duration: 3s
on_open:
  - name: hello
    send: hello
    expect: { text: ok }
    timeout: 1s
${extra}traffic: { interval: 0 }
`;

test('Tsung’s text server: { text: ok } passes; an "error" server fails the step, saying what came instead', async () => {
  const ok = await startSeedSetup('nginx', seedNginxIpHash(), 1, chatBackends('ok'));
  try {
    const passed = await run(ok.url, TEXT());
    assert.equal(passed.code, 0, passed.stderr);
    assert.equal(passed.summary.steps!.hello.passed, 10);
  } finally {
    await ok.stop();
  }
  const error = await startSeedSetup('nginx', seedNginxIpHash(), 1, chatBackends('error'));
  try {
    const waited = await run(error.url, TEXT());
    assert.equal(waited.code, 1, waited.stderr);
    assert.equal(waited.summary.steps!.hello.passed, 0);
    assert.ok((waited.summary.steps!.hello.failed_by_reason.timeout ?? 0) > 0);
    assert.deepEqual(waited.summary.steps!.hello.came_instead, ['"error"']);
    const refused = await run(
      error.url,
      TEXT().replace('    timeout: 1s\n', '    timeout: 1s\n    fail_on: { regex: "^err" }\n'),
    );
    assert.equal(refused.code, 1, refused.stderr);
    assert.ok((refused.summary.steps!.hello.failed_by_reason.mismatch ?? 0) > 0, JSON.stringify(refused.summary.steps));
    assert.deepEqual(refused.summary.steps!.hello.came_instead, ['"error"']);
  } finally {
    await error.stop();
  }
});

test('a step cut by churn every time is counted as cut, never passes, and the run does not pass', async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 1, chatBackends('silent'));
  try {
    const { code, summary } = await run(
      setup.url,
      `name: cut-steps
target: { url: ws://placeholder/ }
clients: { count: 20 }
duration: 3s
on_open:
  - { name: auth, send: '{"type":"auth"}', expect: { type: auth_ok }, timeout: 10s }
churn: { drop_every: 300ms, backoff: { initial: 50ms, max: 100ms } }
thresholds:
  steps.auth.failed: "== 0"
`,
    );
    const auth = summary.steps!.auth;
    assert.ok(auth.cut > 20, JSON.stringify(auth));
    assert.equal(auth.passed, 0);
    assert.equal(auth.failed, 0);
    assert.equal(code, 1);
    assert.equal(summary.verdict, 'fail');
    const threshold = summary.thresholds.find((t) => t.metric === 'steps.auth.failed')!;
    assert.equal(threshold.passed, false);
    assert.match(threshold.why!, /never passed/);
  } finally {
    await setup.stop();
  }
});

test('traffic.count 10 with think 1s: each client sends 10, says leave, closes with its code and reason, never returns', async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 1, chatBackends('room'));
  try {
    const { code, stderr, summary } = await run(
      setup.url,
      `name: finite
target: { url: ws://placeholder/ }
clients: { count: 20, ramp: 500ms, data: { file: users.csv } }
duration: 12s
traffic:
  message: '{"type":"say","id":"{{id}}","user":"{{data.user}}"}'
  reply: { field: id }
  count: 10
  think: 500ms-1s
on_close:
  - send: '{"type":"leave","user":"{{data.user}}"}'
close: { code: 4000, reason: bye }
`,
    );
    assert.equal(code, 0, stderr);
    const stats = await chatStats(setup.backends[0]);
    assert.deepEqual(Object.values(stats.messages), Array(20).fill(10), JSON.stringify(stats.messages));
    assert.equal(stats.leaves_before_close, 20);
    assert.equal(stats.closes['4000 bye'], 20, JSON.stringify(stats.closes));
    assert.equal(summary.connections.attempted, 20);
    assert.equal(summary.load.left, 20);
    assert.equal(summary.messages.sent, 200);
    assert.equal(summary.messages.received, 200);
  } finally {
    await setup.stop();
  }
});

test('binary frames: 150 clients send bytes, a byte-prefix check passes the step, replies are timed, the server counted binary frames', async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 1, chatBackends('room'));
  try {
    const { code, stderr, summary } = await run(
      setup.url,
      `name: binary
target: { url: ws://placeholder/ }
clients: { count: 150, ramp: 1s }
duration: 4s
on_open:
  - { name: hello, send: "{{hex:ff00}}hello", expect: { bytes: { prefix: "03" } } }
traffic:
  binary: true
  interval: 250ms
  message: "{{hex:0102}}id={{id}};{{base64:AAEC}}"
`,
    );
    assert.equal(code, 0, stderr);
    assert.equal(summary.steps!.hello.passed, 150, JSON.stringify(summary.steps));
    const m = summary.messages;
    assert.ok(m.sent > 1200 && m.sent - m.received - m.lost <= 150 && m.lost === 0, JSON.stringify(m));
    assert.equal(summary.latency.message.count, m.received);
    const stats = await chatStats(setup.backends[0]);
    assert.ok(stats.binary >= m.sent + 150, `the server counted ${stats.binary} binary frames`);
  } finally {
    await setup.stop();
  }
});

/** A HAR as Chrome's network panel exports it ("Save all as HAR with content") of one chat room session. */
function chromeHar(url: string): string {
  const at = 1765100000;
  const frame = (type: 'send' | 'receive', time: number, data: unknown) => ({
    type,
    time: at + time,
    opcode: 1,
    data: typeof data === 'string' ? data : JSON.stringify(data),
  });
  return JSON.stringify({
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [],
      entries: [
        {
          _resourceType: 'websocket',
          request: {
            method: 'GET',
            url: `${url}?room=lobby`,
            httpVersion: 'HTTP/1.1',
            headers: [
              { name: 'Host', value: 'chat.example.test' },
              { name: 'Connection', value: 'Upgrade' },
              { name: 'Upgrade', value: 'websocket' },
              { name: 'Origin', value: 'https://chat.example.test' },
              { name: 'Authorization', value: 'Bearer s3cr3t-recorded' },
              { name: 'Sec-WebSocket-Version', value: '13' },
              { name: 'Sec-WebSocket-Key', value: 'dGhlIHNhbXBsZSBub25jZQ==' },
              { name: 'User-Agent', value: 'Mozilla/5.0' },
            ],
            queryString: [{ name: 'room', value: 'lobby' }],
          },
          response: { status: 101, statusText: 'Switching Protocols', headers: [] },
          time: 12000,
          _webSocketMessages: [
            frame('receive', 0.01, { type: 'welcome', server: 'chat1' }),
            frame('send', 0.2, { type: 'join', user: 'ann' }),
            frame('receive', 0.21, { type: 'joined', user: 'ann' }),
            frame('send', 1.2, { type: 'say', id: 'm-1', user: 'ann', text: 'hi' }),
            frame('receive', 1.21, { type: 'said', id: 'm-1', user: 'ann', text: 'hi' }),
            frame('receive', 1.7, { type: 'said', id: 'x-9', user: 'bo', text: 'hello' }),
            frame('send', 2.2, { type: 'say', id: 'm-2', user: 'ann', text: 'hi' }),
            frame('receive', 2.21, { type: 'said', id: 'm-2', user: 'ann', text: 'hi' }),
            frame('send', 3.2, { type: 'say', id: 'm-3', user: 'ann', text: 'hi' }),
            frame('receive', 3.21, { type: 'said', id: 'm-3', user: 'ann', text: 'hi' }),
          ],
        },
      ],
    },
  });
}

test('stickler import: a Chrome HAR of a chat session becomes a scenario that validates and runs against the service', async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 1, chatBackends('room'));
  try {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'chat-session.har'), chromeHar(setup.url));
    const imported = await runCli(['import', 'chat-session.har', '--duration', '4s'], dir);
    assert.equal(imported.code, 0, imported.stderr);
    const yaml = fs.readFileSync(path.join(dir, 'chat-session.yaml'), 'utf8');
    assert.doesNotMatch(yaml, /s3cr3t/, 'header values go to the data file, never into the scenario');
    assert.match(fs.readFileSync(path.join(dir, 'chat-session-headers.csv'), 'utf8'), /authorization/);
    assert.match(yaml, /"id":"\{\{id\}\}"/);
    assert.match(yaml, /field: id/);
    const run = await runCli(['run', 'chat-session.yaml', '--out', 'out', '--quiet'], dir);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
    assert.ok(summary.steps!.step1.passed >= 10, JSON.stringify(summary.steps));
    assert.ok(summary.messages.received > 20 && summary.messages.lost === 0, JSON.stringify(summary.messages));
    assert.equal(summary.messages.unmatched, 0);
    assert.ok(summary.push!.matched > 0, JSON.stringify(summary.push));
    const refused = await runCli(['import', 'chat-session.har'], dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /chat-session\.yaml exists: give --out/);
  } finally {
    await setup.stop();
  }
});
