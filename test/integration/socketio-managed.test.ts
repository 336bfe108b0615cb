// test: heavy: its load and timings need the machine's other core free of another heavy file
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startJsonService } from '../helpers/json-service.js';

/** Managed Socket.IO backends (target.backend: socketio): real socket.io servers behind stickler's proxies. */

async function run(
  yaml: string,
): Promise<{ code: number | null; stdout: string; stderr: string; summary: Summary; ms: number }> {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), yaml);
  const started = Date.now();
  const result = await runCli(['run', 'scenario.yaml', '--out', 'out', '--quiet'], dir);
  const file = path.join(dir, 'out', 'summary.json');
  return {
    ...result,
    ms: Date.now() - started,
    summary: fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Summary) : (undefined as never),
  };
}

const scenario = (stack: string, extra = '') => `name: sio-managed
target: { stack: ${stack}, backends: 3, backend: socketio }
protocol: socketio
clients: { count: 150, ramp: 1s, addresses: { pool: 127.97.0.0/12 } }
duration: 8s
traffic: { interval: 500ms, event: chat }
churn: { drop_every: 3s, backoff: { initial: 200ms, max: 1s } }
${extra}
thresholds:
  stickiness.session_breaks: "<= 3"
`;

test('managed Socket.IO nodes: round robin breaks sessions, haproxy-cookie keeps them, and a killed node fails its clients over', async () => {
  const roundRobin = await run(scenario('nginx-round-robin'));
  assert.equal(roundRobin.code, 1, roundRobin.stderr);
  assert.ok(roundRobin.summary.sessions!.broken > 30, JSON.stringify(roundRobin.summary.sessions));
  assert.equal(roundRobin.summary.thresholds[0].passed, false);
  assert.equal(roundRobin.summary.findings[0].rule, 'socketio-session-breaks');

  const cookie = await run(scenario('haproxy-cookie', 'events:\n  - { at: 4s, action: kill, backend: b2 }'));
  assert.equal(cookie.code, 0, JSON.stringify([cookie.summary?.sessions, cookie.summary?.thresholds]) + cookie.stderr);
  const s = cookie.summary.stickiness;
  // A client polling on b2 just as it dies is sent elsewhere (redispatch), where its session is unknown: that is a real break, and rare.
  assert.ok(cookie.summary.sessions!.broken <= 3, JSON.stringify(cookie.summary.sessions));
  assert.ok(s.failovers >= 20, JSON.stringify(s));
  assert.equal(s.violations, 0, JSON.stringify(s));
  assert.equal(s.unidentified, 0);
  assert.ok(
    cookie.summary.messages.received > 1000 && cookie.summary.messages.lost <= 60,
    JSON.stringify(cookie.summary.messages),
  );
  assert.equal(cookie.summary.recovery.by_outage[0]?.clients_lost, 0, JSON.stringify(cookie.summary.recovery));
});

test('protocol: socketio against a plain WebSocket server: exit 3 within 5 s, saying what answered', async () => {
  const plain = await startJsonService();
  try {
    const result = await run(`name: not-sio
target: { url: ${plain.url} }
protocol: socketio
clients: { count: 5 }
duration: 5s
`);
    assert.equal(result.code, 3, result.stderr);
    assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    assert.match(
      result.stderr,
      /GET \/socket\.io\/\?EIO=4&transport=polling was accepted but not answered within 2000 ms, not an Engine\.IO handshake.*check socketio\.path \(now \/socket\.io\/\)/,
    );
  } finally {
    await plain.close();
  }
});
