import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, startCli, tempDir, writeScenario } from '../helpers/cli.js';

/** An echo server in this process that names itself in the 101 (the load goes through the real CLI). */
async function echoServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('headers', (headers) => headers.push('x-backend-id: e1'));
  server.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

test('bad input: exec events run only with --allow-exec; validate lists them; the commands are printed before the run', async () => {
  const dir = tempDir();
  const marker = path.join(dir, 'ran');
  const file = writeScenario(
    `name: exec-consent
target: { stack: direct }
clients: { count: 5 }
duration: 2s
events:
  - { at: 500ms, action: exec, command: "touch ${marker}" }
`,
    dir,
  );
  const refused = await runCli(['run', file, '--out', path.join(dir, 'refused'), '--quiet']);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /runs 1 shell command \(exec\):\n {2}at 0\.5s: touch .*\nread them, then run again with --allow-exec/,
  );
  assert.ok(!fs.existsSync(marker), 'nothing ran');
  const validated = await runCli(['validate', file]);
  assert.equal(validated.code, 0);
  assert.match(validated.stdout, /runs shell commands \(exec\), only with run --allow-exec:\n {2}at 0\.5s: touch /);
  const allowed = await runCli(['run', file, '--allow-exec', '--out', path.join(dir, 'allowed'), '--quiet']);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(
    allowed.stderr.split('running exec-consent')[0],
    /exec allowed: at 0\.5s: touch /,
    'printed before the run starts',
  );
  assert.ok(fs.existsSync(marker));
});

test('bad input: --out that is a file, that cannot be written, or that holds a summary; a YAML alias bomb; limits named (exit 2, no stack trace)', async () => {
  const dir = tempDir();
  const file = writeScenario('name: outs\ntarget: { stack: direct }\nclients: { count: 2 }\nduration: 1s\n', dir);
  const cases: [string[], RegExp][] = [
    [['run', file, '--out', file], /--out: .*scenario\.yaml is a file, not a folder/],
    [
      ['run', file, '--out', path.join(file, 'under-a-file')],
      /--out: cannot write to .*scenario\.yaml\/under-a-file \(ENOTDIR\)/,
    ],
    // Node's own recursive mkdir would spin here for ever (ENOENT under a parent that exists).
    [
      ['run', file, '--out', '/proc/stickler-cannot-write'],
      /--out: cannot write to \/proc\/stickler-cannot-write \((ENOENT|EACCES|EROFS)\)/,
    ],
  ];
  const bomb = path.join(dir, 'bomb.yaml');
  const layers = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries())
    layers.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`);
  fs.writeFileSync(bomb, `${layers.join('\n')}\nname: bomb\nclients: { count: 1 }\nduration: 1s\n`);
  cases.push([['validate', bomb], /bomb\.yaml: YAML: .*alias/i]);
  cases.push([
    [
      'validate',
      writeScenario('name: many\ntarget: { stack: direct }\nclients: { count: 50000000 }\nduration: 1s\n', tempDir()),
    ],
    /clients\.count: at most 200000 clients per run \(shard a larger run/,
  ]);
  cases.push([
    [
      'validate',
      writeScenario(
        'name: ca\ntarget: { url: "wss://127.0.0.1:1/", tls: { ca: missing-ca.pem } }\nclients: { count: 1 }\nduration: 1s\n',
        tempDir(),
      ),
    ],
    /target\.tls\.ca: missing-ca\.pem not found/,
  ]);
  for (const [args, message] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  const out = path.join(dir, 'twice');
  assert.equal((await runCli(['run', file, '--out', out, '--quiet'])).code, 0);
  const again = await runCli(['run', file, '--out', out, '--quiet']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds summary\.json of an earlier run; give another folder, or --force/);
  assert.equal((await runCli(['run', file, '--out', out, '--quiet', '--force'])).code, 0);
});

test('bad input: two runs of one scenario started together write two report folders', async () => {
  const cwd = tempDir();
  fs.writeFileSync(
    path.join(cwd, 'same.yaml'),
    'name: same\ntarget: { stack: direct }\nclients: { count: 2 }\nduration: 1s\n',
  );
  const results = await Promise.all([
    runCli(['run', 'same.yaml', '--quiet'], cwd),
    runCli(['run', 'same.yaml', '--quiet'], cwd),
  ]);
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const folders = fs.readdirSync(path.join(cwd, 'reports'));
  assert.equal(folders.length, 2, folders.join(' '));
  for (const folder of folders) assert.ok(fs.existsSync(path.join(cwd, 'reports', folder, 'summary.json')));
});

test('a load worker killed mid-run: the verdict is incomplete (exit 3), named with its signal in summary.json, summary.md and JUnit', async () => {
  const server = await echoServer();
  try {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const file = writeScenario(
      'name: lost-worker\ntarget: { url: ws://placeholder/ }\nclients: { count: 60, ramp: 500ms }\nduration: 6s\ntraffic: { interval: 200ms }\nthresholds:\n  messages.lost: "< 1000"\n',
      dir,
    );
    const { child, done } = startCli([
      'run',
      file,
      '--url',
      server.url,
      '--workers',
      '2',
      '--out',
      out,
      '--quiet',
      '--junit',
      path.join(dir, 'junit.xml'),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const workers = childPids(child.pid!).filter((pid) =>
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker.js'),
    );
    assert.ok(workers.length >= 1, 'the run forked load workers');
    process.kill(workers[0], 'SIGKILL');
    const result = await done;
    assert.equal(result.code, 3, result.stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
    assert.equal(summary.verdict, 'incomplete');
    assert.match(
      summary.incomplete_reason ?? '',
      /a load worker was lost mid-run \(worker \d exited \(killed by SIGKILL/,
    );
    assert.match(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'), /⚠️ incomplete[\s\S]*killed by SIGKILL/);
    assert.match(
      fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8'),
      /<testcase [^>]*name="run complete"><failure message="a load worker was lost/,
    );
  } finally {
    await server.close();
  }
});

function childPids(parent: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    });
}
