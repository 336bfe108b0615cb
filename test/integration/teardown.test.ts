import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createRuntimeDir } from '../../src/stack/runtime-dir.js';
import { startCli, strayProcesses, tempDir } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a CI runner does at its time limit: `kill -9` of stickler. Nothing it started may survive it. */
for (const stack of ['nginx-round-robin', 'haproxy-cookie']) {
  test(`kill -9 of stickler run on ${stack}: 5 s later none of its processes runs`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'long.yaml');
    fs.writeFileSync(
      file,
      `name: long\ntarget: { stack: ${stack} }\nclients: { count: 60 }\nduration: 60s\ntraffic: { interval: 500ms }\n`,
    );
    const out = path.join(dir, 'out');
    const run = startCli(['run', file, '--out', out, '--quiet', '--workers', '1']);
    let stderr = '';
    run.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const deadline = Date.now() + 20_000;
    while (!/running long/.test(stderr) && Date.now() < deadline) await sleep(100);
    await sleep(1500);
    const proxies = strayProcesses(out);
    assert.ok(proxies.length >= 1, `the proxy runs from the run folder: ${stderr}`);
    assert.ok(strayProcesses('dist/src/stack/backends/backend-process.js').length >= 3);
    assert.ok(strayProcesses('dist/src/bundle/worker.js').length >= 1);
    run.child.kill('SIGKILL');
    await run.done;
    await sleep(5000);
    assert.deepEqual(strayProcesses(out), [], 'proxy processes left');
    assert.deepEqual(strayProcesses('dist/src/stack/backends/backend-process.js'), [], 'backends left');
    assert.deepEqual(strayProcesses('dist/src/bundle/worker.js'), [], 'load workers left');
    assert.deepEqual(strayProcesses('read -r _; kill -KILL'), [], 'watchdogs left');
  });
}

test('the next run cleans up what a dead run left: its recorded process groups are killed, its folder removed', async () => {
  const base = tempDir('stickler-runtime-');
  // A run whose owner is gone (pid of a process that has exited) and which left a process group behind.
  const owner = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => owner.on('exit', resolve));
  const orphan = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
  const deadRun = path.join(base, 'run-dead');
  fs.mkdirSync(deadRun);
  fs.writeFileSync(path.join(deadRun, 'owner'), `${owner.pid}\n`);
  fs.writeFileSync(path.join(deadRun, 'groups'), `${orphan.pid} ${startTime(orphan.pid!)} nginx\n`);
  // A run whose owner is alive (this process) is left alone.
  const liveRun = path.join(base, 'run-live');
  fs.mkdirSync(liveRun);
  fs.writeFileSync(path.join(liveRun, 'owner'), `${process.pid}\n`);

  const exited = new Promise((resolve) => orphan.on('exit', (_code, signal) => resolve(signal)));
  const runtime = createRuntimeDir(base);
  assert.equal(await exited, 'SIGKILL');
  assert.equal(fs.existsSync(deadRun), false);
  assert.equal(fs.existsSync(liveRun), true);
  assert.ok(runtime.path.startsWith(path.join(base, 'run-')));
  runtime.remove();
  assert.equal(fs.existsSync(runtime.path), false);
});

function startTime(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}
