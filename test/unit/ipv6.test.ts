import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenarioText } from '../../src/scenario/load.js';
import { alsoListenOnIpv6 } from '../../src/stack/proxies/ipv6-listen.js';
import { bindCommands } from '../../src/stack/ipv6-binding.js';
import { parseAddressPool } from '../../src/util/address-pool.js';
import { bigIntToIpv6, ipv6Prefix, ipv6ToBigInt, parseIpv6Pool } from '../../src/util/ipv6-pool.js';
import { seededRandom } from '../../src/util/rng.js';

test('IPv6 text to value and back, in the canonical form', () => {
  for (const [text, canonical] of [
    ['fd00:5::1', 'fd00:5::1'],
    ['FD00:0005:0000:0001:0000:0000:0000:0001', 'fd00:5:0:1::1'],
    ['::1', '::1'],
    ['fd00::', 'fd00::'],
  ]) {
    assert.equal(bigIntToIpv6(ipv6ToBigInt(text)), canonical);
  }
  assert.equal(ipv6Prefix('fd00:5:0:7:1234:5678:9abc:def0', 64), 'fd00:5:0:7::');
});

test('a /48 pool gives each client its own /64, and rotation stays inside it', () => {
  const pool = parseIpv6Pool('fd00:5::/48', undefined);
  assert.ok(typeof pool !== 'string');
  assert.equal(pool.prefix, 64);
  assert.equal(pool.cidr, 'fd00:5::/48');
  const addresses = Array.from({ length: 1000 }, (_, slot) => pool.addressAt(slot));
  assert.equal(new Set(addresses.map((a) => ipv6Prefix(a, 64))).size, 1000, 'one /64 per slot');
  assert.ok(
    addresses.every((a) => a.startsWith('fd00:5:') && !a.includes('::')),
    'every address inside the pool, no group hidden in ::',
  );
  const random = seededRandom(7);
  for (const address of addresses.slice(0, 50)) {
    const rotated = pool.rotate(address, random);
    assert.notEqual(rotated, address);
    assert.equal(ipv6Prefix(rotated, 64), ipv6Prefix(address, 64));
  }
});

test('prefix 128: every client one address of the range; bad specs say why', () => {
  const pool = parseAddressPool('fd00:5:0:7::/64', { prefix: 128 });
  assert.ok(typeof pool !== 'string');
  assert.equal(pool.addressAt(0), 'fd00:5:0:7::1');
  assert.equal(pool.addressAt(1), 'fd00:5:0:7::2');
  assert.equal(pool.ipv6?.prefix, 128);
  assert.match(String(parseIpv6Pool('fd00:5::/48', 40)), /prefix 40 must be longer than the pool's \/48/);
  assert.match(String(parseIpv6Pool('fd00:5::/8', undefined)), /between \/16 and \/127/);
  assert.equal(parseAddressPool('::1', {}).toString().includes('IPv6'), false);
});

test('validation: prefix and rotate_address need an IPv6 pool', () => {
  const load = (clients: string, churn = '') =>
    parseScenarioText(
      's.yaml',
      `name: a\ntarget: { stack: nginx-ip-hash }\nclients: { count: 10, ${clients} }\nduration: 5s\n${churn}`,
    );
  const prefix = load('addresses: { pool: 127.0.0.0/16, prefix: 64 }');
  assert.ok(
    !prefix.ok && prefix.problems.some((p) => p.path === 'clients.addresses.prefix' && /IPv6 pools/.test(p.message)),
    JSON.stringify(prefix),
  );
  const rotate = load('addresses: { pool: 127.0.0.0/16 }', 'churn: { rotate_address: 0.5 }\n');
  assert.ok(!rotate.ok && rotate.problems.some((p) => p.path === 'churn.rotate_address'), JSON.stringify(rotate));
  const ok = load('addresses: { pool: "fd00:5::/48", prefix: 56 }', 'churn: { rotate_address: 50% }\n');
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(ok.plan.churn.rotateAddress, 0.5);
  assert.equal(ok.plan.clients.prefix, 56);
});

test('the outermost proxy listens on [::1] beside 127.0.0.1 (nginx, HAProxy, Caddy)', () => {
  assert.match(
    alsoListenOnIpv6('nginx', '    server {\n        listen 127.0.0.1:8080 reuseport backlog=4096;\n', 8080),
    /listen 127\.0\.0\.1:8080 reuseport backlog=4096;\n {8}listen \[::1\]:8080 reuseport backlog=4096;/,
  );
  assert.match(
    alsoListenOnIpv6('haproxy', 'frontend f\n    bind 127.0.0.1:9000\n    maxconn 10\n', 9000),
    /bind 127\.0\.0\.1:9000\n {4}bind \[::1\]:9000\n/,
  );
  const caddy = alsoListenOnIpv6('caddy', 'http://127.0.0.1:7000 {\n\tbind 127.0.0.1\n', 7000);
  assert.match(caddy, /http:\/\/127\.0\.0\.1:7000, http:\/\/\[::1\]:7000 \{/);
  assert.match(caddy, /\tbind 127\.0\.0\.1 ::1\n/);
});

test('the commands that make a pool bindable, and the one that undoes them', () => {
  const { setup, manual, undo } = bindCommands('fd00:5::/48', '0');
  assert.deepEqual(setup, [
    'ip -6 route replace local fd00:5::/48 dev lo',
    'echo 1 > /proc/sys/net/ipv6/ip_nonlocal_bind',
  ]);
  assert.deepEqual(manual, ['ip -6 route replace local fd00:5::/48 dev lo', 'sysctl -qw net.ipv6.ip_nonlocal_bind=1']);
  assert.match(undo, /ip -6 route del local fd00:5::\/48 dev lo.*echo 0 > \/proc\/sys\/net\/ipv6\/ip_nonlocal_bind/);
});
