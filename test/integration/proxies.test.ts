import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ManagedStack } from '../../src/stack/managed-stack.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { runCli, runScenario, strayProcesses, tempDir, writeScenario } from '../helpers/cli.js';

const backendsUsed = (summary: { distribution: { backends: { id: string; connections: number }[] } }) =>
  summary.distribution.backends.filter((b) => b.connections > 0).map((b) => b.id);

test('nginx-ip-hash: 300 clients in one /24 land on one backend; many /24s reach all backends', async () => {
  const oneSubnet = await runScenario(`name: nat-one-24
target: { stack: nginx-ip-hash }
clients: { count: 300, ramp: 1s, addresses: { pool: 127.77.5.0/24 } }
duration: 4s
traffic: { interval: 500ms }
`);
  assert.equal(oneSubnet.result.code, 0, oneSubnet.result.stderr);
  assert.equal(oneSubnet.summary.connections.opened, 300);
  assert.equal(backendsUsed(oneSubnet.summary).length, 1, JSON.stringify(oneSubnet.summary.distribution));
  assert.equal(oneSubnet.summary.distribution.imbalance, 3);

  const spread = await runScenario(`name: many-24s
target: { stack: nginx-ip-hash }
clients: { count: 300, ramp: 1s, addresses: { pool: 127.80.0.0/12 } }
duration: 4s
traffic: { interval: 500ms }
`);
  assert.equal(spread.result.code, 0, spread.result.stderr);
  assert.deepEqual(backendsUsed(spread.summary), ['b1', 'b2', 'b3']);
  assert.ok(spread.summary.distribution.imbalance < 1.5, `imbalance ${spread.summary.distribution.imbalance}`);
});

test('haproxy-cookie: the 101 response sets SERVERID and a reconnect replaying it lands on the same backend', async () => {
  const loaded = parseScenarioText(
    'inline',
    'name: cookie-probe\ntarget: { stack: haproxy-cookie }\nclients: { count: 10 }\nduration: 1m\n',
  );
  assert.ok(loaded.ok);
  const stack = new ManagedStack(loaded.plan, { logDir: tempDir() });
  try {
    await stack.start();
    const first = await handshake(stack.urls[0]);
    const cookie = first.setCookie.find((c) => c.startsWith('SERVERID='));
    assert.ok(cookie, `no SERVERID cookie on the 101 response: ${first.setCookie}`);
    const serverId = cookie.split(';')[0].split('=')[1];
    assert.equal(serverId, first.backend);
    for (let i = 0; i < 6; i++) {
      const again = await handshake(stack.urls[0], `SERVERID=${serverId}`);
      assert.equal(again.backend, first.backend, 'a replayed cookie must return to the same backend');
    }
    // Without the cookie, leastconn spreads new handshakes over the backends.
    const without = new Set<string>();
    for (let i = 0; i < 6; i++) without.add((await handshake(stack.urls[0])).backend);
    assert.ok(without.size > 1, `handshakes without a cookie all went to ${[...without]}`);
    const view = (await stack.proxyView()) as { servers: { server: string; status: string }[] };
    assert.deepEqual(
      view.servers.map((s) => [s.server, s.status]),
      [
        ['b1', 'UP'],
        ['b2', 'UP'],
        ['b3', 'UP'],
      ],
    );
  } finally {
    await stack.stop();
  }
});

function handshake(url: string, cookie?: string): Promise<{ backend: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: cookie ? { cookie } : {} });
    let setCookie: string[] = [];
    let backend = '';
    ws.on('upgrade', (response) => {
      setCookie = response.headers['set-cookie'] ?? [];
      backend = String(response.headers['x-backend-id']);
    });
    ws.on('open', () => {
      ws.close();
      resolve({ backend, setCookie });
    });
    ws.on('error', reject);
  });
}

const churn = (name: string, stack: string, cookies = true) => `name: ${name}
target: { stack: ${stack} }
clients: { count: 150, ramp: 1s, cookies: ${cookies}, addresses: { pool: 127.90.0.0/16 } }
duration: 8s
seed: 3
traffic: { interval: 250ms }
churn: { drop_every: 2s, backoff: { initial: 50ms, max: 500ms } }
`;

test('haproxy-cookie with churn: cookies kept stay sticky, cookies off do not', async () => {
  const kept = await runScenario(churn('cookie-kept', 'haproxy-cookie'));
  assert.equal(kept.result.code, 0, kept.result.stderr);
  assert.ok(kept.summary.stickiness.reconnects > 200, `reconnects ${kept.summary.stickiness.reconnects}`);
  assert.equal(kept.summary.stickiness.violations, 0);
  assert.equal(kept.summary.stickiness.sticky, kept.summary.stickiness.reconnects);
  assert.deepEqual(kept.summary.warnings, [], 'HAProxy show stat agrees with the tool');

  const off = await runScenario(churn('cookie-off', 'haproxy-cookie', false));
  assert.ok(off.summary.stickiness.violation_rate > 0.3, `violation rate ${off.summary.stickiness.violation_rate}`);
  assert.ok(
    (off.summary.stickiness.violations_by_cause.cookie_absent ?? 0) > 0,
    JSON.stringify(off.summary.stickiness),
  );
});

test('round robin: HAProxy spreads evenly; nginx with churn turns most reconnects into violations', async () => {
  const haproxy = await runScenario(`name: hrr
target: { stack: haproxy-round-robin }
clients: { count: 300, ramp: 1s }
duration: 3s
traffic: { interval: 500ms }
`);
  assert.equal(haproxy.result.code, 0, haproxy.result.stderr);
  for (const backend of haproxy.summary.distribution.backends)
    assert.equal(backend.connections, 100, JSON.stringify(haproxy.summary.distribution));
  assert.equal(haproxy.summary.distribution.imbalance, 1);

  const nginx = await runScenario(churn('nrr', 'nginx-round-robin'));
  assert.equal(nginx.result.code, 0, nginx.result.stderr);
  assert.ok(nginx.summary.stickiness.reconnects > 200);
  assert.ok(nginx.summary.stickiness.violation_rate > 0.5, `violation rate ${nginx.summary.stickiness.violation_rate}`);
  assert.equal(nginx.summary.stickiness.failovers, 0);
});

test('your own config: a template is filled in and run; a rejected one exits 2 with the proxy’s words', async () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'my-nginx.conf'),
    `events { worker_connections 1024; }
http {
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    upstream app { least_conn;
        {{servers}}
    }
    server {
        listen {{listen}};
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }
    }
}
`,
  );
  const scenario = (config: string) =>
    `name: own-config\ntarget: { stack: { proxy: nginx, config: ${config} }, backends: 2 }\nclients: { count: 40 }\nduration: 2s\ntraffic: { interval: 200ms }\n`;
  const good = writeScenario(scenario('my-nginx.conf'), dir);
  const ok = await runCli(['run', good, '--quiet', '--out', path.join(dir, 'out')]);
  assert.equal(ok.code, 0, ok.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8'));
  assert.equal(summary.stack, 'custom-nginx');
  assert.deepEqual(backendsUsed(summary), ['b1', 'b2']);

  fs.writeFileSync(
    path.join(dir, 'broken.conf'),
    'events {}\nhttp { server { listen {{listen}}; bogus_directive on; } upstream x { {{servers}} } }\n',
  );
  const badDir = tempDir();
  fs.copyFileSync(path.join(dir, 'broken.conf'), path.join(badDir, 'broken.conf'));
  const bad = await runCli([
    'run',
    writeScenario(scenario('broken.conf'), badDir),
    '--quiet',
    '--out',
    path.join(badDir, 'out'),
  ]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /nginx rejected the config .*nginx.conf/);
  assert.match(bad.stderr, /unknown directive "bogus_directive"/);
  assert.deepEqual(strayProcesses(badDir), []);
  assert.deepEqual(strayProcesses('dist/src/stack/backends/backend-process.js'), []);
});

test('a scenario HAProxy cannot hold on this machine exits 3 before it starts', async () => {
  const file = writeScenario(
    'name: too-big\ntarget: { stack: haproxy-leastconn }\nclients: { count: 12000 }\nduration: 5s\n',
  );
  const result = await runCli(['run', file, '--quiet', '--out', path.join(tempDir(), 'out')]);
  assert.equal(result.code, 3);
  assert.match(
    result.stderr,
    /HAProxy runs as one process and holds at most about 9800 proxied connections with this machine.s 20000 open files/,
  );
});

test('via x-forwarded-for: ip_hash on the real-IP header piles one /24 onto one backend and spreads many /24s', async () => {
  const scenario = (pool: string, perAddress: number, stack = 'nginx-ip-hash-xff') => `name: xff
target: { stack: ${stack} }
clients: { count: 1000, ramp: 1s, addresses: { pool: ${pool}, per_address: ${perAddress}, via: x-forwarded-for } }
duration: 4s
traffic: { interval: 1s }
`;
  // 100.64.0.0/10 is the carriers' shared address space: sent in a header, it is never bound.
  const nat = await runScenario(scenario('100.64.7.0/24', 250));
  assert.equal(nat.result.code, 0, nat.result.stderr);
  assert.equal(nat.summary.connections.opened, 1000);
  assert.equal(backendsUsed(nat.summary).length, 1, JSON.stringify(nat.summary.distribution));

  const spread = await runScenario(scenario('100.64.0.0/10', 1));
  assert.equal(spread.result.code, 0, spread.result.stderr);
  assert.ok(spread.summary.distribution.imbalance < 1.3, `imbalance ${spread.summary.distribution.imbalance}`);

  const haproxy = await runScenario(scenario('100.64.7.0/24', 250, 'haproxy-hash-xff'));
  assert.equal(haproxy.result.code, 0, haproxy.result.stderr);
  // HAProxy hashes the whole header value: each NAT group of 250 lands whole on one backend.
  const counts = haproxy.summary.distribution.backends.map((b) => b.connections);
  assert.equal(
    counts.reduce((sum, n) => sum + n, 0),
    1000,
  );
  assert.ok(
    counts.every((n) => n % 250 === 0),
    `counts ${counts}`,
  );
});
