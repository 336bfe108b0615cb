import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { runCli, tempDir } from '../helpers/cli.js';

const NGINX_IP_HASH = `# my production nginx, as a template
events { worker_connections 2048; }
http {
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    upstream app {
        ip_hash;
        {{servers}}
    }
    server {
        listen {{listen}};
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }
    }
}
`;

const HAPROXY_COOKIE = `global
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
frontend ws
    bind {{listen}}
    default_backend app
backend app
    balance leastconn
    cookie SERVERID insert indirect nocache
{{servers}}
`;

const SCENARIO = `name: own-compare
target: { stack: direct }
clients: { count: 90, ramp: 1s, addresses: { pool: 127.102.7.0/24, per_address: 15 } }
duration: 4s
seed: 3
traffic: { interval: 500ms }
churn: { drop_every: 1500ms, backoff: { initial: 100ms, max: 500ms } }
thresholds:
  distribution.imbalance: "< 1.5"
`;

test('compare: your own nginx and HAProxy configs (PROXY:FILE, relative to where you stand), labelled as given everywhere', async () => {
  const cwd = tempDir();
  fs.mkdirSync(path.join(cwd, 'own'));
  fs.writeFileSync(path.join(cwd, 'own', 'my-ip-hash.conf'), NGINX_IP_HASH);
  fs.writeFileSync(path.join(cwd, 'own', 'my-cookie.cfg'), HAPROXY_COOKIE);
  fs.writeFileSync(path.join(cwd, 'scn.yaml'), SCENARIO);
  const result = await runCli(
    [
      'compare',
      'scn.yaml',
      '--stack',
      'nginx:own/my-ip-hash.conf',
      '--stack',
      'haproxy:own/my-cookie.cfg',
      '--out',
      'cmp',
      '--quiet',
    ],
    cwd,
  );
  assert.equal(result.code, 1, `ip_hash puts the carrier /24 on one backend: ${result.stderr}`);
  assert.match(result.stdout, /│\s+│ nginx:own\/my-ip-hash\.conf │ haproxy:own\/my-cookie\.cfg │/);
  const compare = JSON.parse(fs.readFileSync(path.join(cwd, 'cmp', 'compare.json'), 'utf8'));
  assert.deepEqual(
    compare.stacks.map((s: { stack: string; verdict: string }) => [s.stack, s.verdict]),
    [
      ['nginx:own/my-ip-hash.conf', 'fail'],
      ['haproxy:own/my-cookie.cfg', 'pass'],
    ],
  );
  assert.equal(compare.stacks[0].summary.stack, 'custom-nginx');
  assert.equal(compare.stacks[0].summary.label, 'nginx:own/my-ip-hash.conf');
  assert.equal(compare.stacks[0].summary.distribution.imbalance, 3);
  for (const folder of compare.stacks.map((s: { folder: string }) => s.folder))
    assert.ok(fs.existsSync(path.join(cwd, 'cmp', folder, 'summary.json')), folder);
  assert.match(
    fs.readFileSync(path.join(cwd, 'cmp', 'compare.html'), 'utf8'),
    /<th>nginx:own\/my-ip-hash\.conf<\/th><th>haproxy:own\/my-cookie\.cfg<\/th>/,
  );
});

test('compare: --url LABEL=URL targets side by side, the labels naming the columns; two variants of one preset get their own names', async () => {
  const servers = await Promise.all(
    ['a1', 'b1'].map(async (id) => {
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
      server.on('headers', (headers) => headers.push(`x-backend-id: ${id}`));
      server.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
      await new Promise((resolve) => server.once('listening', resolve));
      return server;
    }),
  );
  try {
    const cwd = tempDir();
    fs.writeFileSync(
      path.join(cwd, 'scn.yaml'),
      'name: urls\ntarget: { url: ws://placeholder/, backends: 1 }\nclients: { count: 20 }\nduration: 2s\ntraffic: { interval: 200ms }\n',
    );
    const [a, b] = servers.map((server) => `ws://127.0.0.1:${(server.address() as { port: number }).port}/`);
    const result = await runCli(
      ['compare', 'scn.yaml', '--url', `staging=${a}`, '--url', `canary=${b}`, '--out', 'cmp', '--quiet'],
      cwd,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /│\s+│ staging │ canary │/);
    const compare = JSON.parse(fs.readFileSync(path.join(cwd, 'cmp', 'compare.json'), 'utf8'));
    assert.deepEqual(
      compare.stacks.map((s: { stack: string; folder: string }) => [s.stack, s.folder]),
      [
        ['staging', 'staging'],
        ['canary', 'canary'],
      ],
    );
    assert.deepEqual(
      compare.stacks.map((s: { summary: { distribution: { backends: { id: string }[] } } }) =>
        s.summary.distribution.backends.map((x) => x.id),
      ),
      [['a1'], ['b1']],
    );
    assert.match(fs.readFileSync(path.join(cwd, 'cmp', 'compare.html'), 'utf8'), /<th>staging<\/th><th>canary<\/th>/);

    const twice = await runCli(['compare', 'scn.yaml', '--url', `x=${a}`, '--url', `x=${b}`], cwd);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /x is given twice/);
  } finally {
    for (const server of servers) {
      for (const client of server.clients) client.terminate();
      server.close();
    }
  }
});
