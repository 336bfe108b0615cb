import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seedNginxIpHash, startSeedSetup } from '../helpers/seed-stack.js';
import { tokenBackends, tokenStats } from '../helpers/token-service.js';
import { startSocketioBackends } from '../helpers/socketio-backends.js';

/**
 * The service's users: a login-token service and a chat room the test writes (not stickler), behind an nginx config
 * the test writes, reached with --url as a user reaches staging.
 */

function usersCsv(dir: string, rows: number, bad: (i: number) => boolean = () => false): string {
  const file = path.join(dir, 'users.csv');
  const lines = Array.from({ length: rows }, (_, i) => `user${i},${bad(i) ? `expired-${i}` : `tok-${i}-s3cr3t`}`);
  fs.writeFileSync(file, ['user,token', ...lines].join('\n') + '\n');
  return file;
}

const TOKEN_SCENARIO = (count: number, headers = true) => `name: token-users
target: { url: ws://placeholder/ }
clients:
  count: ${count}
  ramp: 2s
  addresses: { pool: 127.81.0.0/24 }
  data: { file: clients.csv, pick: unique }
${headers ? '  headers:\n    Authorization: "Bearer {{data.token}}"\n    Origin: https://app.example.test\n' : ''}duration: 5s
traffic:
  interval: 250ms
  message: '{"type":"say","id":"{{id}}","user":"{{data.user}}"}'
  reply: { field: id }
`;

async function run(
  dir: string,
  url: string,
  yaml: string,
): Promise<{ code: number | null; stderr: string; summary?: Summary }> {
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), yaml);
  const result = await runCli(['run', 'scenario.yaml', '--url', url, '--out', 'out', '--quiet', '--force'], dir);
  const file = path.join(dir, 'out', 'summary.json');
  return {
    ...result,
    summary: fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Summary) : undefined,
  };
}

test('a token service behind nginx: unique tokens from a CSV, 0 refused, every user seen once; bad tokens fail the run; no headers stop at once', async () => {
  const dir = tempDir();
  const users = usersCsv(dir, 150);
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 2, tokenBackends(users));
  try {
    fs.copyFileSync(users, path.join(dir, 'clients.csv'));
    const good = await run(dir, setup.url, TOKEN_SCENARIO(120));
    assert.equal(good.code, 0, good.stderr);
    const summary = good.summary!;
    const stats = await tokenStats(setup.backends);
    assert.equal(summary.connections.failed, 0, JSON.stringify(summary.connections));
    assert.equal(stats.refused, 0);
    assert.equal(stats.duplicates, 0, 'no user connected twice at once');
    assert.equal(stats.users.length, 120, 'every client was its own user');
    assert.ok(summary.messages.sent > 1500, JSON.stringify(summary.messages));
    assert.equal(summary.messages.lost, 0);
    assert.equal(summary.messages.received, summary.messages.sent);
    assert.equal(summary.latency.message.count, summary.messages.received, 'every ack timed');

    // Rows 10-19 hold tokens the service refuses: counted, a finding names the header and the column, the run fails.
    usersCsv(dir, 150, (i) => i >= 10 && i < 20);
    fs.renameSync(path.join(dir, 'users.csv'), path.join(dir, 'clients.csv'));
    const mixed = await run(dir, setup.url, TOKEN_SCENARIO(120));
    assert.equal(mixed.code, 1, mixed.stderr);
    assert.ok(
      (mixed.summary!.connections.failed_by_reason.http_401 ?? 0) >= 10,
      JSON.stringify(mixed.summary!.connections),
    );
    const finding = mixed.summary!.findings.find((f) => f.rule === 'refused-401');
    assert.ok(finding && finding.severity === 'error', JSON.stringify(mixed.summary!.findings));
    assert.match(finding.fix, /Authorization.*the column token of .*clients\.csv/);
    const everything = fs
      .readdirSync(path.join(dir, 'out'))
      .map((f) => fs.readFileSync(path.join(dir, 'out', f), 'utf8'));
    assert.ok(!everything.some((text) => /s3cr3t|expired-1/.test(text)), 'no token value in any output');

    // No headers: the start-up check makes the clients' own handshake and stops at the 401, naming the fix.
    const bare = await run(dir, setup.url, TOKEN_SCENARIO(20, false));
    assert.equal(bare.code, 3, bare.stderr);
    assert.match(bare.stderr, /refused the start-up check: the upgrade was refused with 401.*give clients\.headers/);
    assert.doesNotMatch(bare.stderr, /could not be started/);

    // More clients than rows with pick: unique: exit 2 naming the file.
    const tooMany = await run(dir, setup.url, TOKEN_SCENARIO(200));
    assert.equal(tooMany.code, 2, tooMany.stderr);
    assert.match(tooMany.stderr, /clients\.data\.pick: .*clients\.csv has 150 rows for 200 clients/);
  } finally {
    await setup.stop();
  }
});

test('a chat room keyed by ?username= with a strict subprotocol: the start-up check and every client send both', async () => {
  const dir = tempDir();
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 2, tokenBackends('-', 'chat'));
  try {
    fs.writeFileSync(
      path.join(dir, 'clients.jsonl'),
      Array.from({ length: 40 }, (_, i) => JSON.stringify({ user: `chatter-${i}`, room: 'lobby' })).join('\n'),
    );
    const result = await run(
      dir,
      setup.url,
      `name: chat-room
target: { url: ws://placeholder/ }
clients:
  count: 40
  ramp: 1s
  data: { file: clients.jsonl }
  query: { username: "{{data.user}}", room: "{{data.room}}" }
subprotocol: chat.v1
duration: 4s
traffic: { interval: 500ms, message: '{"id":"{{id}}"}', reply: { field: id } }
`,
    );
    assert.equal(result.code, 0, result.stderr);
    const stats = await tokenStats(setup.backends);
    assert.equal(stats.refused, 0);
    assert.equal(stats.users.length, 40);
    assert.ok(
      stats.users.every((user) => /^chatter-\d+$/.test(user)),
      stats.users.join(),
    );
    assert.equal(result.summary!.connections.failed, 0);
  } finally {
    await setup.stop();
  }
});

test('compression: true offers permessage-deflate on every handshake; compressed replies are read and timed', async () => {
  const { WebSocketServer } = await import('ws');
  const withDeflate = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
  const without = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  const listening = [withDeflate, without].map((server) => {
    server.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
    return new Promise((resolve) => server.once('listening', resolve));
  });
  await Promise.all(listening);
  const url = (server: typeof without) => `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
  try {
    const yaml = `name: deflate
target: { url: ws://placeholder/ }
clients: { count: 30, ramp: 500ms }
compression: true
duration: 3s
traffic: { interval: 200ms, size: 2000 }
`;
    const accepted = await run(tempDir(), url(withDeflate), yaml);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.deepEqual(accepted.summary!.connections.compression, { offered: 30, accepted: 30 });
    const m = accepted.summary!.messages;
    assert.ok(m.sent > 300 && m.received === m.sent && m.lost === 0, JSON.stringify(m));
    const refused = await run(tempDir(), url(without), yaml);
    assert.equal(refused.code, 0, refused.stderr);
    assert.deepEqual(refused.summary!.connections.compression, { offered: 30, accepted: 0 });
  } finally {
    for (const server of [withDeflate, without]) server.close();
  }
});

test('probe --header: the token service refuses a bare probe with the fix, and is probed with the token', async () => {
  const dir = tempDir();
  const users = usersCsv(dir, 5);
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 1, tokenBackends(users));
  try {
    const bare = await runCli(['probe', setup.url, '--max-idle', '0', '--json']);
    assert.equal(bare.code, 3, bare.stderr);
    assert.match(bare.stderr, /refused with 401.*--header 'Authorization: Bearer TOKEN'/);
    const authorised = await runCli([
      'probe',
      setup.url,
      '--max-idle',
      '0',
      '--json',
      '--header',
      'Authorization: Bearer tok-3-s3cr3t',
      '--header',
      'Origin: https://app.example.test',
    ]);
    assert.equal(authorised.code, 0, authorised.stderr);
    assert.ok((await tokenStats(setup.backends)).users.includes('user3'));
    assert.doesNotMatch(authorised.stdout + authorised.stderr, /s3cr3t/);
  } finally {
    await setup.stop();
  }
});

test('Socket.IO servers that check a token on every Engine.IO request: each poll and the upgrade carry the header', async () => {
  const dir = tempDir();
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 2, (at, count) =>
    startSocketioBackends(at, count, true),
  );
  try {
    usersCsv(dir, 60);
    fs.renameSync(path.join(dir, 'users.csv'), path.join(dir, 'clients.csv'));
    const yaml = (headers: boolean, transports: string) => `name: socketio-token
target: { url: ws://placeholder/ }
protocol: socketio
socketio: { transports: ${transports} }
identify: { header: x-served-by, message_field: server }
clients:
  count: 60
  ramp: 1s
  addresses: { pool: 127.82.0.0/24 }
  data: { file: clients.csv }
${headers ? '  headers: { Authorization: "Bearer {{data.token}}" }\n' : ''}duration: 4s
traffic: { interval: 500ms, event: chat, message: '{"user":"{{data.user}}"}' }
`;
    for (const transports of ['[polling]', '[polling, websocket]']) {
      const result = await run(dir, setup.url, yaml(true, transports));
      assert.equal(result.code, 0, `${transports}: ${result.stderr}`);
      const summary = result.summary!;
      assert.equal(summary.connections.failed, 0, `${transports}: ${JSON.stringify(summary.connections)}`);
      assert.ok(summary.sessions!.opened >= 60, JSON.stringify(summary.sessions));
      assert.ok(summary.messages.received > 200 && summary.messages.lost === 0, JSON.stringify(summary.messages));
    }
    const bare = await run(dir, setup.url, yaml(false, '[polling]'));
    assert.equal(bare.code, 3, bare.stderr);
    assert.match(
      bare.stderr,
      /refused the start-up check: GET \/socket\.io\/\?EIO=4&transport=polling was refused with 40[13]/,
    );
  } finally {
    await setup.stop();
  }
});

test('stages down and sessions that end: the service sees each leaver close with 1000, and none come back', async () => {
  const dir = tempDir();
  const users = usersCsv(dir, 60);
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 1, tokenBackends(users));
  try {
    fs.copyFileSync(users, path.join(dir, 'clients.csv'));
    const result = await run(
      dir,
      setup.url,
      `name: leavers
target: { url: ws://placeholder/ }
clients:
  stages: [{ to: 40, over: 1s }, { hold: 1s }, { to: 10, over: 1s }]
  data: { file: clients.csv }
  headers: { Authorization: "Bearer {{data.token}}", Origin: https://app.example.test }
duration: 4s
traffic: { interval: 250ms, message: '{"id":"{{id}}"}', reply: { field: id } }
`,
    );
    assert.equal(result.code, 0, result.stderr);
    const stats = await tokenStats(setup.backends);
    assert.equal(result.summary!.load.left, 30);
    assert.equal(result.summary!.connections.attempted, 40, 'no leaver came back');
    assert.equal(stats.closes['1000 leave'], 30, JSON.stringify(stats.closes));
    assert.equal(result.summary!.disconnects.unexpected, 0);
  } finally {
    await setup.stop();
  }
});
