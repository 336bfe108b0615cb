import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readTemplate, TemplateError } from '../../src/stack/custom-config.js';
import { haproxyDriver } from '../../src/stack/proxies/haproxy/driver.js';
import type { RenderContext } from '../../src/stack/proxies/proxy-driver.js';
import { renderHaproxyPreset } from '../../src/stack/proxies/haproxy/config.js';
import {
  proxiedPerProcess,
  IDLE_WORKER_FLAGS,
  QUIET_WORKER_FLAGS,
  readMachineLimits,
  sizeHaproxy,
  sizeNginx,
  workerCount,
  workerHeapFlags,
} from '../../src/stack/limits.js';
import { renderNginxPreset } from '../../src/stack/proxies/nginx/config.js';
import { tempDir } from '../helpers/cli.js';

const servers = [
  { id: 'b1', port: 9001 },
  { id: 'b2', port: 9002, down: true },
];

test('nginx presets follow the production advice and balance as named', () => {
  const text = renderNginxPreset({
    preset: 'nginx-ip-hash',
    listenPort: 8080,
    servers,
    sizing: sizeNginx(1000, 2, 20_000)!,
    workDir: '/w',
  });
  for (const line of [
    'ip_hash;',
    'proxy_http_version 1.1;',
    'proxy_set_header Connection $connection_upgrade;',
    'proxy_buffering off;',
    'proxy_read_timeout 3600s;',
    'zone ws_backends',
    'server 127.0.0.1:9002 down;',
  ]) {
    assert.ok(text.includes(line), `missing ${line}`);
  }
  assert.ok(
    renderNginxPreset({
      preset: 'nginx-hash-query',
      listenPort: 1,
      servers,
      sizing: sizeNginx(1, 2, 20_000)!,
      workDir: '/w',
    }).includes('hash $arg_sid consistent;'),
  );
});

const load = (clients: number, messagesPerSecond = clients, handshakesPerSecond = 0) => ({
  clients,
  messagesPerSecond,
  handshakesPerSecond,
});

test('sizing follows the file limit it is given: 1,024, 20,000 and 1,048,576 open files', () => {
  // 20,000 (this project's machines): one HAProxy holds ~9,800 proxied connections, nginx adds workers past that.
  assert.equal(sizeNginx(1000, 2, 20_000)?.workerProcesses, 2);
  assert.equal(sizeNginx(30_000, 2, 20_000)?.workerProcesses, 4);
  assert.equal(sizeNginx(100_000, 2, 20_000)?.workerProcesses, 13);
  assert.equal(sizeNginx(1000, 2, 20_000)?.workerConnections, 19_800);
  assert.deepEqual(sizeHaproxy(5000, 20_000, 2), { maxconn: 5100, nbthread: 2 });
  assert.equal(sizeHaproxy(9800, 20_000, 2)?.maxconn, 9900);
  assert.equal(sizeHaproxy(12_000, 20_000, 2), undefined);
  // Load workers: none forked while one process carries the load (it runs in the coordinator).
  assert.equal(workerCount(load(100), 2, 20_000), 0);
  assert.equal(workerCount(load(5000), 2, 20_000), 0);
  assert.equal(workerCount(load(5000, 50_000), 2, 20_000), 2, 'ten messages a second each: one process per core');
  assert.equal(workerCount(load(15_000), 2, 20_000), 2);
  assert.equal(workerCount(load(40_000), 2, 20_000), 3);
  assert.equal(workerCount(load(100_000, 5000), 2, 20_000), 6);

  // Workers forked for their sockets get the small-heap flags; workers forked for the messages keep V8's defaults.
  assert.deepEqual(
    workerHeapFlags(load(100_000, 20_000), 6),
    [...QUIET_WORKER_FLAGS],
    '100,000 clients, a message each 5 s',
  );
  assert.deepEqual(workerHeapFlags(load(5000, 50_000), 2), [], 'ten messages a second each');
  // Workers that mostly hold idle connections run without V8's compilers, unless the user's code runs there.
  assert.deepEqual(workerHeapFlags(load(20_000, 0), 2), [...IDLE_WORKER_FLAGS], 'idle connections');
  assert.deepEqual(workerHeapFlags(load(200_000, 0, 800), 12), [...IDLE_WORKER_FLAGS], 'a 250 s ramp to 200,000');
  assert.deepEqual(workerHeapFlags(load(20_000, 1000), 2), [...IDLE_WORKER_FLAGS], 'a message each 20 s');
  assert.deepEqual(workerHeapFlags(load(20_000, 4000), 2), [...QUIET_WORKER_FLAGS], 'a message each 5 s');
  assert.deepEqual(
    workerHeapFlags({ ...load(20_000, 0), peakMessagesPerSecond: 20_000 }, 2),
    [...QUIET_WORKER_FLAGS],
    'a persona that sends a message a second',
  );
  assert.deepEqual(workerHeapFlags({ ...load(20_000, 0), userCode: true }, 2), [...QUIET_WORKER_FLAGS], 'a module');
  assert.ok(IDLE_WORKER_FLAGS.includes('--jitless'));

  // 1,024 (a default desktop shell): few connections per process, so more processes, and HAProxy refuses early.
  assert.equal(sizeNginx(1000, 2, 1024)?.workerProcesses, 4);
  assert.equal(sizeNginx(1000, 2, 1024)?.workerConnections, 824);
  assert.equal(sizeNginx(100_000, 2, 1024), undefined, 'past 64 workers nginx is refused');
  assert.equal(sizeHaproxy(300, 1024, 2)?.maxconn, 400);
  assert.equal(sizeHaproxy(400, 1024, 2), undefined);
  assert.equal(workerCount(load(1000), 2, 1024), 2);
  assert.equal(workerCount(load(5000), 2, 1024), 7);

  // 1,048,576 (a tuned server): HAProxy holds 100,000 in one process, one load worker per core suffices.
  assert.deepEqual(sizeHaproxy(100_000, 1_048_576, 8), { maxconn: 100_100, nbthread: 8 });
  assert.equal(sizeNginx(100_000, 2, 1_048_576)?.workerProcesses, 2);
  assert.equal(workerCount(load(100_000, 5000), 2, 1_048_576), 0);
  assert.equal(workerCount(load(100_000, 5000, 1000), 2, 1_048_576), 2);
  assert.equal(proxiedPerProcess(1_048_576), 524_188);
});

test('the machine limits are read, not assumed', () => {
  const limits = readMachineLimits();
  const proc = /Max open files\s+(\d+)\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'))!;
  assert.equal(limits.filesSoft, Number(proc[1]));
  assert.equal(limits.filesHard, Number(proc[2]));
  const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  assert.deepEqual(limits.ports, { low, high, count: high - low + 1 });
});

test('haproxy-cookie inserts SERVERID, checks health, redispatches', () => {
  const text = renderHaproxyPreset({
    preset: 'haproxy-cookie',
    listenPort: 8080,
    servers,
    maxconn: 500,
    adminSocket: '/w/admin.sock',
  });
  for (const line of [
    'cookie SERVERID insert indirect nocache',
    'option redispatch',
    'server b1 127.0.0.1:9001 cookie b1 check',
    'timeout tunnel 1h',
    'stats socket /w/admin.sock',
  ]) {
    assert.ok(text.includes(line), `missing ${line}`);
  }
});

test('your own config: placeholders filled, a missing one is an error naming the file', () => {
  const dir = tempDir();
  const good = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    good,
    'global\n    maxconn 100\nfrontend f\n    bind {{listen}}\n    default_backend b\nbackend b\n{{servers}}\n',
  );
  const text = haproxyDriver.renderTemplate(readTemplate(good), {
    listenPort: 8088,
    servers,
    adminSocket: path.join(dir, 'admin.sock'),
    workDir: dir,
    clients: 10,
    files: 20_000,
    cores: 2,
    health: 'http',
    redispatch: true,
  } satisfies RenderContext);
  assert.ok(text.includes('bind 127.0.0.1:8088'));
  assert.ok(text.includes('server b1 127.0.0.1:9001 cookie b1'));
  assert.ok(text.includes(`stats socket ${dir}/admin.sock`));
  const bad = path.join(dir, 'nginx.conf');
  fs.writeFileSync(bad, 'events {}\nhttp { server { listen 8080; } }\n');
  assert.throws(
    () => readTemplate(bad),
    (error: Error) =>
      error instanceof TemplateError &&
      error.message.startsWith(`${bad}: missing placeholder {{listen}} and {{servers}}`),
  );
});

test("haproxy-cookie with health: ws renders the seed's tcp-check; redispatch: false drops option redispatch", () => {
  const ws = renderHaproxyPreset({
    preset: 'haproxy-cookie',
    listenPort: 8080,
    servers,
    maxconn: 500,
    adminSocket: '/w/admin.sock',
    health: 'ws',
    redispatch: false,
  });
  for (const line of [
    'option tcp-check',
    'tcp-check send "GET /ws-health HTTP/1.1\\r\\nHost: localhost\\r\\nUpgrade: websocket',
    'tcp-check expect string "101"',
    'cookie b1 check',
  ]) {
    assert.ok(ws.includes(line), `missing ${line}`);
  }
  assert.ok(!ws.includes('option httpchk') && !ws.includes('option redispatch'));
  const none = renderHaproxyPreset({
    preset: 'haproxy-cookie',
    listenPort: 8080,
    servers,
    maxconn: 500,
    adminSocket: '/w/admin.sock',
    health: 'none',
  });
  assert.ok(!none.includes(' check') && none.includes('option redispatch'));
});

test('Caddy presets: lb_policy, health checks on /health, retries where the preset says, the admin API on the run socket', async () => {
  const { renderCaddyPreset } = await import('../../src/stack/proxies/caddy/config.js');
  const text = renderCaddyPreset({
    preset: 'caddy-cookie',
    listenPort: 8080,
    servers: [
      { id: 'b1', port: 9001 },
      { id: 'b2', port: 9002 },
    ],
    adminSocket: '/run/x/admin.sock',
    workDir: '/w',
    health: 'http',
  });
  assert.match(text, /admin unix\/\/run\/x\/admin\.sock/);
  assert.match(text, /http:\/\/127\.0\.0\.1:8080 \{/);
  assert.match(
    text,
    /reverse_proxy 127\.0\.0\.1:9001 127\.0\.0\.1:9002 \{\n\t\tlb_policy cookie\n\t\thealth_uri \/health/,
  );
  assert.match(text, /lb_try_duration 2s/);
  const ipHash = renderCaddyPreset({
    preset: 'caddy-ip-hash',
    listenPort: 8080,
    servers: [{ id: 'b1', port: 9001 }],
    adminSocket: '/a.sock',
    workDir: '/w',
    health: 'none',
  });
  assert.doesNotMatch(ipHash, /health_uri|lb_try_duration/);
  assert.throws(
    () =>
      renderCaddyPreset({
        preset: 'nginx-ip-hash',
        listenPort: 1,
        servers: [],
        adminSocket: '',
        workDir: '',
        health: 'http',
      }),
    /not a Caddy preset/,
  );
});

test("your own Caddyfile: {{listen}} and {{servers}} filled in, stickler's admin socket put in its global block", async () => {
  const { caddyDriver } = await import('../../src/stack/proxies/caddy/driver.js');
  const context = {
    listenPort: 7000,
    servers: [{ id: 'b1', port: 7001 }],
    workDir: '/w',
    adminSocket: '/s/admin.sock',
    clients: 10,
    files: 20000,
    cores: 2,
    health: 'http' as const,
    redispatch: true,
  };
  const withGlobals = caddyDriver.renderTemplate(
    '{\n\tadmin localhost:2019\n\tauto_https off\n}\n{{listen}} {\n\treverse_proxy {{servers}}\n}\n',
    context,
  );
  assert.match(withGlobals, /^\{\n\tadmin unix\/\/s\/admin\.sock/);
  assert.doesNotMatch(withGlobals, /localhost:2019/);
  assert.match(withGlobals, /http:\/\/127\.0\.0\.1:7000 \{\n\treverse_proxy 127\.0\.0\.1:7001/);
  const bare = caddyDriver.renderTemplate('{{listen}} {\n\treverse_proxy {{servers}}\n}\n', context);
  assert.match(bare, /^\{\n\tadmin unix\/\/s\/admin\.sock\n\tauto_https off/);
});
