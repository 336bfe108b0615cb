import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { seedNginxIpHash, startSeedSetup, type ProxyConfig } from '../helpers/seed-stack.js';
import { binaryHelloBackends } from '../helpers/protocol-servers.js';

/**
 * The user's own protocol: a binary protocol whose servers (written here) speak first, behind an nginx config the
 * test writes, spoken by the shipped example module scenarios/modules/binary-hello.mjs, reached with --url.
 */

const SCENARIO = (module: string, extra = '') => `name: binary-module
target: { url: ws://placeholder/ }
protocol: { module: ${module} }
clients: { count: 60, ramp: 2s, addresses: { pool: 127.83.0.0/24 } }
duration: 6s
traffic: { interval: 200ms }
${extra}`;

/** The article's nginx config with its default balancing (round robin): every backend gets connections. */
const nginxRoundRobin: ProxyConfig = (options) =>
  seedNginxIpHash()(options).replace('ip_hash; # Routes each client IP consistently to the same backend', '');

async function run(dir: string, url: string, yaml: string) {
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), yaml);
  const result = await runCli(['run', 'scenario.yaml', '--url', url, '--out', 'out', '--quiet', '--force'], dir);
  const file = path.join(dir, 'out', 'summary.json');
  const summary = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Summary) : undefined;
  return { ...result, summary };
}

test('a binary protocol through a module behind nginx: identified from the hello, replies timed, all backends used', async () => {
  const dir = tempDir();
  fs.copyFileSync(path.join(ROOT, 'scenarios/modules/binary-hello.mjs'), path.join(dir, 'binary-hello.mjs'));
  const setup = await startSeedSetup('nginx', nginxRoundRobin, 3, binaryHelloBackends);
  try {
    const { code, stderr, summary } = await run(dir, setup.url, SCENARIO('./binary-hello.mjs'));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /protocol module: .*binary-hello\.mjs/);
    const s = summary!;
    assert.equal(s.connections.opened, 60, JSON.stringify(s.connections));
    assert.equal(s.stickiness.unidentified, 0, 'every connection named by its server hello');
    assert.deepEqual(s.distribution.backends.map((b) => b.id).sort(), ['bin1', 'bin2', 'bin3']);
    assert.ok(s.messages.sent > 1000, JSON.stringify(s.messages));
    assert.ok(s.messages.received >= 0.95 * s.messages.sent, JSON.stringify(s.messages));
    assert.equal(s.latency.message.count, s.messages.received, 'every reply timed');
    assert.equal(s.disconnects.unexpected, 0);
    const stats = await Promise.all(
      setup.backends.map(
        async (b) => (await (await fetch(`http://127.0.0.1:${b.port}/`)).json()) as { requests: number },
      ),
    );
    const requests = stats.reduce((sum, x) => sum + x.requests, 0);
    assert.ok(
      requests >= s.messages.received,
      `servers saw ${requests} requests, stickler ${s.messages.received} replies`,
    );
  } finally {
    await setup.stop();
  }
});

test('a module that throws in receive: those connections close as module_error with a finding, the run goes on', async () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'flaky.mjs'),
    `import base from './binary-hello.mjs';
export default { ...base, create(client) {
  const inner = base.create(client);
  let frames = 0;
  return { ...inner, receive(frame, binary) {
    if (client.index % 10 === 0 && ++frames === 5) throw new TypeError('cannot read frame ' + frames);
    return inner.receive(frame, binary);
  } };
} };
`,
  );
  fs.copyFileSync(path.join(ROOT, 'scenarios/modules/binary-hello.mjs'), path.join(dir, 'binary-hello.mjs'));
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 2, binaryHelloBackends);
  try {
    const { stderr, summary } = await run(
      dir,
      setup.url,
      SCENARIO('./flaky.mjs', 'churn: { backoff: { initial: 2s, max: 2s } }\n'),
    );
    const s = summary!;
    assert.ok(s, stderr);
    const errors = s.disconnects.by_reason.module_error ?? 0;
    assert.ok(errors >= 6, `6 clients throw once per connection: ${JSON.stringify(s.disconnects)}`);
    const kinds = Object.keys(s.disconnects.module_errors ?? {});
    assert.ok(
      kinds.some((k) => /TypeError: cannot read frame 5 \(at .*flaky\.mjs/.test(k)),
      kinds.join('; '),
    );
    const finding = s.findings.find((f) => f.rule === 'module-error');
    assert.ok(finding && finding.evidence.includes('module_error'), JSON.stringify(s.findings));
    assert.ok(s.messages.received > 800, 'the other clients went on');
  } finally {
    await setup.stop();
  }
});

test('a module that throws at load or lacks create: exit 2 naming the file, no stack trace; validate names the module', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'broken.mjs'), "throw new Error('no config for region eu-west');\n");
  fs.writeFileSync(path.join(dir, 'shapeless.mjs'), 'export default { message() {} };\n');
  fs.copyFileSync(path.join(ROOT, 'scenarios/modules/binary-hello.mjs'), path.join(dir, 'good.mjs'));
  for (const [file, expected] of [
    ['broken.mjs', /protocol module .*broken\.mjs: it threw while loading: Error: no config for region eu-west/],
    ['shapeless.mjs', /protocol module .*shapeless\.mjs: its default export lacks create\(client\)/],
    ['missing.mjs', /protocol\.module: .*missing\.mjs: no such file/],
  ] as const) {
    const { code, stderr } = await run(dir, 'ws://127.0.0.1:9/', SCENARIO(`./${file}`));
    assert.equal(code, 2, stderr);
    assert.match(stderr, expected);
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  }
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), SCENARIO('./good.mjs'));
  const validated = await runCli(['validate', 'scenario.yaml'], dir);
  assert.equal(validated.code, 0, validated.stderr);
  assert.match(validated.stdout, /scenario\.yaml: loads protocol module .*good\.mjs/);
});
