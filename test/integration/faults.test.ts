import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenario, strayProcesses } from '../helpers/cli.js';

test('killing a backend under haproxy-cookie: its clients fail over, the others stay put', async () => {
  const { summary } = await runScenario(`name: kill-b2
target: { stack: haproxy-cookie }
clients: { count: 150, ramp: 1s, addresses: { pool: 127.70.0.0/16 } }
duration: 9s
seed: 4
traffic: { interval: 250ms }
churn: { drop_every: 3s, backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 3s, action: kill, backend: b2 }
`);
  const kill = summary.events[0];
  assert.equal(kill.action, 'kill');
  assert.equal(kill.ok, true);
  assert.ok(kill.disconnected >= 30, `disconnected ${kill.disconnected}`);
  assert.deepEqual(
    Object.keys(kill.failovers_to ?? {}).sort(),
    ['b1', 'b3'],
    'displaced clients went to the surviving backends',
  );
  assert.ok(summary.disconnects.by_close_code['1006'] >= 30, JSON.stringify(summary.disconnects));
  assert.ok(summary.stickiness.failovers >= 30, JSON.stringify(summary.stickiness));
  assert.equal(summary.stickiness.violations, 0, JSON.stringify(summary.stickiness));
  const b2Down = summary.serving_changes.find((change) => change.backend === 'b2' && !change.serving);
  assert.ok(b2Down && b2Down.t >= 2.9 && b2Down.t < 3.5, JSON.stringify(summary.serving_changes));
  assert.ok(summary.timeseries.some((row) => row.events?.includes('kill b2')));
  const lastRow = summary.timeseries.at(-2)!;
  assert.equal(lastRow.per_backend.b2 ?? 0, 0, 'nobody is on the killed backend at the end');
});

const deploy = (drain: boolean) => `name: deploy-${drain ? 'drain' : 'nodrain'}
target: { stack: haproxy-leastconn }
clients: { count: 150, ramp: 1s }
duration: 14s
seed: 8
traffic: { interval: 250ms }
churn: { drop_every: 1s, backoff: { initial: 50ms, max: 500ms } }
events:
  - { at: 2s, action: deploy, drain: ${drain}, for: 2500ms }
`;

test('a rolling deploy with drain on HAProxy disconnects fewer clients than without', async () => {
  const withDrain = await runScenario(deploy(true));
  const withoutDrain = await runScenario(deploy(false));
  assert.equal(withDrain.summary.events[0].ok, true);
  const drained = withDrain.summary.disconnects.unexpected;
  const abrupt = withoutDrain.summary.disconnects.unexpected;
  assert.ok(abrupt >= 100, `without drain ${abrupt}`);
  assert.ok(drained < abrupt / 2, `with drain ${drained}, without ${abrupt}`);
  assert.ok((withoutDrain.summary.disconnects.by_close_code['1001'] ?? 0) >= 100, 'graceful stops close with 1001');
});

test('an nginx reload under load is measured; a run ending on a paused backend leaves nothing behind', async () => {
  const { summary, outDir } = await runScenario(`name: reload-and-pause
target: { stack: nginx-least-conn }
clients: { count: 120, ramp: 1s }
duration: 7s
traffic: { interval: 250ms }
churn: { drop_every: 2s, backoff: { initial: 50ms, max: 500ms } }
events:
  - { at: 2s, action: reload }
  - { at: 5s, action: pause, backend: b1, for: 30s }
`);
  assert.deepEqual(
    summary.events.map((e) => [e.action, e.ok]),
    [
      ['reload', true],
      ['pause', true],
    ],
  );
  // nginx reloads gracefully: old workers keep their WebSockets, new ones take the reconnects.
  const afterReload = summary.timeseries.filter((row) => row.t > 3 && row.t <= 5);
  assert.ok(
    afterReload.every((row) => row.open >= 100),
    JSON.stringify(afterReload.map((r) => r.open)),
  );
  // The only failures: handshakes hanging on the paused backend when the run ended.
  assert.equal(
    summary.connections.failed,
    summary.connections.failed_by_reason.pending_at_end ?? 0,
    JSON.stringify(summary.connections.failed_by_reason),
  );
  assert.ok(summary.stickiness.reconnects > 50);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(strayProcesses(outDir), []);
  assert.deepEqual(strayProcesses('dist/src/stack/backends/backend-process.js'), []);
});

test('a backend dying behind stickler’s back: HAProxy’s health checks tell the verdict it is down', async () => {
  // The exec event kills b2 without the stack manager knowing; only HAProxy's checks can tell. -P $PPID: only this
  // run's b2 (the shell's parent is stickler), not another test file's running beside it.
  const { summary } = await runScenario(
    `name: silent-death
target: { stack: haproxy-cookie }
clients: { count: 120, ramp: 1s, addresses: { pool: 127.71.0.0/16 } }
duration: 9s
seed: 6
traffic: { interval: 250ms }
churn: { drop_every: 2s, backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 3s, action: exec, command: "pkill -9 -P $PPID -f 'backend-process.js [b]2 '" }
`,
    ['--allow-exec'],
  );
  assert.equal(summary.events[0].ok, true, JSON.stringify(summary.events[0]));
  const down = summary.serving_changes.find((change) => change.backend === 'b2' && !change.serving);
  assert.ok(
    down && down.t > 3 && down.t < 6.5,
    `HAProxy should mark b2 down within its check interval: ${JSON.stringify(summary.serving_changes)}`,
  );
  assert.ok(summary.stickiness.failovers > 10, JSON.stringify(summary.stickiness));
  assert.equal(
    summary.proxy &&
      (summary.proxy as { servers: { server: string; status: string }[] }).servers.find((s) => s.server === 'b2')
        ?.status,
    'DOWN',
  );
});
