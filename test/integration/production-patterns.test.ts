// test: heavy: its load and timings need the machine's other core free of another heavy file
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { ManagedStack } from '../../src/stack/managed-stack.js';
import { ROOT, runCli, tempDir, writeScenario } from '../helpers/cli.js';

/** The seed article's production patterns (issue 15): health checks that see WebSocket readiness, redispatch. */

async function compare(
  yaml: string,
  stacks: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; summaries: Summary[] }> {
  const dir = tempDir();
  const file = writeScenario(yaml, dir);
  const out = path.join(dir, 'out');
  const result = await runCli([
    'compare',
    file,
    ...stacks.flatMap((stack) => ['--stack', stack]),
    '--out',
    out,
    '--quiet',
  ]);
  const compared = JSON.parse(fs.readFileSync(path.join(out, 'compare.json'), 'utf8')) as {
    stacks: { summary: Summary }[];
  };
  return { ...result, summaries: compared.stacks.map((entry) => entry.summary) };
}

test("a wedged backend (/health 200, upgrades refused): HAProxy's http check keeps sending clients to it, the seed's ws check takes it out", async () => {
  const { summaries, stdout, stderr } = await compare(
    `name: wedged
target: { stack: haproxy-cookie }
clients: { count: 300, ramp: 2s, addresses: { pool: 127.71.0.0/16 } }
duration: 18s
seed: 15
traffic: { interval: 500ms }
churn: { drop_every: 3s, backoff: { initial: 100ms, max: 1s } }
events:
  - { at: 5s, action: wedge, backend: b2 }
`,
    ['haproxy-cookie?health=http', 'haproxy-cookie?health=ws'],
  );
  const [http, ws] = summaries;
  assert.ok(http && ws, stderr);
  assert.equal(http.events[0].ok, true, JSON.stringify(http.events));
  // Under http, b2 stays UP: its cookie clients keep going back and get 503s.
  assert.ok(http.connections.failed >= 50, `http: ${http.connections.failed} failed handshakes`);
  assert.ok((http.handshake.errors_by_status['503'] ?? 0) >= 50, JSON.stringify(http.handshake));
  // Under ws, the tcp-check sees no 101: HAProxy takes b2 out and its clients fail over.
  assert.ok(ws.stickiness.failovers >= 60, `ws: ${ws.stickiness.failovers} failovers`);
  assert.ok(
    ws.connections.failed <= http.connections.failed / 3,
    `ws ${ws.connections.failed} vs http ${http.connections.failed} failed`,
  );
  assert.ok(ws.disconnects.by_close_code['1011'] >= 30, JSON.stringify(ws.disconnects));
  assert.match(stdout, /errors by status/);
});

test("redispatch off against on after a kill: without it the dead server's cookie clients get 503s", async () => {
  const { summaries, stdout } = await compare(
    `name: redispatch
target: { stack: haproxy-cookie }
clients: { count: 150, ramp: 1s, addresses: { pool: 127.72.0.0/16 } }
duration: 8s
seed: 16
traffic: { interval: 500ms }
churn: { drop_every: 2s, backoff: { initial: 100ms, max: 500ms } }
events:
  - { at: 3s, action: kill, backend: b2 }
`,
    ['haproxy-cookie?redispatch=false', 'haproxy-cookie'],
  );
  const [off, on] = summaries;
  assert.ok((off.handshake.errors_by_status['503'] ?? 0) >= 10, JSON.stringify(off.handshake));
  assert.ok(
    (on.handshake.errors_by_status['503'] ?? 0) < (off.handshake.errors_by_status['503'] ?? 0) / 2,
    JSON.stringify(on.handshake),
  );
  assert.match(stdout, /errors by status +│ [^│]*503: \d+/);
});

test('TLS at the proxy: wss:// with a certificate made for the run, trusted by its clients only', async () => {
  const dir = tempDir();
  const haproxy = await runCli([
    'run',
    writeScenario(
      `name: tls-haproxy
target: { stack: haproxy-cookie, tls: true }
clients: { count: 200, ramp: 1s, addresses: { pool: 127.73.0.0/16 } }
duration: 8s
traffic: { interval: 500ms }
churn: { drop_every: 2s, backoff: { initial: 100ms, max: 1s }, change_address: 100% }
`,
      dir,
    ),
    '--out',
    path.join(dir, 'haproxy'),
    '--quiet',
  ]);
  assert.equal(haproxy.code, 0, haproxy.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'haproxy', 'summary.json'), 'utf8')) as Summary;
  assert.match(summary.target_url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(summary.connections.failed, 0);
  assert.ok(summary.stickiness.reconnects >= 200, JSON.stringify(summary.stickiness));
  assert.equal(summary.stickiness.violations, 0, 'the cookie keeps every reconnect home from any address');
  const counts = summary.backend_counts as Record<string, { forwarded_proto: Record<string, number> }>;
  assert.ok(
    Object.values(counts).every((backend) => Object.keys(backend.forwarded_proto).join() === 'https'),
    JSON.stringify(counts),
  );
  assert.match(haproxy.stdout, /handshake \(TCP\+TLS\+upgrade\)/);
  assert.ok(
    fs.existsSync(path.join(dir, 'haproxy', 'stack', 'tls-cert.pem')),
    'the certificate is kept in the run folder',
  );

  const nginx = await runCli([
    'run',
    writeScenario(
      'name: tls-nginx\ntarget: { stack: nginx-round-robin, tls: true }\nclients: { count: 50 }\nduration: 2s\ntraffic: { interval: 200ms }\n',
      dir,
    ),
    '--out',
    path.join(dir, 'nginx'),
    '--quiet',
  ]);
  assert.equal(nginx.code, 0, nginx.stderr);
  const nginxSummary = JSON.parse(fs.readFileSync(path.join(dir, 'nginx', 'summary.json'), 'utf8')) as Summary;
  assert.ok(
    nginxSummary.target_url.startsWith('wss://') &&
      nginxSummary.connections.failed === 0 &&
      nginxSummary.messages.received > 0,
  );
});

test('a wss:// url target: trusted with tls.ca, refused without it (exit 3 before the run)', async () => {
  const loaded = parseScenarioText(
    'inline',
    'name: tls-target\ntarget: { stack: haproxy-round-robin, tls: true, backends: 2 }\nclients: { count: 20 }\nduration: 1m\n',
  );
  assert.ok(loaded.ok);
  const stackDir = tempDir();
  const stack = new ManagedStack(loaded.plan, { logDir: stackDir });
  await stack.start();
  try {
    const dir = tempDir();
    fs.copyFileSync(path.join(stackDir, 'stack', 'tls-cert.pem'), path.join(dir, 'staging-ca.pem'));
    const trusted = await runCli([
      'run',
      writeScenario(
        `name: wss-ca\ntarget: { url: "${stack.urls[0]}", tls: { ca: staging-ca.pem } }\nclients: { count: 20 }\nduration: 2s\ntraffic: { interval: 200ms }\n`,
        dir,
      ),
      '--out',
      path.join(dir, 'trusted'),
      '--quiet',
    ]);
    assert.equal(trusted.code, 0, trusted.stderr);
    const untrusted = await runCli([
      'run',
      writeScenario(
        `name: wss-plain\ntarget: { url: "${stack.urls[0]}" }\nclients: { count: 20 }\nduration: 2s\n`,
        tempDir(),
      ),
      '--out',
      path.join(dir, 'untrusted'),
      '--quiet',
    ]);
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.stderr, /unreachable: .*self.signed certificate/i);
  } finally {
    await stack.stop();
  }
});

test('the layered chain nginx (TLS) -> HAProxy (cookie) -> backends keeps every reconnect home; an HTTP/1.0 nginx breaks it, and stickler says where', async () => {
  const dir = tempDir();
  const chain = await runCli([
    'run',
    writeScenario(
      `name: chain
target: { stack: nginx-haproxy-cookie, tls: true }
clients: { count: 300, ramp: 1s, addresses: { pool: 127.74.0.0/16 } }
duration: 8s
traffic: { interval: 500ms }
churn: { drop_every: 2s, backoff: { initial: 100ms, max: 1s }, change_address: 100% }
`,
      dir,
    ),
    '--out',
    path.join(dir, 'chain'),
    '--quiet',
  ]);
  assert.equal(chain.code, 0, chain.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'chain', 'summary.json'), 'utf8')) as Summary;
  assert.match(summary.target_url, /^wss:/);
  assert.equal(summary.connections.failed, 0);
  assert.ok(summary.stickiness.reconnects >= 300, JSON.stringify(summary.stickiness));
  assert.equal(summary.stickiness.violations, 0, 'the SERVERID cookie passes through nginx both ways');
  assert.ok(
    fs.readFileSync(path.join(dir, 'chain', 'stack', 'haproxy.cfg'), 'utf8').includes('cookie SERVERID insert'),
  );
  assert.ok(
    fs.readFileSync(path.join(dir, 'chain', 'stack', 'nginx-front.conf'), 'utf8').includes('proxy_http_version 1.1'),
  );

  const broken = await runCli([
    'run',
    writeScenario(
      `name: broken-chain
target: { stack: { proxy: nginx, config: ${path.join(ROOT, 'scenarios/configs/nginx-http10-chain.conf')} }, backends: 2 }
clients: { count: 20 }
duration: 2s
`,
      tempDir(),
    ),
    '--out',
    path.join(dir, 'broken'),
    '--quiet',
  ]);
  assert.equal(broken.code, 3);
  assert.match(broken.stderr, /the upgrade was refused on the way: backend b\d answered 426 \(through nginx\/[\d.]+\)/);
  assert.match(broken.stderr, /proxy_http_version 1\.1/);
});
