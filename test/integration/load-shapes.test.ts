import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenarioText } from '../helpers/cli.js';

/** Stages and an arrival rate through a managed nginx: the open count follows the plan, whatever the target does. */

test('stages: up to 600 over 6 s, hold 6 s, down to 200 over 4 s; the open count follows, leavers close as clients', async () => {
  const { summary, code, stderr } = await runScenarioText(`name: wave
target: { stack: nginx-round-robin }
clients:
  stages:
    - { to: 600, over: 6s }
    - { hold: 6s }
    - { to: 200, over: 4s }
duration: 18s
traffic: { interval: 1s }
`);
  assert.equal(code, 0, stderr);
  const within = (actual: number, wanted: number) => Math.abs(actual - wanted) <= wanted * 0.12;
  const load = summary.load;
  assert.equal(load.model, 'stages');
  assert.equal(load.clients, 600);
  assert.equal(load.left, 400, JSON.stringify(load));
  const [up, hold, down] = load.stages!;
  assert.ok(within(up.open_at_end!, 600) && within(hold.open_at_end!, 600), JSON.stringify(load.stages));
  assert.ok(within(down.open_at_end!, 200), JSON.stringify(load.stages));
  const rows = summary.timeseries;
  for (const row of rows.filter((r) => r.t >= 7 && r.t <= 12)) assert.ok(within(row.open, 600), JSON.stringify(row));
  assert.ok(within(rows.at(-1)!.open, 200), JSON.stringify(rows.at(-1)));
  assert.deepEqual(
    rows.map((row) => row.target),
    [101, 201, 301, 401, 501, 600, 600, 600, 600, 600, 600, 600, 500, 400, 300, 200, 200, 200],
  );
  // The 400 who left closed themselves: not churn, not unexpected, and not failures.
  assert.equal(summary.disconnects.unexpected, 0, JSON.stringify(summary.disconnects));
  assert.equal(summary.disconnects.client, 0);
  assert.equal(summary.connections.failed, 0);
  assert.equal(summary.connections.attempted, 600);
});

test('arrival 100/s for 10 s, sessions of 3 s: the arrivals keep their schedule through a paused backend', async () => {
  const { summary, code, stderr } = await runScenarioText(`name: crowd
target: { stack: nginx-round-robin }
clients:
  arrival: { rate: 100/s, for: 10s, session: 3s }
duration: 14s
traffic: { interval: 1s }
events:
  - { at: 3s, action: pause, backend: b2, for: 4s }
`);
  assert.equal(code, 0, stderr);
  assert.equal(summary.events[0].ok, true, JSON.stringify(summary.events));
  const arrival = summary.load.arrival!;
  assert.equal(arrival.rate, 100);
  assert.equal(summary.load.clients, 1000);
  // Every arrival was attempted on time, the paused backend's hung handshakes notwithstanding.
  assert.equal(arrival.attempted, 1000, JSON.stringify(summary.load));
  assert.ok(
    summary.connections.peak_open > 240 && summary.connections.peak_open < 360,
    String(summary.connections.peak_open),
  );
  const hung = summary.connections.failed_by_reason.left_before_open ?? 0;
  assert.ok(
    hung > 10,
    `the paused backend held handshakes until their sessions ended: ${JSON.stringify(summary.connections)}`,
  );
  assert.equal(summary.connections.opened + summary.connections.failed, 1000);
  assert.ok(summary.load.left > 800, JSON.stringify(summary.load));
  const rows = summary.timeseries;
  const last = rows.at(-1)!;
  assert.ok(last.target! < 150 && Math.abs(last.open - last.target!) <= 15, JSON.stringify(last));
});

test('groups: 80 % viewers and 20 % chatters, each group’s clients, messages and reconnects apart', async () => {
  const { summary, code, stderr } = await runScenarioText(`name: viewers-chatters
target: { stack: nginx-round-robin }
clients:
  count: 200
  ramp: 2s
  groups:
    - { name: viewers, share: 80%, traffic: { interval: 0 } }
    - { name: chatters, share: 20%, traffic: { interval: 250ms }, churn: { drop_every: 2s } }
duration: 6s
traffic: { interval: 1s }
`);
  assert.equal(code, 0, stderr);
  const { viewers, chatters } = summary.groups!;
  assert.equal(viewers.clients, 160);
  assert.equal(chatters.clients, 40);
  assert.equal(viewers.messages.sent, 0, JSON.stringify(viewers));
  assert.equal(viewers.stickiness.reconnects, 0);
  assert.equal(viewers.connections.opened, 160);
  assert.ok(chatters.messages.sent > 500, JSON.stringify(chatters));
  assert.ok(chatters.stickiness.reconnects > 20, JSON.stringify(chatters));
  assert.equal(chatters.latency.message.count, chatters.messages.received);
  for (const key of ['attempted', 'opened', 'failed'] as const)
    assert.equal(viewers.connections[key] + chatters.connections[key], summary.connections[key], key);
  for (const key of ['sent', 'received', 'lost'] as const)
    assert.equal(viewers.messages[key] + chatters.messages[key], summary.messages[key], key);
  assert.equal(chatters.stickiness.reconnects, summary.stickiness.reconnects);
});
