import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, startCli, tempDir, writeScenario } from '../helpers/cli.js';
import { frameHeader, startHostileServer } from './hostile-server.js';

const readSummary = (outDir: string) =>
  JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as Summary;

const scenario = (name: string, extra = '') => `name: ${name}
target: { url: ws://placeholder/ }
clients: { count: 60, ramp: 500ms }
duration: 4s
traffic: { interval: 250ms }
thresholds:
  handshake.error_rate: "< 0.01"
  latency.message.p99: "< 50"
  latency.handshake.p99: "< 50"
  disconnects.unexpected: "== 0"
  messages.lost: "== 0"
${extra}`;

test('hostile: a 101 written one byte a second never passes: every attempt is a failure, the run ends on time, nothing measured is incomplete (exit 3)', async () => {
  const server = await startHostileServer({ kind: 'trickle', everyMs: 1000, normalFirst: 1 });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const started = Date.now();
    const result = await runCli([
      'run',
      writeScenario(scenario('slow-101'), dir),
      '--url',
      server.url,
      '--out',
      out,
      '--quiet',
    ]);
    const wallS = (Date.now() - started) / 1000;
    assert.equal(result.code, 3, result.stderr);
    assert.ok(wallS < 4 + 10, `the run took ${wallS} s for a 4 s scenario`);
    const summary = readSummary(out);
    assert.equal(summary.verdict, 'incomplete');
    assert.equal(summary.connections.opened, 0);
    assert.equal(summary.connections.failed, summary.connections.attempted, JSON.stringify(summary.connections));
    assert.ok(
      (summary.connections.failed_by_reason.pending_at_end ?? 0) > 0,
      JSON.stringify(summary.connections.failed_by_reason),
    );
    assert.equal(summary.handshake.error_rate, 1);
    for (const threshold of summary.thresholds.filter((t) => t.metric !== 'handshake.error_rate')) {
      assert.deepEqual(
        [threshold.actual, threshold.passed],
        [null, false],
        `${threshold.metric} has nothing behind it: ${JSON.stringify(threshold)}`,
      );
    }
    assert.match(summary.incomplete_reason ?? '', /no connection opened \(\d+ attempted; failed: pending_at_end \d+/);
    assert.match(result.stdout, /verdict: INCOMPLETE/);
    assert.match(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'), /⚠️ incomplete/);
  } finally {
    await server.stop();
  }
});

test('hostile: a target that answers half the upgrades and holds the rest: the attempts left waiting at the end are named, not passed over', async () => {
  // The start-up check takes the first normal upgrade, 30 clients the next 30; the other 30 never get their 101.
  const server = await startHostileServer({ kind: 'trickle', everyMs: 1000, normalFirst: 31 });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const file = writeScenario(
      'name: half-answered\ntarget: { url: ws://placeholder/ }\nclients: { count: 60, ramp: 500ms }\nduration: 3s\ntraffic: { interval: 0s }\n',
      dir,
    );
    const result = await runCli(['run', file, '--url', server.url, '--out', out]);
    const summary = readSummary(out);
    assert.equal(summary.connections.opened, 30, JSON.stringify(summary.connections));
    assert.equal(
      summary.connections.failed_by_reason.pending_at_end,
      30,
      JSON.stringify(summary.connections.failed_by_reason),
    );
    const finding = summary.findings.find((f) => f.rule === 'handshakes-unanswered-at-end');
    assert.ok(finding, JSON.stringify(summary.findings));
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.evidence, '30 of 60 attempts had no answer when the run ended; 30 opened');
    assert.match(result.stdout, /finding \(warning\): attempts were still waiting for their 101/);
  } finally {
    await server.stop();
  }
});

test('hostile: Ctrl-C is honoured within a second while a trickling target stalls the start-up check, and in the run with a partial summary', async () => {
  const stalling = await startHostileServer({ kind: 'trickle', everyMs: 1000, normalFirst: 0 });
  const slow = await startHostileServer({ kind: 'trickle', everyMs: 1000, normalFirst: 1 });
  try {
    const dir = tempDir();
    const file = writeScenario(scenario('ctrl-c').replace('duration: 4s', 'duration: 30s'), dir);
    for (const [server, phase] of [
      [stalling, 'start-up'],
      [slow, 'run'],
    ] as const) {
      const out = path.join(dir, phase);
      const junit = path.join(dir, `${phase}.xml`);
      const { child, done } = startCli(['run', file, '--url', server.url, '--out', out, '--quiet', '--junit', junit]);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const signalled = Date.now();
      child.kill('SIGINT');
      const result = await done;
      const tookMs = Date.now() - signalled;
      assert.equal(result.code, 130, `${phase}: ${result.stderr}`);
      assert.ok(tookMs < 1500, `${phase}: exit ${tookMs} ms after SIGINT`);
      if (phase === 'run') {
        const summary = readSummary(out);
        assert.equal(summary.interrupted, true);
        assert.ok(summary.connections.attempted > 0);
        assert.match(result.stdout, /verdict: INTERRUPTED/);
      } else {
        assert.match(result.stderr, /interrupted while the target was starting/);
        // Nothing measured, and said so: what the start-up check waited for, in the summary and the JUnit file.
        const summary = readSummary(out);
        assert.equal(summary.interrupted, true);
        assert.equal(summary.verdict, 'incomplete');
        assert.equal(summary.connections.attempted, 0);
        assert.ok(
          summary.warnings.some((w) => w.includes(`start-up check waited for ${server.url}`)),
          summary.warnings.join(),
        );
        assert.match(fs.readFileSync(junit, 'utf8'), /start-up check waited for/);
      }
    }
  } finally {
    await stalling.stop();
    await slow.stop();
  }
});

test('hostile: protocol violations after a valid 101 close the connection (1002) and are counted and named', async () => {
  const frames = [
    frameHeader(0x3, 0), // reserved opcode
    Buffer.concat([Buffer.from([0x81, 0x82, 1, 2, 3, 4]), Buffer.from('hi')]), // a masked server frame
    frameHeader(0x1, 2, 0xc0), // RSV1 without an extension
    Buffer.from([0x88, 0x02, 0x03, 0xec]), // close code 1004
    Buffer.concat([Buffer.from([0x88, 126, 0, 200]), Buffer.alloc(200, 0x61)]), // a close frame with a 200-byte payload (control frames end at 125)
  ];
  let next = 0;
  const server = await startHostileServer({
    kind: 'upgrade',
    after: (socket) => {
      const frame = frames[next++ % frames.length];
      setTimeout(() => socket.write(frame), 300);
    },
  });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const result = await runCli([
      'run',
      writeScenario(scenario('protocol-errors'), dir),
      '--url',
      server.url,
      '--out',
      out,
      '--quiet',
    ]);
    const summary = readSummary(out);
    assert.equal(result.code, 1, result.stderr);
    assert.ok((summary.disconnects.by_reason.protocol_error ?? 0) >= 20, JSON.stringify(summary.disconnects));
    // The client sends 1002 and the target never answers it: what the client sees close is 1006.
    assert.equal(
      summary.disconnects.unexpected,
      summary.disconnects.by_reason.protocol_error,
      JSON.stringify(summary.disconnects),
    );
    assert.equal(summary.thresholds.find((t) => t.metric === 'disconnects.unexpected')?.passed, false);
  } finally {
    await server.stop();
  }
});

test('hostile: a 50 MB frame is refused at its header (traffic.max_message), counted as message_too_big', async () => {
  const server = await startHostileServer({
    kind: 'upgrade',
    after: (socket) => {
      // The header announces 50 MB; a few KB follow, then the socket stays open.
      setTimeout(
        () => socket.write(Buffer.concat([frameHeader(0x1, 50 * 1024 * 1024), Buffer.alloc(16_384, 0x78)])),
        200,
      );
    },
  });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const result = await runCli([
      'run',
      writeScenario(
        scenario('flood').replace('traffic: { interval: 250ms }', 'traffic: { interval: 250ms, max_message: 1MiB }'),
        dir,
      ),
      '--url',
      server.url,
      '--out',
      out,
      '--quiet',
    ]);
    const summary = readSummary(out);
    assert.equal(result.code, 1, result.stderr);
    assert.ok((summary.disconnects.by_reason.message_too_big ?? 0) >= 60, JSON.stringify(summary.disconnects));
    assert.equal(
      summary.disconnects.unexpected,
      summary.disconnects.by_reason.message_too_big,
      JSON.stringify(summary.disconnects),
    );
    assert.equal(summary.messages.received, 0, 'nothing of the 50 MB frame was taken as a message');
  } finally {
    await server.stop();
  }
});

test('hostile: a backend id with escape sequences reaches the terminal and Markdown escaped', async () => {
  // Node's HTTP parser refuses control characters in headers; a first message carries them to the client.
  const greeting = Buffer.from(JSON.stringify({ server: 'evil\u001b]0;pwned\u0007\u001b[2J' }));
  const server = await startHostileServer({
    kind: 'upgrade',
    after: (socket) => socket.write(Buffer.concat([frameHeader(0x1, greeting.length), greeting])),
  });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const yaml = `${scenario('escapes').replace('traffic: { interval: 250ms }', 'traffic: { interval: 0 }')}identify: { header: x-not-sent }\n`;
    const result = await runCli(['run', writeScenario(yaml, dir), '--url', server.url, '--out', out, '--quiet']);
    assert.ok(result.stdout.length > 0, result.stderr);
    assert.ok(
      !result.stdout.includes('\u001b') && !result.stderr.includes('\u001b'),
      'no escape byte reaches the terminal',
    );
    assert.match(result.stdout, /evil\\x1b\]0;pwned\\x07\\x1b\[2J/);
    assert.ok(!fs.readFileSync(path.join(out, 'summary.md'), 'utf8').includes('\u001b'));
    const report = await runCli(['report', out]);
    assert.ok(!report.stdout.includes('\u001b'), 'stickler report escapes too');
    assert.equal(
      readSummary(out).distribution.backends[0].id,
      'evil\u001b]0;pwned\u0007\u001b[2J',
      'summary.json keeps what the target sent',
    );
  } finally {
    await server.stop();
  }
});

test('hostile: protocol violations in the same write as the 101 are checked as any other frame; a greeting there is read', async () => {
  const frames = [
    frameHeader(0x3, 0), // reserved opcode
    Buffer.concat([Buffer.from([0x81, 0x82, 1, 2, 3, 4]), Buffer.from('hi')]), // a masked server frame
    frameHeader(0x1, 2, 0xc0), // RSV1 without an extension
    Buffer.from([0x88, 0x02, 0x03, 0xec]), // close code 1004
  ];
  // The four cases at once, each against its own server (they are small runs).
  await Promise.all(
    frames.map(async (frame) => {
      const server = await startHostileServer({ kind: 'upgrade', after: () => {}, head: () => frame });
      try {
        const dir = tempDir();
        const out = path.join(dir, 'out');
        const args = ['run', writeScenario(scenario('head-errors'), dir), '--url', server.url, '--out', out, '--quiet'];
        const result = await runCli(args);
        const summary = readSummary(out);
        const what = `${frame.toString('hex')}: ${JSON.stringify(summary.disconnects)}`;
        assert.notEqual(result.code, 0, what);
        assert.ok((summary.disconnects.by_reason.protocol_error ?? 0) >= 20, what);
      } finally {
        await server.stop();
      }
    }),
  );
  const greeting = Buffer.from(JSON.stringify({ server: 'h9' }));
  const server = await startHostileServer({
    kind: 'upgrade',
    backendId: '',
    after: () => {},
    head: () => Buffer.concat([frameHeader(0x1, greeting.length), greeting]),
  });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const yaml = `${scenario('head-greeting').replace('traffic: { interval: 250ms }', 'traffic: { interval: 0 }')}identify: { header: x-not-sent }\n`;
    const result = await runCli(['run', writeScenario(yaml, dir), '--url', server.url, '--out', out, '--quiet']);
    const summary = readSummary(out);
    assert.deepEqual(
      summary.distribution.backends.map((b) => [b.id, b.connections]),
      [['h9', 60]],
      result.stderr,
    );
    assert.deepEqual(summary.disconnects.by_reason, {});
  } finally {
    await server.stop();
  }
});
