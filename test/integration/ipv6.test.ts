// test: heavy: it makes IPv6 pools bindable (a local route on lo, net.ipv6.ip_nonlocal_bind) for the whole machine;
// probe.test.ts does too, and two heavy files never run together (no light file uses IPv6 pools)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ProbeReport } from '../../src/probe/probe.js';
import { ROOT, runCli, runScenarioText, startCli, tempDir } from '../helpers/cli.js';
import { seedNginxIpHash, startSeedSetup, type ProxyConfig } from '../helpers/seed-stack.js';

/**
 * IPv6 client pools on stickler's own stacks: the pool is made bindable for the run (root: a local route
 * on lo and ip_nonlocal_bind), the proxies listen on [::1], and what nginx and HAProxy do with IPv6
 * addresses is measured. Where this machine cannot do it, each test says why and is skipped by name.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const POOL = 'fd00:5::/48';

function whyNot(): string | false {
  if (process.getuid?.() !== 0) return 'IPv6 pools are made bindable only as root (a local route on lo)';
  if (fs.readFileSync('/proc/sys/net/ipv6/conf/all/disable_ipv6', 'utf8').trim() !== '0')
    return 'IPv6 is disabled on this machine';
  if (spawnSync('ip', ['-6', 'route', 'show']).status !== 0) return 'the ip command (iproute2) is missing';
  return false;
}
const skip = whyNot();

/** What a run may have left on the machine: a local route for the pool, ip_nonlocal_bind switched on. */
function leftBehind(): string[] {
  const routes = spawnSync('ip', ['-6', 'route', 'show', 'table', 'local'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => line.includes('fd00:5::/48'));
  const nonlocal = fs.readFileSync('/proc/sys/net/ipv6/ip_nonlocal_bind', 'utf8').trim();
  return [...routes, ...(nonlocal !== '0' ? [`net.ipv6.ip_nonlocal_bind = ${nonlocal}`] : [])];
}

const onOne64 = (stack: string) => `name: ipv6-one-64
target: { stack: ${stack}, backends: 3 }
clients: { count: 300, ramp: 1500ms, addresses: { pool: "fd00:5:0:7::/64", prefix: 128 } }
duration: 4s
traffic: { interval: 500ms }
`;

test(
  'nginx ip_hash and HAProxy balance source with 300 addresses of one /64: both hash the whole address; nginx-hash-64 keeps the /64 on one backend',
  { skip },
  async (t) => {
    for (const stack of ['nginx-ip-hash', 'haproxy-source']) {
      const run = await runScenarioText(onOne64(stack));
      const counts = run.summary.distribution.backends.map((b) => b.connections);
      t.diagnostic(
        `${stack}: ${counts.join(' / ')} (imbalance ${run.summary.distribution.imbalance}) via ${run.summary.target_url}`,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.summary.target_url, /^ws:\/\/\[::1\]:/);
      assert.equal(run.summary.connections.failed, 0);
      // Hashing only the first 64 bits would put all 300 on one backend.
      assert.ok(
        counts.every((n) => n > 50),
        `${stack} spread: ${counts}`,
      );
      // The reference backends saw the IPv6 addresses, passed on by the proxy.
      const seen = run.summary.backend_counts as Record<
        string,
        { client_addresses: number; last_client_address: string }
      >;
      assert.ok(
        Object.values(seen).every((b) => b.last_client_address.startsWith('fd00:5:0:7:')),
        JSON.stringify(seen),
      );
      // 300 clients, and the readiness check of the stack's start (from 127.0.0.1).
      const addresses = Object.values(seen).reduce((sum, b) => sum + b.client_addresses, 0);
      assert.ok(addresses >= 300 && addresses <= 302, `${addresses} client addresses`);
      assert.deepEqual(leftBehind(), []);
    }
    const prefix = await runScenarioText(onOne64('nginx-hash-64'));
    const counts = prefix.summary.distribution.backends.map((b) => b.connections).sort((a, b) => b - a);
    t.diagnostic(`nginx-hash-64: ${counts.join(' / ')}`);
    assert.deepEqual(counts, [300, 0, 0]);
  },
);

const rotating = (stack: string) => `name: ipv6-rotate
target: { stack: ${stack}, backends: 3 }
clients: { count: 300, ramp: 1s, addresses: { pool: "${POOL}", prefix: 64 } }
duration: 4500ms
traffic: { interval: 500ms }
churn: { drop_every: 1500ms, rotate_address: 0.5, backoff: { initial: 100ms, max: 300ms } }
`;

test(
  'rotate_address 0.5: ip_hash moves the phones that rotated; the /64 preset and haproxy-cookie keep every one',
  { skip },
  async (t) => {
    const ipHash = await runScenarioText(rotating('nginx-ip-hash'));
    const s = ipHash.summary.stickiness;
    t.diagnostic(
      `nginx-ip-hash: ${s.reconnects} reconnects, ${s.address_changes} from a rotated address, ${s.violations} violations`,
    );
    assert.ok(s.address_changes > s.reconnects * 0.35 && s.address_changes < s.reconnects * 0.65, JSON.stringify(s));
    // A rotated address hashes anywhere: about two thirds of them land on another of three backends.
    assert.ok(s.violations > s.address_changes * 0.5 && s.violations < s.address_changes * 0.8, JSON.stringify(s));
    assert.equal(s.violations_by_cause.address_changed, s.violations);
    for (const stack of ['nginx-hash-64', 'haproxy-cookie']) {
      const run = await runScenarioText(rotating(stack));
      const r = run.summary.stickiness;
      t.diagnostic(`${stack}: ${r.reconnects} reconnects, ${r.address_changes} rotated, ${r.violations} violations`);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(r.address_changes > 100, JSON.stringify(r));
      assert.equal(r.violations, 0, JSON.stringify(r));
    }
    assert.deepEqual(leftBehind(), []);
  },
);

test('kill -9 of stickler mid-run with an IPv6 pool: the route and the sysctl are undone', { skip }, async () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'long.yaml'),
    `name: long-ipv6\ntarget: { stack: nginx-ip-hash }\nclients: { count: 30, addresses: { pool: "${POOL}" } }\nduration: 60s\n`,
  );
  const run = startCli(['run', 'long.yaml', '--out', 'out', '--quiet'], dir);
  let stderr = '';
  run.child.stderr!.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + 20_000;
  while (!/running long-ipv6/.test(stderr) && Date.now() < deadline) await sleep(100);
  assert.ok(leftBehind().length > 0, `the route is in place during the run: ${stderr}`);
  run.child.kill('SIGKILL');
  await run.done;
  await sleep(3000);
  assert.deepEqual(leftBehind(), []);
});

test(
  'without root, an IPv6 pool stops the run before it starts (exit 3) with the commands to run',
  { skip: skip || (!fs.existsSync('/usr/bin/setpriv') && 'setpriv is missing') },
  async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    fs.writeFileSync(
      path.join(dir, 's.yaml'),
      `name: nonroot\ntarget: { stack: nginx-ip-hash }\nclients: { count: 3, addresses: { pool: "${POOL}" } }\nduration: 2s\n`,
    );
    const result = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        path.join(ROOT, 'bin/stickler.js'),
        'run',
        's.yaml',
        '--out',
        'out',
        '--quiet',
      ],
      { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, HOME: dir } },
    );
    assert.equal(result.status, 3, result.stderr + result.stdout);
    assert.match(
      result.stderr,
      /the IPv6 pool fd00:5::\/48 cannot be bound.*sudo ip -6 route replace local fd00:5::\/48 dev lo && sudo sysctl -qw net\.ipv6\.ip_nonlocal_bind=1/,
    );
    assert.deepEqual(leftBehind(), []);
  },
);

test(
  'probe of an IPv6 target: nginx ip_hash keeps a client by its whole address (/128), a /64 hash by its /64',
  { skip },
  async (t) => {
    const onIpv6 =
      (config: ProxyConfig): ProxyConfig =>
      (options) =>
        config(options).replace(
          `listen 127.0.0.1:${options.listen};`,
          `listen 127.0.0.1:${options.listen};\nlisten [::1]:${options.listen};`,
        );
    const by64: ProxyConfig = (options) =>
      seedNginxIpHash()(options)
        .replace(
          'ip_hash; # Routes each client IP consistently to the same backend',
          'hash $client_prefix64 consistent;',
        )
        .replace(
          'upstream',
          'map $binary_remote_addr $client_prefix64 { "~(?s)^(?<prefix>.{8})" $prefix; default $binary_remote_addr; }\nupstream',
        );
    for (const [config, by] of [
      [seedNginxIpHash(), 'whole'],
      [by64, '/64'],
    ] as const) {
      const setup = await startSeedSetup('nginx', onIpv6(config));
      try {
        const result = await runCli(['probe', `ws://[::1]:${setup.proxyPort}/`, '--json', '--max-idle', '0']);
        assert.equal(result.code, 0, result.stderr);
        const report = JSON.parse(result.stdout) as ProbeReport;
        t.diagnostic(`${by}: ${report.affinity!.description}: ${report.affinity!.reason}`);
        assert.equal(report.affinity!.mechanism, 'source_address');
        assert.equal(report.affinity!.by, by);
        assert.ok(
          report.affinity!.trials.some((trial) => trial.description === 'other addresses of its /64, without cookies'),
        );
        if (by === '/64') assert.ok(report.advice.some((advice) => advice.rule === 'affinity-by-prefix'));
      } finally {
        await setup.stop();
      }
      assert.deepEqual(leftBehind(), []);
    }
  },
);

test('via: x-forwarded-for with an IPv6 pool (no binding, so no root): nginx real_ip hashes the IPv6 addresses it is sent', async (t) => {
  const run = await runScenarioText(
    rotating('nginx-ip-hash-xff').replace(`prefix: 64 }`, `prefix: 64, via: x-forwarded-for }`),
  );
  const s = run.summary.stickiness;
  t.diagnostic(
    `nginx-ip-hash-xff: ${run.summary.distribution.backends.map((b) => b.connections).join(' / ')}; ${s.address_changes} rotated, ${s.violations} violations`,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.summary.distribution.backends.every((b) => b.connections > 50));
  assert.ok(
    s.violations > s.address_changes * 0.5 && s.violations === s.violations_by_cause.address_changed,
    JSON.stringify(s),
  );
});
