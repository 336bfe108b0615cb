import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, runScenario } from '../helpers/cli.js';

const SHORT_IDLE_CONFIG = path.join(ROOT, 'scenarios/configs/nginx-short-idle.conf');

const idleScenario = (ping: string) => `name: idle-${ping === '0' ? 'silent' : 'pinging'}
target: { stack: { proxy: nginx, config: ${SHORT_IDLE_CONFIG} }, backends: 2 }
clients: { count: 200, ramp: 1s }
duration: 11s
seed: 9
traffic: { interval: 500ms, ping: ${ping} }
idle:
  - { at: 3s, for: 5s, clients: 50% }
`;

test('idle clients behind a 3 s proxy idle timeout are cut with 1006 and counted; pings keep them', async () => {
  const silent = await runScenario(idleScenario('0'));
  const d = silent.summary.disconnects;
  // 100 quiet clients, cut once or twice each in a 5 s window by a 3 s timeout.
  assert.ok(d.unexpected >= 100 && d.unexpected <= 200, `unexpected ${d.unexpected}`);
  assert.equal(d.by_close_code['1006'], d.unexpected);
  assert.equal(d.idle_timeouts, d.unexpected);
  assert.ok(silent.summary.latency.reconnect.count >= 100, 'the cut clients reconnect');

  const pinging = await runScenario(idleScenario('1s'));
  assert.equal(pinging.summary.disconnects.unexpected, 0);
  assert.equal(pinging.summary.disconnects.idle_timeouts, 0);
  assert.equal(pinging.summary.messages.received, pinging.summary.messages.sent);
});

const phones = (stack: string, extra = '') => `name: phones-${stack}
target: { stack: ${stack} }
clients: { count: 150, ramp: 1s, addresses: { pool: 127.64.0.0/16 }${extra} }
duration: 8s
seed: 21
traffic: { interval: 500ms }
churn: { drop_every: 1500ms, backoff: { initial: 50ms, max: 500ms }, change_address: 50% }
`;

test('address changes break source hashing; a session key hashed by nginx survives them', async () => {
  const source = await runScenario(phones('haproxy-source'));
  const s = source.summary.stickiness;
  assert.ok(s.reconnects > 300, `reconnects ${s.reconnects}`);
  assert.ok((s.violations_by_cause.address_changed ?? 0) > 50, JSON.stringify(s));
  assert.equal(s.violations_by_cause.balancer ?? 0, 0, 'same address, same backend under balance source');

  const keyed = await runScenario(phones('nginx-hash-query', ', session_key: "query:sid"'));
  assert.ok(keyed.summary.stickiness.reconnects > 300);
  assert.equal(keyed.summary.stickiness.violations, 0, JSON.stringify(keyed.summary.stickiness));
  assert.ok(
    keyed.summary.distribution.backends.every((b) => b.connections > 0),
    'keys spread over all backends',
  );
});

test('a summary carries per-backend open connections each second', async () => {
  const { summary, outDir } = await runScenario(`name: series
target: { stack: haproxy-leastconn }
clients: { count: 90, ramp: 500ms }
duration: 3s
traffic: { interval: 250ms }
`);
  const last = summary.timeseries.at(-2)!;
  assert.deepEqual(Object.keys(last.per_backend).sort(), ['b1', 'b2', 'b3']);
  assert.equal(
    Object.values(last.per_backend).reduce((a, b) => a + b, 0),
    last.open,
  );
  assert.ok(fs.existsSync(path.join(outDir, 'haproxy.log')), 'the proxy log lands in the run folder');
  assert.ok(fs.existsSync(path.join(outDir, 'b1.log')));
});
