import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { renderedDom } from '../helpers/chromium.js';

test('compare: one scenario on nginx-ip-hash and haproxy-cookie, side by side, gated on every stack', async () => {
  const dir = tempDir();
  const file = writeScenario(
    `name: nat-compare
target: { stack: direct }
clients: { count: 120, ramp: 1s, addresses: { pool: 127.101.3.0/24, per_address: 20 } }
duration: 4s
seed: 2
traffic: { interval: 500ms }
thresholds:
  distribution.imbalance: "< 1.5"
`,
    dir,
  );
  const outDir = path.join(dir, 'cmp');
  const result = await runCli([
    'compare',
    file,
    '--stack',
    'nginx-ip-hash',
    '--stack',
    'haproxy-cookie',
    '--out',
    outDir,
    '--quiet',
    '--junit',
    path.join(dir, 'junit.xml'),
  ]);
  assert.equal(result.code, 1, 'nginx-ip-hash puts the whole /24 on one backend and fails the imbalance threshold');
  assert.match(result.stdout, /│\s+│ nginx-ip-hash\s+│ haproxy-cookie\s+│/);
  assert.match(result.stdout, /imbalance \(max\/mean\)\s+│ 3\.000 /);
  const compare = JSON.parse(fs.readFileSync(path.join(outDir, 'compare.json'), 'utf8'));
  assert.deepEqual(
    compare.stacks.map((s: { stack: string; verdict: string }) => [s.stack, s.verdict]),
    [
      ['nginx-ip-hash', 'fail'],
      ['haproxy-cookie', 'pass'],
    ],
  );
  assert.equal(compare.stacks[0].summary.seed, compare.stacks[1].summary.seed);
  for (const stack of ['nginx-ip-hash', 'haproxy-cookie'])
    assert.ok(fs.existsSync(path.join(outDir, stack, 'summary.json')));
  // One HTML page with both stacks side by side, and every chart drawn.
  const html = path.join(outDir, 'compare.html');
  assert.match(
    fs.readFileSync(html, 'utf8'),
    /<h2>Side by side<\/h2><table><thead><tr><th><\/th><th>nginx-ip-hash<\/th><th>haproxy-cookie<\/th>/,
  );
  const body = /<body([^>]*)>/.exec(await renderedDom(html))?.[1] ?? '';
  assert.match(body, /data-charts-drawn="7"/, body);
  assert.match(body, /data-errors="\[\]"/, body);
  const junit = fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuite name="nat-compare on nginx-ip-hash" tests="1" failures="1"/);
  assert.match(
    junit,
    /<failure message="distribution.imbalance was 3, limit &lt; 1.5: 120 clients came from 6 addresses in one \/24[^"]*; fix: key on something the client keeps/,
  );
});

test('thresholds gate the exit code: 0 when they hold, 1 with a JUnit failure naming the metric, 2 for an unknown metric', async () => {
  const dir = tempDir();
  const scenario = (thresholds: string) =>
    `name: gate\ntarget: { stack: direct }\nclients: { count: 20 }\nduration: 2s\ntraffic: { interval: 200ms }\nthresholds:\n${thresholds}`;
  const pass = await runCli([
    'run',
    writeScenario(scenario('  messages.lost: "== 0"\n  latency.message.p99: "< 500"\n'), tempDir()),
    '--quiet',
    '--out',
    path.join(dir, 'a'),
  ]);
  assert.equal(pass.code, 0, pass.stderr);
  const junitFile = path.join(dir, 'gate.xml');
  const fail = await runCli([
    'run',
    writeScenario(scenario('  messages.sent: "< 5"\n'), tempDir()),
    '--quiet',
    '--out',
    path.join(dir, 'b'),
    '--junit',
    junitFile,
  ]);
  assert.equal(fail.code, 1);
  assert.match(fs.readFileSync(junitFile, 'utf8'), /<failure message="messages.sent was \d+, limit &lt; 5">/);
  const invalid = await runCli([
    'run',
    writeScenario(scenario('  latency.msg.p99: "< 5"\n'), tempDir()),
    '--quiet',
    '--out',
    path.join(dir, 'c'),
  ]);
  assert.equal(invalid.code, 2);
  assert.match(
    invalid.stderr,
    /thresholds.latency.msg.p99: unknown metric; valid metrics: .*stickiness.violation_rate/,
  );
});
