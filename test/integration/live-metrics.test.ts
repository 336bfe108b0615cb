import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { freePort } from '../../src/stack/free-port.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { startPrometheus } from '../helpers/prometheus.js';
import { seedNginxIpHash, startSeedSetup } from '../helpers/seed-stack.js';

/** `--metrics`: a real Prometheus scrapes a running stickler every second and adds up what it reads. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const value = (rows: { value: [number, string] }[]) => Number(rows[0]?.value[1] ?? NaN);
const byLabel = (rows: { metric: Record<string, string>; value: [number, string] }[], label: string) =>
  Object.fromEntries(rows.map((row) => [row.metric[label], Number(row.value[1])]));

/** One Prometheus for the file, scraping the ports of both tests (a test's ports are down while the other runs). */
let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
const ports: number[] = [];
before(async () => {
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  prometheus = await startPrometheus(ports.map((port) => `127.0.0.1:${port}`));
});
after(() => prometheus.stop());

test('a real Prometheus scraping --metrics: open connections while the run lasts, counters equal to the summary after it', async (t) => {
  const port = ports[0];
  {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 's.yaml'),
      `name: live\ntarget: { stack: nginx-round-robin }\nclients: { count: 150, ramp: 1s }\nduration: 9s\ntraffic: { interval: 300ms }\nchurn: { drop_every: 2s, backoff: { initial: 100ms, max: 300ms } }\n`,
    );
    const run = startCli(['run', 's.yaml', '--out', 'out', '--quiet', '--metrics', String(port)], dir);
    let stderr = '';
    run.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const deadline = Date.now() + 20_000;
    while (!/running live/.test(stderr) && Date.now() < deadline) await sleep(100);
    // Two moments of the run's clock once the clients have ramped up. On a busy machine the newest scrape at 3 s
    // can predate the ramp (30 open seen once): the moment then waits for a scrape after it, at most 3 s.
    const openNow = async () => value(await prometheus.query('sum(stickler_connections_open{scenario="live"})'));
    const open: number[] = [];
    for (const gap of [3000, 3000]) {
      await sleep(gap);
      let now = await openNow();
      for (let i = 0; i < 6 && !(now > 100); i++) now = await sleep(500).then(openNow);
      open.push(now);
    }
    const result = await run.done;
    assert.equal(result.code, 0, stderr);
    assert.match(stderr, new RegExp(`metrics: http://127\\.0\\.0\\.1:${port}/metrics`));
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
    t.diagnostic(`open at 3 s and 6 s: ${open.join(', ')} (peak ${summary.connections.peak_open})`);
    assert.ok(
      open.every((n) => n > 100 && n <= 150),
      `open: ${open}`,
    );
    const reconnects = byLabel(
      await prometheus.query('last_over_time(stickler_reconnects_total{scenario="live"}[1m])'),
      'outcome',
    );
    const s = summary.stickiness;
    t.diagnostic(
      `reconnects in Prometheus ${JSON.stringify(reconnects)}; summary sticky ${s.sticky}, failover ${s.failovers}, violation ${s.violations}`,
    );
    assert.deepEqual(reconnects, { sticky: s.sticky, failover: s.failovers, violation: s.violations });
    assert.equal(
      value(await prometheus.query('last_over_time(stickler_messages_sent_total{scenario="live"}[1m])')),
      summary.messages.sent,
    );
    assert.equal(
      value(await prometheus.query('last_over_time(stickler_message_rtt_seconds_count{scenario="live"}[1m])')),
      summary.latency.message.count,
    );
    // The endpoint closed with the run.
    assert.equal(
      await fetch(`http://127.0.0.1:${port}/metrics`).then(
        () => 'open',
        () => 'closed',
      ),
      'closed',
    );
  }
});

test('two shards with --metrics on two ports, one Prometheus: the summed counters equal the merged summary', async (t) => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash());
  const shardPorts = ports.slice(1);
  try {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 's.yaml'),
      `name: shards-live\ntarget: { url: ws://placeholder/, backends: [backend1, backend2, backend3] }\nclients: { count: 200, ramp: 1s, addresses: { pool: 127.98.0.0/16 } }\nduration: 6s\ntraffic: { interval: 300ms }\nchurn: { drop_every: 2s, change_address: 30% }\n`,
    );
    const startAt = String(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    const shards = shardPorts.map((port, index) =>
      startCli(
        [
          'run',
          's.yaml',
          '--url',
          setup.url,
          '--shard',
          `${index}/2`,
          '--start-at',
          startAt,
          '--out',
          `shard${index}`,
          '--quiet',
          '--metrics',
          String(port),
        ],
        dir,
      ),
    );
    for (const shard of shards) assert.equal((await shard.done).code, 0);
    const merged = await runCli(['merge', 'shard0', 'shard1', '--out', 'merged', '--quiet'], dir);
    assert.equal(merged.code, 0, merged.stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'merged', 'summary.json'), 'utf8')) as Summary;
    const sum = async (metric: string) =>
      value(await prometheus.query(`sum(last_over_time(${metric}{scenario="shards-live"}[1m]))`));
    const bySource = byLabel(
      await prometheus.query(
        'count by (shard) (last_over_time(stickler_messages_sent_total{scenario="shards-live"}[1m]))',
      ),
      'shard',
    );
    t.diagnostic(
      `sent: Prometheus ${await sum('stickler_messages_sent_total')}, merged ${summary.messages.sent}; reconnects ${await sum('stickler_reconnects_total')} vs ${summary.stickiness.sticky + summary.stickiness.violations + summary.stickiness.failovers}`,
    );
    assert.deepEqual(Object.keys(bySource).sort(), ['0', '1']);
    assert.equal(await sum('stickler_messages_sent_total'), summary.messages.sent);
    assert.equal(
      await sum('stickler_reconnects_total'),
      summary.stickiness.sticky + summary.stickiness.violations + summary.stickiness.failovers,
    );
    assert.equal(await sum('stickler_message_rtt_seconds_count'), summary.latency.message.count);
  } finally {
    await setup.stop();
  }
});

test('--metrics on a port in use: exit 3 before the run starts, naming the port', async () => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => busy.once('listening', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 's.yaml'),
      'name: busy\ntarget: { stack: nginx-round-robin }\nclients: { count: 5 }\nduration: 2s\n',
    );
    const started = Date.now();
    const result = await runCli(['run', 's.yaml', '--out', 'out', '--metrics', String(port)], dir);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, new RegExp(`--metrics ${port}: 127\\.0\\.0\\.1:${port} is in use`));
    assert.ok(Date.now() - started < 5000);
    assert.equal(fs.existsSync(path.join(dir, 'out', 'summary.json')), false);
  } finally {
    busy.close();
  }
});
