import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { watchTree } from '../../bench/process-tree.js';
import { startCli, tempDir, writeScenario } from '../helpers/cli.js';
import { frameHeader, startHostileServer } from './hostile-server.js';

/** Faults of live targets under load: a target that stops reading, one that goes silent with its sockets open. */

const readSummary = (outDir: string) =>
  JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as Summary;

async function runWatched(yaml: string, url: string) {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const started = Date.now();
  const cli = startCli(['run', writeScenario(yaml, dir), '--url', url, '--out', out, '--quiet']);
  const watch = watchTree(cli.child.pid!, 200);
  const result = await cli.done;
  const { peakRssBytes } = watch.stop();
  return { result, summary: readSummary(out), peakMb: peakRssBytes / 2 ** 20, seconds: (Date.now() - started) / 1000 };
}

test('hostile: a target that stops reading: messages held back at max_buffered, memory bounded, on time, not a pass', async (t) => {
  // The upgrade completes, then the server never reads again: what the clients send piles up.
  const server = await startHostileServer({ kind: 'upgrade', after: (socket) => socket.pause() });
  try {
    const { result, summary, peakMb, seconds } = await runWatched(
      `name: stops-reading
target: { url: ws://placeholder/ }
clients: { count: 200, ramp: 500ms }
duration: 10s
traffic: { interval: 10ms, size: 65536, reply: none }
`,
      server.url,
    );
    // 200 clients x 64 KiB every 10 ms is 12.8 GB offered; before max_buffered the process tree peaked at 3,603 MB.
    t.diagnostic(
      `peak ${Math.round(peakMb)} MB, ${seconds}s, ${JSON.stringify(summary.messages)}, ${JSON.stringify(summary.backpressure)}`,
    );
    assert.ok(peakMb < 600, `stickler's processes peaked at ${Math.round(peakMb)} MB`);
    assert.ok(seconds < 25, `ended in ${seconds}s`);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary.messages.backpressured > 10_000, JSON.stringify(summary.messages));
    assert.equal(summary.backpressure?.connections, 200, JSON.stringify(summary.backpressure));
    const implicit = summary.thresholds.find((t) => t.metric === 'messages.backpressured');
    assert.ok(implicit && !implicit.passed, JSON.stringify(summary.thresholds));
    const finding = summary.findings.find((f) => f.rule === 'target-stopped-reading');
    assert.match(finding?.evidence ?? '', /200 connections held .* MiB unsent/);
  } finally {
    await server.stop();
  }
});

test('hostile: a target that goes silent with its sockets open: pongs missing close the connections as dead', async (t) => {
  // Answers pings (and echoes) for 3 s, then reads and writes nothing, without closing anything.
  const server = await startHostileServer({
    kind: 'upgrade',
    after: (socket) => {
      const silentAt = Date.now() + 3000;
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        if (Date.now() >= silentAt) return;
        buffered = Buffer.concat([buffered, chunk]);
        // Client frames are masked; answer each ping (0x89) with a pong and each text frame with its echo.
        while (buffered.length >= 6) {
          const length = buffered[1] & 0x7f;
          if (length >= 126 || buffered.length < 6 + length) break;
          const key = buffered.subarray(2, 6);
          const payload = Buffer.from(buffered.subarray(6, 6 + length).map((byte, i) => byte ^ key[i & 3]));
          const opcode = buffered[0] & 0x0f;
          if (opcode === 0x9) socket.write(Buffer.concat([frameHeader(0xa, length), payload]));
          if (opcode === 0x1) socket.write(Buffer.concat([frameHeader(0x1, length), payload]));
          buffered = buffered.subarray(6 + length);
        }
      });
    },
  });
  try {
    const { result, summary } = await runWatched(
      `name: goes-silent
target: { url: ws://placeholder/ }
clients: { count: 100, ramp: 500ms }
duration: 12s
traffic: { interval: 1s, ping: 1s }
churn: { backoff: { initial: 20s, max: 20s } }
`,
      server.url,
    );
    const dead = summary.disconnects.by_reason.pong_timeout ?? 0;
    t.diagnostic(`${JSON.stringify(summary.disconnects)}; recovery ${JSON.stringify(summary.recovery)}`);
    assert.ok(dead >= 90, `${dead} pong timeouts: ${JSON.stringify(summary.disconnects)}`);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(
      summary.findings.some((f) => f.rule === 'pong-timeout'),
      JSON.stringify(summary.findings),
    );
    const implicit = summary.thresholds.find((t) => t.metric === 'disconnects.by_reason.pong_timeout');
    assert.ok(implicit && !implicit.passed, JSON.stringify(summary.thresholds));
  } finally {
    await server.stop();
  }
});
