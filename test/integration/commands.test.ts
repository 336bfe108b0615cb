import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ROOT, runCli, runScenario, startCli, strayProcesses, tempDir } from '../helpers/cli.js';

test('diff: a run against itself holds; a worse candidate is a regression (exit 1)', async () => {
  const { outDir } = await runScenario(
    'name: diff-base\ntarget: { stack: direct }\nclients: { count: 20 }\nduration: 2s\ntraffic: { interval: 200ms }\n',
  );
  const same = await runCli(['diff', outDir, path.join(outDir, 'summary.json')]);
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /no regression beyond 10%/);
  const worse = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8'));
  worse.latency.message.p99 = worse.latency.message.p99 * 3 + 5;
  worse.stickiness.violation_rate = 0.2;
  const worseFile = path.join(tempDir(), 'worse.json');
  fs.writeFileSync(worseFile, JSON.stringify(worse));
  const result = await runCli(['diff', outDir, worseFile, '--tolerance', '20%']);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /latency\.message\.p99 .*REGRESSION/);
  assert.match(result.stdout, /stickiness\.violation_rate .*REGRESSION/);
  assert.match(result.stdout, /2 regression\(s\) beyond 20%/);
  const bad = await runCli(['diff', outDir, '/nonexistent/summary.json']);
  assert.equal(bad.code, 2);
  const other = { ...worse, scenario: 'another', duration_s: worse.duration_s * 2 };
  const otherFile = path.join(tempDir(), 'other.json');
  fs.writeFileSync(otherFile, JSON.stringify(other));
  const warned = await runCli(['diff', outDir, otherFile]);
  assert.match(
    warned.stderr,
    /warning: the two runs are not of the same scenario and target \(scenario diff-base vs another; duration/,
  );
  const strict = await runCli(['diff', outDir, otherFile, '--strict']);
  assert.equal(strict.code, 2);
  assert.match(
    (await runCli(['diff', '--help'])).stdout,
    /regresses when it grows by more than the tolerance AND by more than its floor/,
  );
});

test('stacks, doctor and stack up: presets listed, the machine checked, a stack served until Ctrl-C', async () => {
  const stacks = await runCli(['stacks']);
  assert.equal(stacks.code, 0);
  for (const preset of [
    'direct',
    'nginx-ip-hash',
    'nginx-hash-query',
    'nginx-hash-cookie',
    'haproxy-cookie',
    'haproxy-stick-src',
  ])
    assert.match(stacks.stdout, new RegExp(`^${preset} `, 'm'));
  const doctor = await runCli(['doctor']);
  assert.equal(doctor.code, 0, doctor.stdout);
  assert.match(doctor.stdout, /ok +nginx: .*nginx version/);
  assert.match(doctor.stdout, /ok +haproxy: .*HAProxy version/);
  assert.match(doctor.stdout, /binding loopback source addresses .*works/);

  const up = startCli(['stack', 'up', 'haproxy-cookie', '--backends', '2']);
  let stdout = '';
  up.child.stdout!.on('data', (chunk) => (stdout += chunk));
  const deadline = Date.now() + 15_000;
  while (!/Ctrl-C/.test(stdout) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const url = /connect to\s+(ws:\/\/\S+)/.exec(stdout)?.[1];
  assert.ok(url, stdout);
  assert.match(stdout, /HAProxy stats http:\/\/127\.0\.0\.1:\d+\/haproxy_stats/);
  const backend = await new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('upgrade', (response) => resolve(String(response.headers['x-backend-id'])));
    ws.on('open', () => ws.close());
    ws.on('error', reject);
  });
  assert.match(backend, /^b[12]$/);
  const logDir = /config and logs in (\S+)/.exec(stdout)![1];
  up.child.kill('SIGINT');
  const result = await up.done;
  assert.equal(result.code, 0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(strayProcesses(logDir), []);
  assert.deepEqual(strayProcesses('dist/src/stack/backends/backend-process.js'), []);
});

test('bad arguments exit 2 with a clear message', async () => {
  const result = await runCli(['run', 'scenarios/quickstart.yaml', '--stack', 'a', '--url', 'ws://127.0.0.1:1']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /mutually exclusive/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  const missing = await runCli(['run', '/nonexistent/scenario.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/scenario.yaml: cannot read the file \(ENOENT\)/);
});

test('lint: exit 1 on an error, --json findings with line and fix, 2 for a file it cannot read; run shows them first', async () => {
  const broken = path.join(ROOT, 'scenarios/configs/nginx-http10-chain.conf');
  const result = await runCli(['lint', broken, '--json']);
  assert.equal(result.code, 1);
  const findings = JSON.parse(result.stdout) as {
    file: string;
    line: number;
    severity: string;
    rule: string;
    fix: string;
  }[];
  const upgrade = findings.find((finding) => finding.rule === 'nginx-websocket-upgrade');
  assert.ok(
    upgrade && upgrade.severity === 'error' && upgrade.line === 11 && upgrade.fix.includes('proxy_http_version 1.1'),
    JSON.stringify(findings),
  );
  const fine = await runCli(['lint', path.join(ROOT, 'scenarios/configs/nginx-short-idle.conf')]);
  assert.equal(fine.code, 0, 'warnings only');
  assert.match(fine.stdout, /proxy_read_timeout is 3s/);
  assert.equal((await runCli(['lint', '/nonexistent.conf'])).code, 2);
  const run = await runCli(['run', 'idle-timeout', '--out', path.join(tempDir(), 'out'), '--quiet']);
  assert.match(run.stderr, /nginx-short-timeout: proxy_read_timeout is 3s/);
  assert.equal(run.code, 1, 'the run exits as its thresholds say (idle-timeout fails one on purpose)');
});

test('a reader slower than stickler still gets all of a large output (k8s of a 400 KB scenario; exit waits for the pipe)', async () => {
  const dir = tempDir();
  const scenario = path.join(dir, 'big.yaml');
  // The pods' ConfigMap carries the scenario: a long description makes the manifests 400 KB, past a pipe's 64 KB.
  fs.writeFileSync(
    scenario,
    `name: big\ndescription: "${'x'.repeat(400_000)}"\ntarget: { url: "ws://127.0.0.1:9/" }\nclients: { count: 10 }\nduration: 5s\n`,
  );
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/stickler.js'), 'k8s', scenario, '--shards', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pause();
  const chunks: Buffer[] = [];
  // Like `| kubectl apply -f -` busy for a moment: nothing read until stickler has written everything it will.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const out = Buffer.concat(chunks).toString();
  assert.equal(code, 0);
  assert.ok(out.length > 400_000, `${out.length} bytes of the manifests arrived`);
  assert.match(out, /x{400000}/);
  assert.match(out.trimEnd().split('\n').at(-1)!, /name: stickler-big-scenario/);
});
