// test: heavy: it packs and installs the package with npm, and installs and removes a Debian package
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { ROOT, runCli, strayProcesses, tempDir } from '../helpers/cli.js';

/** The ways a newcomer first meets stickler: the set-up script, the default output folder, the package, init. */

const run = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, timeout: 180_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

const SHORT_HAPROXY = `name: paths
target: { stack: haproxy-cookie, backends: 2 }
clients: { count: 20, ramp: 200ms }
duration: 2s
traffic: { interval: 200ms }
`;

const canInstall = process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get');

test(
  'set-up script: installs a missing package and exits 0; a package it cannot install exits 3 naming it',
  { skip: !canInstall && 'needs root and apt-get' },
  async () => {
    // GNU hello: a 50 KB Debian package nothing else needs, so it can be missing without harm.
    spawnSync('apt-get', ['remove', '-y', '-qq', 'hello'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    assert.equal(fs.existsSync('/usr/bin/hello'), false);
    const policyBefore = fs.existsSync('/usr/sbin/policy-rc.d');
    try {
      const installed = await run('bash', ['scripts/ensure-system-deps.sh', 'hello']);
      assert.equal(installed.code, 0, installed.stderr);
      assert.match(installed.stderr, /installing hello/);
      assert.ok(fs.existsSync('/usr/bin/hello'));
      assert.equal(
        fs.existsSync('/usr/sbin/policy-rc.d'),
        policyBefore,
        'the policy-rc.d the machine had is left as it was',
      );
      const again = await run('bash', ['scripts/ensure-system-deps.sh', 'hello']);
      assert.equal(again.code, 0);
      assert.equal(again.stderr, '', 'nothing to do the second time');
      const impossible = await run('bash', ['scripts/ensure-system-deps.sh', 'stickler-no-such-package']);
      assert.equal(impossible.code, 3);
      assert.match(impossible.stderr, /still missing: stickler-no-such-package/);
      assert.match(impossible.stderr, /apt-get install stickler-no-such-package/);
    } finally {
      spawnSync('apt-get', ['remove', '-y', '-qq', 'hello'], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    }
  },
);

test('a HAProxy preset runs with a relative --out and with an absolute --out longer than 110 characters', async () => {
  const cwd = tempDir();
  fs.writeFileSync(path.join(cwd, 'paths.yaml'), SHORT_HAPROXY);
  const relative = await runCli(['run', 'paths.yaml', '--out', 'reports/relative', '--quiet'], cwd);
  assert.equal(relative.code, 0, relative.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(cwd, 'reports/relative/summary.json'), 'utf8')) as Summary;
  assert.equal(summary.connections.opened, 20);
  assert.match(
    fs.readFileSync(path.join(cwd, 'reports/relative/stack/runtime-dir.txt'), 'utf8'),
    /admin socket .* were in \/\S+/,
  );

  const deep = path.join(
    cwd,
    'a-rather-long-folder-name-for-reports',
    'with-another-long-level-below-it',
    'and-one-more-to-pass-110',
  );
  assert.ok(deep.length > 110, deep);
  const absolute = await runCli(['run', path.join(cwd, 'paths.yaml'), '--out', deep, '--quiet']);
  assert.equal(absolute.code, 0, absolute.stderr);
  assert.equal(
    (JSON.parse(fs.readFileSync(path.join(deep, 'summary.json'), 'utf8')) as Summary).connections.opened,
    20,
  );
  assert.deepEqual(strayProcesses(cwd), []);
});

test('the default output folder: reports/<UTC time>-<name>/ under the current folder', async () => {
  const cwd = tempDir();
  fs.writeFileSync(path.join(cwd, 'paths.yaml'), SHORT_HAPROXY);
  const result = await runCli(['run', 'paths.yaml', '--quiet'], cwd);
  assert.equal(result.code, 0, result.stderr);
  const folders = fs.readdirSync(path.join(cwd, 'reports'));
  assert.equal(folders.length, 1);
  assert.match(folders[0], /^\d{8}T\d{6}Z-paths-[a-z0-9]{4}$/);
  assert.ok(fs.existsSync(path.join(cwd, 'reports', folders[0], 'summary.json')));
});

test('npm pack holds the compiled code, not the tests; npm install -g of it, then --help, init and run work', async () => {
  const packDir = tempDir();
  // dist/ is current (npm test builds first); --ignore-scripts keeps prepack from rebuilding it under the running suite.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir]);
  assert.equal(packed.code, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info.files.map((file) => file.path);
  for (const needed of [
    'bin/stickler.js',
    'dist/src/bundle/main.js',
    'dist/src/cli/main.js',
    'dist/src/engine/run/worker.js',
    'dist/src/bundle/worker.js',
    'dist/src/stack/backends/backend-process.js',
    'scenarios/quickstart.yaml',
    'scenarios/schema.json',
  ]) {
    assert.ok(files.includes(needed), `${needed} missing from the package`);
  }
  assert.ok(
    !files.some((file) => file.startsWith('dist/test/') || file.startsWith('test/') || file.startsWith('src/')),
    'tests and sources stay out',
  );

  const prefix = tempDir('stickler-prefix-');
  const installed = await run('npm', [
    'install',
    '-g',
    '--no-audit',
    '--no-fund',
    '--prefix',
    prefix,
    path.join(packDir, info.filename),
  ]);
  assert.equal(installed.code, 0, installed.stderr);
  const stickler = path.join(prefix, 'bin', 'stickler');
  const help = await run(stickler, ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /stickler init/);

  const cwd = tempDir();
  const init = await run(stickler, ['init'], { cwd });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /next: stickler run stickler\.yaml/);
  const written = fs.readFileSync(path.join(cwd, 'stickler.yaml'), 'utf8');
  const schema = /\$schema=(\S+)/.exec(written)?.[1];
  assert.ok(
    schema?.startsWith(prefix) && fs.existsSync(schema),
    `schema comment points at the installed schema: ${schema}`,
  );
  const again = await run(stickler, ['init'], { cwd });
  assert.equal(again.code, 2, 'an existing file is not overwritten');

  const result = await run(stickler, ['run', 'stickler.yaml', '--stack', 'direct', '--quiet'], { cwd });
  assert.equal(result.code, 0, result.stderr);
  const [folder] = fs.readdirSync(path.join(cwd, 'reports'));
  const summary = JSON.parse(fs.readFileSync(path.join(cwd, 'reports', folder, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.stack, 'direct');
  assert.equal(summary.connections.clients, 300);
  assert.equal(summary.connections.failed, 0);
});

test('npx from a clone and a bundled scenario by name', async () => {
  const npx = await run('npx', ['--no-install', 'stickler', '--version']);
  assert.equal(npx.code, 0, npx.stderr);
  assert.match(npx.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const cwd = tempDir();
  const byName = await runCli(['validate', 'quickstart', 'idle-timeout'], cwd);
  assert.equal(byName.code, 0, byName.stderr);
  assert.match(byName.stdout, /quickstart: ok/);
  const missing = await runCli(['run', 'no-such-scenario'], cwd);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file\. Give a scenario file, or a bundled scenario by name \(.*quickstart/);
});

test('validate names field and cross-field problems together, in one pass (exit 2)', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'seven.yaml');
  fs.writeFileSync(
    file,
    `name: seven mistakes
target: { stack: haproxy-cookie, url: "ws://127.0.0.1:9000/" }
clients:
  count: -5
  addresses: { pool: 10.0.0.0/8 }
duration: 1m
traffic: { pattern: bursty }
events:
  - { at: 2m, action: exec, command: "true" }
thresholds:
  latency.mesage.p99: "< 50"
  stickiness.violation_rate: "about zero"
`,
  );
  const result = await runCli(['validate', file]);
  assert.equal(result.code, 2);
  const expected = [
    'name: expected letters, digits and dashes only',
    'clients.count: expected a positive integer',
    'traffic.pattern: expected one of',
    'thresholds.stickiness.violation_rate: expected a condition',
    'target: give either stack or url, not both',
    'clients.addresses.pool: pool 10.0.0.0/8 is outside 127.0.0.0/8',
    'events[0].at: is after the run ends',
    'thresholds.latency.mesage.p99: unknown metric',
  ];
  for (const text of expected)
    assert.ok(result.stderr.includes(`${file}: ${text}`), `missing "${text}" in:\n${result.stderr}`);
  assert.equal(result.stderr.trim().split('\n').length, expected.length);
});
