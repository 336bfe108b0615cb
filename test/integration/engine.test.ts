import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../src/stack/free-port.js';
import { ROOT, runCli, runScenario, startCli, strayProcesses, tempDir, writeScenario } from '../helpers/cli.js';

test('direct run: counts add up and every connection lands where the backends say', async () => {
  const { result, summary } = await runScenario(`name: direct-counts
target: { stack: direct, backends: 3 }
clients: { count: 150, ramp: 1s }
duration: 4s
traffic: { interval: 200ms }
thresholds:
  connections.failed: "== 0"
`);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(summary.verdict, 'pass');
  assert.equal(summary.connections.attempted, 150);
  assert.equal(summary.connections.opened, 150);
  assert.equal(summary.connections.peak_open, 150);
  assert.ok(summary.messages.sent > 1500, `sent ${summary.messages.sent}`);
  assert.equal(summary.messages.received, summary.messages.sent);
  assert.equal(summary.messages.lost, 0);
  assert.equal(summary.latency.message.count, summary.messages.received);
  assert.equal(summary.stickiness.unidentified, 0);
  assert.deepEqual(
    summary.distribution.backends.map((b) => b.id),
    ['b1', 'b2', 'b3'],
  );
  const counted = (
    summary as unknown as { backend_counts: Record<string, { connections_total: number; messages: number }> }
  ).backend_counts;
  for (const backend of summary.distribution.backends) {
    assert.equal(backend.connections, counted[backend.id].connections_total, `${backend.id}: tool vs backend`);
    assert.equal(backend.connections, 50);
  }
  const backendMessages = Object.values(counted).reduce((sum, c) => sum + c.messages, 0);
  assert.equal(backendMessages, summary.messages.sent);
  assert.ok(summary.timeseries.length >= 4);
  assert.ok(summary.timeseries.some((row) => row.open === 150));
  assert.ok(summary.latency.handshake.count === 150 && summary.latency.handshake.p50 > 0);
});

test('--url against `stickler backend`, --json on stdout, an unreachable URL exits 3', async () => {
  const port = await freePort();
  const backend = startCli(['backend', '--id', 'solo', '--port', String(port)]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 800));
    const dir = tempDir();
    const file = writeScenario(
      'name: url-run\ntarget: { url: "ws://127.0.0.1:1/" }\nclients: { count: 20 }\nduration: 2s\ntraffic: { interval: 100ms }\n',
      dir,
    );
    const result = await runCli([
      'run',
      file,
      '--url',
      `ws://127.0.0.1:${port}/`,
      '--out',
      path.join(dir, 'out'),
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.stack, 'url');
    assert.deepEqual(
      summary.distribution.backends.map((b: { id: string }) => b.id),
      ['solo'],
    );
    assert.equal(summary.messages.received, summary.messages.sent);
    assert.match(result.stderr, /latency \(ms\)/, 'tables go to stderr with --json');
  } finally {
    backend.child.kill('SIGTERM');
    await backend.done;
  }
  const closedPort = await freePort();
  const file = writeScenario(
    `name: nowhere\ntarget: { url: "ws://127.0.0.1:${closedPort}/" }\nclients: { count: 5 }\nduration: 2s\n`,
  );
  const junit = path.join(tempDir(), 'junit.xml');
  const unreachable = await runCli(['run', file, '--quiet', '--out', path.join(tempDir(), 'out'), '--junit', junit]);
  assert.equal(unreachable.code, 3);
  assert.match(unreachable.stderr, /unreachable.*ECONNREFUSED/);
  // CI's test tab still shows why.
  assert.match(
    fs.readFileSync(junit, 'utf8'),
    /<testcase classname="nowhere on its target" name="run"><failure message="the target ws:\/\/127\.0\.0\.1:\d+\/ is unreachable/,
  );
});

test('validate: every bundled scenario is valid; a bad file exits 2 naming each field', async () => {
  const bundled = fs
    .readdirSync(path.join(ROOT, 'scenarios'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => path.join('scenarios', name));
  assert.ok(bundled.length >= 2);
  const good = await runCli(['validate', ...bundled]);
  assert.equal(good.code, 0, good.stderr);
  const bad = writeScenario(
    'name: "no spaces allowed"\ntarget: { stack: direct }\nclients: { count: 0 }\nduration: 5s\nchurn: { change_address: 150% }\n',
  );
  const result = await runCli(['validate', bad]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, new RegExp(`${bad}: name: expected letters, digits and dashes only`));
  assert.match(result.stderr, new RegExp(`${bad}: clients.count: expected a positive integer, got 0`));
  assert.match(result.stderr, new RegExp(`${bad}: churn.change_address: `));
});

test('SIGINT: the partial summary is written, exit 130, no process left behind', async () => {
  const dir = tempDir();
  const outDir = path.join(dir, 'out');
  const file = writeScenario(
    'name: interrupted\ntarget: { stack: nginx-round-robin, backends: 2 }\nclients: { count: 100, ramp: 1s }\nduration: 60s\ntraffic: { interval: 200ms }\n',
    dir,
  );
  const run = startCli(['run', file, '--out', outDir, '--quiet']);
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const during = strayProcesses(outDir);
  assert.ok(
    during.some((line) => line.includes('nginx')),
    'nginx should be running during the run',
  );
  run.child.kill('SIGINT');
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8'));
  assert.equal(summary.interrupted, true);
  assert.ok(summary.messages.sent > 0);
  assert.ok(summary.duration_s < 30);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(strayProcesses(outDir), []);
  assert.deepEqual(strayProcesses('dist/src/bundle/worker.js'), []);
  assert.deepEqual(strayProcesses('dist/src/stack/backends/backend-process.js'), []);
});

/** stickler_messages_sent_total as --metrics serves it, or NaN while nothing answers. */
async function sentSoFar(port: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (response) => response.text(),
    () => '',
  );
  return Number(/^stickler_messages_sent_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? NaN);
}

test('a worker killed mid-run: exit 3, and the summary of what was measured is still written', async () => {
  const dir = tempDir();
  const outDir = path.join(dir, 'out');
  const file = writeScenario(
    'name: worker-dies\ntarget: { stack: direct }\nclients: { count: 50 }\nduration: 30s\ntraffic: { interval: 100ms }\n',
    dir,
  );
  const port = await freePort();
  const run = startCli(['run', file, '--out', outDir, '--quiet', '--workers', '1', '--metrics', String(port)]);
  // Kill the worker once the coordinator has heard of its messages (a loaded machine starts slowly).
  const deadline = Date.now() + 20_000;
  while (!((await sentSoFar(port)) > 0) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  const workers = strayProcesses('dist/src/bundle/worker.js');
  assert.equal(workers.length, 1, workers.join('\n'));
  // 500 messages a second is an idle worker: the small heap and no compilers (limits.ts, workerHeapFlags).
  assert.match(workers[0], /--optimize-for-size --max-semi-space-size=2 --v8-pool-size=1 --jitless .*worker\.js/);
  process.kill(Number(workers[0].split(':')[0]), 'SIGKILL');
  const result = await run.done;
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /the load generator failed/);
  const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8'));
  assert.ok(summary.messages.sent > 0);
  assert.ok(
    summary.warnings.some((warning: string) => warning.startsWith('a worker failed')),
    JSON.stringify(summary.warnings),
  );
  assert.ok(summary.duration_s < 20);
  assert.deepEqual(strayProcesses('dist/src/stack/backends/backend-process.js'), []);
});
