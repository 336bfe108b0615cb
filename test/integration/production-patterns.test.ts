import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';

/** The seed article's production patterns (issue 15): health checks that see WebSocket readiness, redispatch. */

async function compare(yaml: string, stacks: string[]): Promise<{ code: number | null; stdout: string; stderr: string; summaries: Summary[] }> {
  const dir = tempDir();
  const file = writeScenario(yaml, dir);
  const out = path.join(dir, 'out');
  const result = await runCli(['compare', file, ...stacks.flatMap((stack) => ['--stack', stack]), '--out', out, '--quiet']);
  const compared = JSON.parse(fs.readFileSync(path.join(out, 'compare.json'), 'utf8')) as { stacks: { summary: Summary }[] };
  return { ...result, summaries: compared.stacks.map((entry) => entry.summary) };
}

test("a wedged backend (/health 200, upgrades refused): HAProxy's http check keeps sending clients to it, the seed's ws check takes it out", async () => {
  const { summaries, stdout, stderr } = await compare(`name: wedged
target: { stack: haproxy-cookie }
clients: { count: 300, ramp: 2s, addresses: { pool: 127.71.0.0/16 } }
duration: 18s
seed: 15
traffic: { interval: 500ms }
churn: { drop_every: 3s, backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 5s, action: wedge, backend: b2 }
`, ['haproxy-cookie?health=http', 'haproxy-cookie?health=ws']);
  const [http, ws] = summaries;
  assert.ok(http && ws, stderr);
  assert.equal(http.events[0].ok, true, JSON.stringify(http.events));
  // Under http, b2 stays UP: its cookie clients keep going back and get 503s.
  assert.ok(http.connections.failed >= 50, `http: ${http.connections.failed} failed handshakes`);
  assert.ok((http.handshake.errors_by_status['503'] ?? 0) >= 50, JSON.stringify(http.handshake));
  // Under ws, the tcp-check sees no 101: HAProxy takes b2 out and its clients fail over.
  assert.ok(ws.stickiness.failovers >= 60, `ws: ${ws.stickiness.failovers} failovers`);
  assert.ok(ws.connections.failed <= http.connections.failed / 3, `ws ${ws.connections.failed} vs http ${http.connections.failed} failed`);
  assert.ok(ws.disconnects.by_close_code['1011'] >= 30, JSON.stringify(ws.disconnects));
  assert.match(stdout, /errors by status/);
});

test('redispatch off against on after a kill: without it the dead server\'s cookie clients get 503s', async () => {
  const { summaries, stdout } = await compare(`name: redispatch
target: { stack: haproxy-cookie }
clients: { count: 150, ramp: 1s, addresses: { pool: 127.72.0.0/16 } }
duration: 8s
seed: 16
traffic: { interval: 500ms }
churn: { drop_every: 2s, backoff: { initial: 100ms, max: 500ms } }
events:
  - { at: 3s, action: kill, backend: b2 }
`, ['haproxy-cookie?redispatch=false', 'haproxy-cookie']);
  const [off, on] = summaries;
  assert.ok((off.handshake.errors_by_status['503'] ?? 0) >= 10, JSON.stringify(off.handshake));
  assert.ok((on.handshake.errors_by_status['503'] ?? 0) < (off.handshake.errors_by_status['503'] ?? 0) / 2, JSON.stringify(on.handshake));
  assert.match(stdout, /errors by status +│ [^│]*503: \d+/);
});
