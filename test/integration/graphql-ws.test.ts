import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startGraphqlBackends } from '../helpers/graphql-backends.js';
import { seedNginxIpHash, startSeedSetup } from '../helpers/seed-stack.js';

/**
 * A GraphQL subscription over graphql-ws (connection_init / connection_ack / subscribe / next), three
 * real graphql-ws servers behind the seed's nginx, one killed mid-run.
 */
test('graphql-ws: every connection passes connection_init, ticks are counted and timed, the ack names the backend; a kill fails over and the steps run again', async (t) => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 3, (dir, count) =>
    startGraphqlBackends(dir, count, 250),
  );
  try {
    const victim = setup.backends[1];
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'graphql.yaml'),
      `name: graphql-ticks
target: { url: ${setup.url}, backends: [g1, g2, g3] }
subprotocol: graphql-transport-ws
identify: { step: init, message_field: payload.server }
clients: { count: 300, ramp: 2s, addresses: { pool: 127.94.0.0/16 } }
duration: 10s
on_open:
  - name: init
    send: '{"type":"connection_init"}'
    expect: { type: connection_ack }
  - name: subscribe
    send: '{"id":"{{id}}","type":"subscribe","payload":{"query":"subscription { tick { at n server } }"}}'
traffic: { interval: 0 }
push: { match: { type: next }, sent_at: payload.data.tick.at }
churn: { backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 5s, action: exec, command: "kill -9 ${victim.child.pid}" }
thresholds:
  steps.init.failed: "== 0"
`,
    );
    const result = await runCli(['run', 'graphql.yaml', '--out', 'out', '--quiet', '--allow-exec'], dir);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
    const init = summary.steps!.init;
    t.diagnostic(
      `steps ${JSON.stringify(summary.steps)}; latency.steps.init ${JSON.stringify(summary.latency.steps!.init)}; push ${JSON.stringify(summary.push)}; latency.push ${JSON.stringify(summary.latency.push)}; stickiness ${JSON.stringify(summary.stickiness)}; backends ${JSON.stringify(summary.distribution.backends.map((b) => [b.id, b.connections]))}`,
    );
    assert.equal(init.attempted, summary.connections.opened, JSON.stringify(summary.steps));
    assert.equal(init.passed, summary.connections.opened, JSON.stringify(summary.steps));
    assert.equal(summary.latency.steps!.init.count, init.passed);
    assert.equal(summary.stickiness.unidentified, 0);
    assert.deepEqual(
      summary.distribution.backends.map((b) => b.id),
      ['g1', 'g2', 'g3'],
    );
    assert.ok(
      summary.distribution.backends.every((b) => b.connections > 30),
      JSON.stringify(summary.distribution),
    );
    // 300 clients, about 4 ticks a second each for most of 10 s.
    assert.ok(summary.push!.matched > 300 * 4 * 5, JSON.stringify(summary.push));
    assert.equal(summary.latency.push!.count, summary.push!.matched);
    assert.ok(summary.push!.gap_p99! >= 240, JSON.stringify(summary.push));
    // The kill: the victim's clients fail over, each reconnect runs connection_init again.
    const s = summary.stickiness;
    assert.ok(s.failovers >= 50, JSON.stringify(s));
    assert.ok(s.violations <= 0.02 * s.reconnects, JSON.stringify(s));
    assert.ok(init.passed >= 300 + s.failovers, `init passed ${init.passed}, failovers ${s.failovers}`);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await setup.stop();
  }
});
