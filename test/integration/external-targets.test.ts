import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seedHaproxyCookie, seedNginxIpHash, startSeedSetup, type ProxyConfig } from '../helpers/seed-stack.js';

/**
 * Targets stickler does not run: the seed articles' server.js behind nginx and HAProxy configs this
 * test writes and starts itself. stickler only gets the URL, as in a CI gate against staging.
 */

async function runAgainst(
  url: string,
  yaml: string,
  cwd = tempDir(),
  extraArgs: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string; summary: Summary }> {
  const file = path.join(cwd, 'scenario.yaml');
  fs.writeFileSync(file, yaml);
  const out = path.join(cwd, 'out');
  const result = await runCli(['run', file, '--url', url, '--out', out, '--quiet', ...extraArgs]);
  const summaryFile = path.join(out, 'summary.json');
  assert.ok(fs.existsSync(summaryFile), `no summary (exit ${result.code}):\n${result.stderr}`);
  return { ...result, summary: JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary };
}

const CARRIER_NAT = (backends: string) => `name: seed-nginx-nat
target:
  url: ws://placeholder/
${backends}
clients:
  count: 900
  ramp: 2s
  addresses: { pool: 127.77.5.0/24, per_address: 300 }
duration: 5s
traffic: { interval: 1s }
thresholds:
  distribution.imbalance: "< 1.5"
`;

test("carrier NAT through the seed's nginx ip_hash: declared backends with no connection count, the gate fails", async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash());
  try {
    const declared = await runAgainst(setup.url, CARRIER_NAT('  backends: [backend1, backend2, backend3]'));
    assert.equal(declared.code, 1, declared.stderr);
    const backends = declared.summary.distribution.backends;
    assert.deepEqual(
      backends.map((b) => b.id),
      ['backend1', 'backend2', 'backend3'],
    );
    assert.equal(backends.filter((b) => b.connections === 0).length, 2, JSON.stringify(backends));
    assert.equal(
      backends.reduce((sum, b) => sum + b.connections, 0),
      900,
    );
    assert.equal(declared.summary.distribution.imbalance, 3);
    assert.equal(declared.summary.verdict, 'fail');
    assert.ok(
      declared.summary.warnings.some((w) => /expected backend\(s\) with no connection: backend\d, backend\d/.test(w)),
      declared.summary.warnings.join('\n'),
    );

    const undeclared = await runAgainst(setup.url, CARRIER_NAT(''));
    const warning = undeclared.summary.warnings.find((w) =>
      w.includes('a backend that got no connection cannot be seen'),
    );
    assert.ok(warning, undeclared.summary.warnings.join('\n'));
    assert.match(warning, /target\.backends/);
    assert.match(
      undeclared.stdout,
      /warning: stickler does not run this target, so a backend that got no connection cannot be seen/,
    );
  } finally {
    await setup.stop();
  }
});

test("a backend SIGKILLed behind the seed's HAProxy: its clients fail over, hardly any violation", async () => {
  const setup = await startSeedSetup('haproxy', seedHaproxyCookie);
  try {
    const victim = setup.backends[1];
    const { summary, code, stderr } = await runAgainst(
      setup.url,
      `name: seed-haproxy-kill
target:
  url: ws://placeholder/
  backends: [backend1, backend2, backend3]
clients: { count: 300, ramp: 1s, addresses: { pool: 127.90.0.0/16 } }
duration: 9s
traffic: { interval: 500ms }
churn: { drop_every: 3s, backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 4s, action: exec, command: "kill -9 ${victim.child.pid}" }
`,
      tempDir(),
      ['--allow-exec'],
    );
    assert.equal(code, 0, stderr);
    const s = summary.stickiness;
    assert.ok(s.failovers >= 50, `failovers ${s.failovers}: ${JSON.stringify(s)}`);
    assert.ok(s.violations <= 0.01 * s.reconnects, `violations ${s.violations} of ${s.reconnects} reconnects`);
    assert.deepEqual(s.serving_state_from, ['clients']);
    const down = summary.serving_changes.find((change) => change.backend === 'backend2' && !change.serving);
    assert.ok(
      down && down.t >= 3.9 && down.t < 5.5 && down.source === 'clients',
      JSON.stringify(summary.serving_changes),
    );
    assert.equal(summary.stickiness.unidentified, 0);
    // The outage is a line of its own with the clients it cut; with redispatch every one came back.
    const outage = summary.recovery.by_outage.find((entry) => entry.backend === 'backend2');
    assert.ok(
      outage && outage.clients_cut >= 50 && outage.clients_lost === 0 && outage.clients_back === outage.clients_cut,
      JSON.stringify(summary.recovery),
    );
    assert.ok(summary.recovery.p99_ms !== null && summary.recovery.p99_ms < 5000, JSON.stringify(summary.recovery));
  } finally {
    await setup.stop();
  }
});

/** A user's HAProxy that hashes the client's forwarded address, with neither checks nor redispatch. */
const hashOnForwardedFor: ProxyConfig = ({ listen, backends }) => `
defaults
mode http
timeout connect 2s
timeout client 1h
timeout server 1h
timeout tunnel 1h
frontend ws
bind 127.0.0.1:${listen}
default_backend servers
backend servers
balance hdr(X-Forwarded-For)
hash-type consistent
${backends.map((b) => `server ${b.id} 127.0.0.1:${b.port}`).join('\n')}
`;

test('a backend killed behind a url target with no way around it: the outage, the clients it cut and those never back fail the gate', async (t) => {
  const setup = await startSeedSetup('haproxy', hashOnForwardedFor);
  try {
    const victim = setup.backends[0];
    const cwd = tempDir();
    const { summary, code, stderr } = await runAgainst(
      setup.url,
      `name: url-outage
target:
  url: ws://placeholder/
  backends: [backend1, backend2, backend3]
clients: { count: 300, ramp: 1s, addresses: { pool: 127.92.0.0/16, via: x-forwarded-for } }
duration: 9s
traffic: { interval: 500ms }
churn: { backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 3s, action: exec, command: "kill -9 ${victim.child.pid}" }
thresholds:
  recovery.clients_lost: "== 0"
`,
      cwd,
      ['--allow-exec'],
    );
    assert.equal(code, 1, stderr);
    const outage = summary.recovery.by_outage.find((entry) => entry.backend === 'backend1');
    assert.ok(outage, JSON.stringify(summary.recovery));
    t.diagnostic(
      `outage ${JSON.stringify(outage)}; failed ${JSON.stringify(summary.connections.failed_by_reason)} ${JSON.stringify(summary.handshake.errors_by_status)}; findings ${summary.findings.map((f) => f.rule).join(',')}`,
    );
    assert.equal(outage.source, 'clients');
    assert.ok(outage.clients_cut >= 50, JSON.stringify(outage));
    // Its clients hash to the dead server for ever (503): none gets back in.
    assert.equal(outage.clients_lost, outage.clients_cut, JSON.stringify(outage));
    assert.equal(summary.recovery.clients_lost, outage.clients_cut);
    assert.deepEqual(
      summary.thresholds.map((t) => [t.metric, t.actual, t.passed]),
      [['recovery.clients_lost', outage.clients_cut, false]],
    );
    const run = await runCli(['report', path.join(cwd, 'out', 'summary.json')]);
    assert.match(
      run.stdout,
      new RegExp(
        `outage: backend1 down from [\\d.]+s to the end \\(inferred from the clients' closes\\): cut ${outage.clients_cut} clients, 0 back, ${outage.clients_cut} never back`,
      ),
    );
  } finally {
    await setup.stop();
  }
});

test('a proxy idle timeout that cuts a few connections takes no backend out', async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash({ readTimeout: '2s' }));
  try {
    const { summary, code, stderr } = await runAgainst(
      setup.url,
      `name: seed-nginx-idle
target:
  url: ws://placeholder/
  backends: 3
clients: { count: 200, ramp: 1s, addresses: { pool: 127.91.0.0/16 } }
duration: 8s
traffic: { interval: 500ms }
churn: { drop_every: 3s, backoff: { initial: 100ms, max: 1s } }
idle:
  - { at: 2s, for: 4s, clients: 10% }
`,
    );
    assert.equal(code, 0, stderr);
    assert.ok(summary.disconnects.idle_timeouts >= 10, `idle timeouts ${summary.disconnects.idle_timeouts}`);
    assert.equal(summary.stickiness.failovers, 0, JSON.stringify(summary.serving_changes));
    assert.deepEqual(summary.serving_changes, []);
    assert.ok(summary.stickiness.reconnects > 100);
  } finally {
    await setup.stop();
  }
});

test('connections whose backend cannot be told are counted and explained, not judged', async () => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash());
  try {
    const { summary } = await runAgainst(
      setup.url,
      `name: seed-unidentified
target: { url: ws://placeholder/ }
identify: { message_field: backend_name }
clients: { count: 30 }
duration: 2s
traffic: { interval: 200ms }
thresholds:
  stickiness.violation_rate: "== 0"
`,
    );
    assert.equal(summary.stickiness.unidentified, 30);
    assert.deepEqual(summary.thresholds, [
      {
        metric: 'stickiness.violation_rate',
        condition: '== 0',
        actual: null,
        passed: false,
        why: 'no connection could be identified',
      },
    ]);
    assert.equal(summary.verdict, 'fail');
    assert.deepEqual(summary.distribution.backends, []);
    assert.ok(
      summary.warnings.some((w) =>
        /30 of 30 connections could not be identified .*"backend_name".*Fix: set identify/.test(w),
      ),
      summary.warnings.join('\n'),
    );
  } finally {
    await setup.stop();
  }
});

test("HAProxy's own view (target.haproxy_stats): a server put in maintenance counts as down, so leaving it is a failover", async () => {
  const setup = await startSeedSetup(
    'haproxy',
    (options) =>
      `${seedHaproxyCookie(options).replace('global\n', `global\nstats socket ${options.dir}/admin.sock mode 600 level admin\n`)}`,
  );
  try {
    const socket = path.join(setup.dir, 'admin.sock');
    const maint = `node -e "require('net').connect('${socket}').end('set server ws_cluster/backend2 state maint\\\\n')"`;
    const { summary, code, stderr } = await runAgainst(
      setup.url,
      `name: seed-haproxy-maint
target:
  url: ws://placeholder/
  backends: [backend1, backend2, backend3]
  haproxy_stats: ${socket}
clients: { count: 150, ramp: 1s, addresses: { pool: 127.92.0.0/16 } }
duration: 7s
traffic: { interval: 500ms }
churn: { drop_every: 1500ms, backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 3s, action: exec, command: "${maint.replaceAll('"', '\\"')}" }
`,
      tempDir(),
      ['--allow-exec'],
    );
    assert.equal(code, 0, stderr);
    const change = summary.serving_changes.find((c) => c.backend === 'backend2' && !c.serving);
    assert.ok(change && change.source === 'haproxy_stats' && change.t >= 2.9, JSON.stringify(summary.serving_changes));
    assert.ok(summary.stickiness.failovers >= 10, JSON.stringify(summary.stickiness));
    assert.ok(
      summary.stickiness.violations <= 0.01 * summary.stickiness.reconnects,
      JSON.stringify(summary.stickiness),
    );
    assert.deepEqual(summary.stickiness.serving_state_from, ['clients', 'haproxy_stats']);
    const proxy = summary.proxy as { servers: { server: string; status: string }[] };
    assert.equal(proxy.servers.find((row) => row.server === 'backend2')?.status, 'MAINT');
  } finally {
    await setup.stop();
  }
});
