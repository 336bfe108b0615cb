// test: runs alone
// (its targets flood and its clients write 64 KiB every 10 ms: both cores, by design; beside another test they
// starve it: a shards run once left 91 handshakes pending at its end)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { watchTree } from '../../bench/process-tree.js';
import { startCli, tempDir, writeScenario } from '../helpers/cli.js';
import { echoFrames, frameHeader, startHostileServer } from './hostile-server.js';

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
  // Answers pings (and echoes) for 2 s, then reads and writes nothing, without closing anything.
  const server = await startHostileServer({
    kind: 'upgrade',
    after: (socket) => {
      const silentAt = Date.now() + 2000;
      echoFrames(socket, () => Date.now() >= silentAt);
    },
  });
  try {
    const { result, summary } = await runWatched(
      `name: goes-silent
target: { url: ws://placeholder/ }
clients: { count: 100, ramp: 500ms }
duration: 7s
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

    // Without pings nothing closes them: the unanswered messages on open connections say it.
    const quiet = await runWatched(
      `name: goes-silent-no-ping\ntarget: { url: ws://placeholder/ }\nclients: { count: 100, ramp: 500ms }\n` +
        `duration: 5s\ntraffic: { interval: 1s }\n`,
      server.url,
    );
    assert.ok((quiet.summary.messages.unanswered_on_open ?? 0) >= 90, JSON.stringify(quiet.summary.messages));
    const finding = quiet.summary.findings.find((f) => f.rule === 'target-stopped-answering');
    assert.match(finding?.evidence ?? '', /the target stopped answering on \d+ open connections/);
  } finally {
    await server.stop();
  }
});

test('hostile: 50 connections flooding tiny frames and pings beside 100 normal ones: the normal ones stay measured', async (t) => {
  let upgrades = 0;
  const tiny = Buffer.concat([frameHeader(0x1, 2), Buffer.from('hi')]);
  const ping = frameHeader(0x9, 0);
  const burst = Buffer.concat([...Array.from({ length: 500 }, () => tiny), ping]);
  const server = await startHostileServer({
    kind: 'upgrade',
    after: (socket) => {
      upgrades += 1;
      if (upgrades % 3 !== 0) return echoFrames(socket);
      // A flood: as fast as the socket takes it, until it closes.
      const flood = () => {
        while (!socket.destroyed && socket.write(burst));
        if (!socket.destroyed) socket.once('drain', flood);
      };
      flood();
    },
  });
  try {
    const { result, summary, seconds } = await runWatched(
      `name: flood
target: { url: ws://placeholder/ }
clients: { count: 150, ramp: 1s }
duration: 8s
traffic: { interval: 200ms }
`,
      server.url,
    );
    t.diagnostic(
      `${seconds}s ${JSON.stringify(summary.messages)} ${JSON.stringify(summary.latency.message)} ${JSON.stringify(summary.flood ?? null)}`,
    );
    assert.ok(seconds < 25, `ended in ${seconds}s`);
    assert.ok(result.code !== null);
    // 100 echoing connections, one message each 200 ms for about 7 s: most of it measured.
    assert.ok(summary.latency.message.count >= 2500, JSON.stringify(summary.latency.message));
    assert.ok((summary.flood?.ignored_frames ?? 0) > 10_000, JSON.stringify(summary.flood));
    assert.ok((summary.flood?.pings ?? 0) > 1000, 'the pings are counted');
    assert.ok(
      summary.findings.some((f) => f.rule === 'target-flooded'),
      JSON.stringify(summary.findings),
    );
  } finally {
    await server.stop();
  }
});
