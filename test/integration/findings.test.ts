import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seedNginxIpHash, startSeedSetup } from '../helpers/seed-stack.js';

/**
 * A failing run says why and what to change: findings computed from what it measured, in the
 * terminal, summary.json, summary.md and the JUnit failure a CI reviewer reads.
 */

async function run(
  yaml: string,
  extra: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string; summary: Summary; dir: string }> {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), yaml);
  const result = await runCli(
    ['run', 'scenario.yaml', '--out', 'out', '--junit', 'out/junit.xml', '--quiet', ...extra],
    dir,
  );
  const file = path.join(dir, 'out', 'summary.json');
  assert.ok(fs.existsSync(file), `no summary (exit ${result.code}):\n${result.stderr}`);
  return { ...result, dir, summary: JSON.parse(fs.readFileSync(file, 'utf8')) as Summary };
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, 'out', file), 'utf8');

test('carrier NAT on nginx-ip-hash ends with the cause (one /24, ip_hash) and the fix in every output', async () => {
  const { code, stdout, summary, dir } = await run(`name: nat-finding
target: { stack: nginx-ip-hash, backends: 3 }
clients: { count: 300, ramp: 1s, addresses: { pool: 127.100.9.0/24, per_address: 50 } }
duration: 4s
traffic: { interval: 1s }
thresholds:
  distribution.imbalance: "< 1.5"
`);
  assert.equal(code, 1);
  const finding = summary.findings.find((f) => f.rule === 'affinity-by-subnet');
  assert.ok(finding, JSON.stringify(summary.findings));
  assert.equal(finding.severity, 'error');
  assert.deepEqual(finding.explains, ['distribution.imbalance']);
  assert.match(
    finding.cause,
    /300 clients came from 6 addresses in one \/24.*nginx ip_hash keys on the first three octets/,
  );
  assert.match(finding.evidence, /imbalance 3: b\d took 100% of 300 connections/);
  assert.match(finding.fix, /cookie SERVERID insert/);
  assert.match(
    stdout,
    /finding \(error\): 300 clients came from 6 addresses[^\n]*\n {2}evidence: imbalance 3[^\n]*\n {2}fix: key on something the client keeps/,
  );
  assert.match(
    read(dir, 'summary.md'),
    /\*\*Findings\*\*[\s\S]*❌ \*\*300 clients came from 6 addresses[\s\S]*fix: key on something the client keeps/,
  );
  const junit = read(dir, 'junit.xml');
  assert.match(
    junit,
    /<failure message="distribution.imbalance was 3, limit &lt; 1.5: 300 clients came from 6 addresses[^"]*; fix: key on something the client keeps/,
  );
  assert.match(junit, /why: 300 clients came from[\s\S]*fix: key on something/);
});

test("a user's ip_hash nginx with address changes and a short idle cut-off: the causes, and a violation rate that is the share of moves", async (t) => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash({ readTimeout: '2s' }));
  try {
    const { summary, stdout, dir } = await run(`name: iphash-mobile
target: { url: ${setup.url}, backends: [backend1, backend2, backend3] }
clients: { count: 240, ramp: 1s, addresses: { pool: 127.81.0.0/12 } }
duration: 12s
seed: 3
traffic: { interval: 500ms }
churn: { drop_every: 2s, change_address: 25%, backoff: { initial: 100ms, max: 1s } }
idle:
  - { at: 3s, for: 5s, clients: 10% }
thresholds:
  stickiness.violation_rate: "< 0.01"
`);
    const s = summary.stickiness;
    t.diagnostic(
      `stickiness ${JSON.stringify(s)}; idle cut after ${summary.disconnects.idle_cut_after_s} s (${summary.disconnects.idle_timeouts} cuts)`,
    );
    assert.ok(s.reconnects > 500, JSON.stringify(s));
    // About a quarter of the reconnects come from a new address, and about two in three of those hash elsewhere.
    const changedShare = s.address_changes / s.reconnects;
    assert.ok(changedShare > 0.18 && changedShare < 0.32, `address changes ${s.address_changes} of ${s.reconnects}`);
    const moved = s.violations_by_cause.address_changed ?? 0;
    assert.ok(
      moved / s.address_changes > 0.45 && moved / s.address_changes < 0.85,
      `${moved} of ${s.address_changes} changes moved`,
    );
    // Home follows the client: the rate is the share of reconnects that moved, nothing more.
    assert.ok(Math.abs(s.violation_rate - moved / (s.sticky + s.violations)) < 0.02, JSON.stringify(s));
    const byAddress = summary.findings.find((f) => f.rule === 'affinity-by-address');
    assert.ok(byAddress && byAddress.severity === 'error', JSON.stringify(summary.findings));
    assert.match(byAddress.fix, /cookie SERVERID insert|hash \$arg_session/);
    const idle = summary.findings.find((f) => f.rule === 'idle-cut');
    assert.ok(idle, JSON.stringify(summary.findings));
    assert.ok(
      summary.disconnects.idle_cut_after_s! > 1.5 && summary.disconnects.idle_cut_after_s! < 3.5,
      `cut after ${summary.disconnects.idle_cut_after_s}`,
    );
    assert.match(idle.fix, /traffic\.ping[^;]*below the cut-off of about [\d.]+ s, e\.g\. 1s/);
    assert.match(stdout, /finding \(warning\): connections were cut while their clients were silent/);
    assert.match(read(dir, 'summary.md'), /reconnects from a new address landed on another backend/);
    assert.match(
      read(dir, 'junit.xml'),
      /stickiness.violation_rate was [\d.]+, limit &lt; 0.01: reconnects from a new address/,
    );
  } finally {
    await setup.stop();
  }
});

/** A service that names itself its own way, in a header or nested in its first message. */
async function selfNamingService(
  name: (index: number) => { header?: string; message?: unknown },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  let count = 0;
  const assigned = new WeakMap<object, number>();
  wss.on('headers', (headers, request) => {
    const index = count++ % 3;
    assigned.set(request, index);
    const header = name(index).header;
    if (header) headers.push(`X-Served-By: ${header}`);
  });
  wss.on('connection', (ws, request) => {
    const message = name(assigned.get(request) ?? 0).message;
    if (message) ws.send(JSON.stringify(message));
    ws.on('message', (data) => ws.send(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

test('unidentified connections: what the server sent, and the identify line that matches it (which then works)', async () => {
  const byHeader = await selfNamingService((index) => ({ header: `srv-${index + 1}` }));
  const nested = await selfNamingService((index) => ({
    message: { type: 'hello', meta: { node: `srv-${index + 1}`, ts: 1 } },
  }));
  try {
    const scenario = (url: string, identify = '') => `name: self-naming
target: { url: ${url}, backends: [srv-1, srv-2, srv-3] }
${identify}
clients: { count: 30 }
duration: 2s
traffic: { interval: 500ms }
`;
    const header = await run(scenario(byHeader.url));
    assert.equal(header.summary.stickiness.unidentified, 30);
    assert.ok(
      header.summary.identification!.headers.some((h) => /^x-served-by: srv-\d$/.test(h)),
      JSON.stringify(header.summary.identification),
    );
    assert.equal(header.summary.identification!.suggestion, 'identify: { header: x-served-by }');
    const finding = header.summary.findings.find((f) => f.rule === 'unidentified');
    assert.ok(finding, JSON.stringify(header.summary.findings));
    assert.match(finding.evidence, /101 header "x-served-by: srv-\d"/);
    assert.match(finding.fix, /^identify: \{ header: x-served-by \}/);
    assert.match(header.stdout, /fix: identify: \{ header: x-served-by \}/);

    const message = await run(scenario(nested.url));
    assert.equal(message.summary.identification!.suggestion, 'identify: { message_field: meta.node }');
    assert.match(
      message.summary.findings.find((f) => f.rule === 'unidentified')!.evidence,
      /first message "\{\\"type\\":\\"hello\\",\\"meta\\":\{\\"node\\":\\"srv-\d/,
    );

    // The suggested line, pasted in, identifies every connection.
    const fixed = await run(scenario(nested.url, 'identify: { message_field: meta.node }'));
    assert.equal(fixed.summary.stickiness.unidentified, 0);
    assert.deepEqual(
      fixed.summary.distribution.backends.map((b) => [b.id, b.connections]),
      [
        ['srv-1', 10],
        ['srv-2', 10],
        ['srv-3', 10],
      ],
    );
    assert.equal(
      fixed.summary.findings.find((f) => f.rule === 'unidentified'),
      undefined,
    );
  } finally {
    await byHeader.close();
    await nested.close();
  }
});

test('a service at /ws that does not echo: the 404 elsewhere names target.path, the silence names the echo', async () => {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (request, socket, head) => {
    if (request.url !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => ws.on('message', () => ws.send(JSON.stringify({ type: 'ack' }))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const scenario = (url: string) => `name: json-service
target: { url: ${url} }
clients: { count: 10 }
duration: 2s
traffic: { interval: 200ms }
thresholds:
  handshake.error_rate: "< 0.01"
`;
    // Refused from the first attempt: the start-up check says so at once, with the fix.
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'scenario.yaml'), scenario(`${base}/`));
    const wrongPath = await runCli(['run', 'scenario.yaml', '--quiet'], dir);
    assert.equal(wrongPath.code, 3, wrongPath.stderr);
    assert.match(
      wrongPath.stderr,
      /refused with 404: nothing serves WebSockets at this path; set target\.path \(e\.g\. \/ws\)/,
    );

    const silent = await run(scenario(`${base}/ws`));
    const noReplies = silent.summary.findings.find((f) => f.rule === 'no-replies');
    assert.ok(noReplies, JSON.stringify(silent.summary.findings));
    assert.match(noReplies.evidence, /^\d+ messages sent, 0 replies matched/);
  } finally {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});
