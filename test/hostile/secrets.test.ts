import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { runCli, tempDir } from '../helpers/cli.js';

/**
 * Secrets stay secret: tokens from a data file on the handshake, and a literal API key header. The server (written
 * here) echoes the token in its first message and names no backend, so stickler must show that message: with the
 * token redacted. Every output of stickler is searched for every token.
 */

const TOKENS = Array.from({ length: 60 }, (_, i) => `tok-${i}-${(i * 7919).toString(36)}-s3cr3t`);
const API_KEY = 'key-live-9f8e7d6c5b4a';

async function startTokenEcho(refused: ReadonlySet<string>) {
  const server = http.createServer();
  const wss = new WebSocketServer({
    server,
    verifyClient: (info, done) => {
      const token = String(info.req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!TOKENS.includes(token) || refused.has(token) || info.req.headers['x-api-key'] !== API_KEY)
        return done(false, 401);
      done(true);
    },
  });
  wss.on('connection', (ws, req) => {
    ws.send(JSON.stringify({ hello: String(req.headers.authorization) }));
    ws.on('message', (data) => ws.send(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/`, stop: () => new Promise((resolve) => server.close(resolve)) };
}

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? allFiles(full) : [full];
  });
}

test('secrets stay secret: no token or header value in any output, evidence shows [redacted: data.token]', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'users.csv'), `user,token\n${TOKENS.map((t, i) => `user${i},${t}`).join('\n')}\n`);
  fs.writeFileSync(
    path.join(dir, 'scenario.yaml'),
    `name: secrets
target: { url: ws://placeholder/ }
clients:
  count: 60
  ramp: 1s
  data: { file: users.csv, pick: unique }
  headers:
    Authorization: "Bearer {{data.token}}"
    X-Api-Key: ${API_KEY}
duration: 3s
traffic: { interval: 300ms }
`,
  );
  const stepSummary = path.join(dir, 'step-summary.md');
  for (const [name, refused] of [
    ['ok', new Set<string>()],
    ['refused', new Set(TOKENS.slice(10, 20))],
  ] as const) {
    const server = await startTokenEcho(refused);
    try {
      const out = path.join(dir, `out-${name}`);
      const args = ['run', 'scenario.yaml', '--url', server.url, '--out', out, '--junit', path.join(out, 'junit.xml')];
      process.env.GITHUB_STEP_SUMMARY = stepSummary;
      const result = await runCli(args, dir);
      delete process.env.GITHUB_STEP_SUMMARY;
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
      if (name === 'refused') assert.ok((summary.connections.failed_by_reason.http_401 ?? 0) >= 10, result.stderr);
      // The first messages are shown (no backend named): the token in them is redacted.
      assert.match(JSON.stringify(summary.identification ?? {}), /\[redacted: data\.token\]/);
      const outputs = [
        ['stdout', result.stdout],
        ['stderr', result.stderr],
        ...[...allFiles(out), stepSummary].map((file) => [file, fs.readFileSync(file, 'utf8')]),
      ];
      for (const [where, text] of outputs) {
        for (const secret of [...TOKENS, API_KEY])
          assert.ok(!text.includes(secret), `${name}: ${secret} found in ${where}`);
      }
    } finally {
      await server.stop();
    }
  }
});
