import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignClients, shardClients, workerClients } from '../../src/engine/run/assignments.js';
import { backoffDelayMs } from '../../src/engine/client/backoff.js';
import { CookieJar } from '../../src/engine/client/cookie-jar.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { parseAddressPool, type AddressPool } from '../../src/util/address-pool.js';
import { seededRandom } from '../../src/util/rng.js';

const plan = (extra: string) => {
  const loaded = parseScenarioText('s.yaml', `name: a\ntarget: { stack: direct }\nduration: 10s\n${extra}`);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  return loaded.plan;
};

test('address pools: CIDR inside 127/8 without network and broadcast, single addresses, ::1', () => {
  const pool = parseAddressPool('127.64.0.0/30') as AddressPool;
  assert.equal(pool.size, 2);
  assert.deepEqual(
    [pool.addressAt(0), pool.addressAt(1), pool.addressAt(2)],
    ['127.64.0.1', '127.64.0.2', '127.64.0.1'],
  );
  assert.equal((parseAddressPool('::1') as AddressPool).addressAt(5), '::1');
  assert.equal((parseAddressPool('127.0.0.1') as AddressPool).isDefaultLoopback, true);
  assert.equal(typeof parseAddressPool('192.168.0.0/16'), 'string');
});

test('per_address groups clients behind one address (carrier NAT), the same for the same seed', () => {
  const p = plan('seed: 5\nclients: { count: 100, addresses: { pool: 127.64.0.0/16, per_address: 25 } }\n');
  const pool = parseAddressPool(p.clients.pool) as AddressPool;
  const first = assignClients(p, pool);
  const again = assignClients(p, pool);
  assert.deepEqual(first, again);
  assert.equal(new Set(first.map((c) => c.address)).size, 4);
  assert.equal(first[0].address, first[24].address);
  assert.notEqual(first[24].address, first[25].address);
  const otherSeed = assignClients(
    plan('seed: 6\nclients: { count: 100, addresses: { pool: 127.64.0.0/16, per_address: 25 } }\n'),
    pool,
  );
  assert.notDeepEqual(
    otherSeed.map((c) => c.address),
    first.map((c) => c.address),
  );
});

test('idle windows take exactly their share of clients', () => {
  const p = plan('clients: { count: 200 }\nidle:\n  - { at: 1s, for: 2s, clients: 20% }\n');
  const assigned = assignClients(p, parseAddressPool('127.0.0.1') as AddressPool);
  assert.equal(assigned.filter((c) => c.idle.includes(0)).length, 40);
  assert.equal(assigned[0].address, null);
});

test('backoff grows exponentially to its cap; jitter stays below it', () => {
  const options = { initialMs: 100, maxMs: 1000, jitter: false };
  const random = seededRandom(1);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, options, random)),
    [100, 200, 400, 800, 1000, 1000],
  );
  for (let i = 0; i < 100; i++) assert.ok(backoffDelayMs(5, { ...options, jitter: true }, random) <= 1000);
});

test('cookie jar keeps name=value pairs from Set-Cookie and adds a session cookie', () => {
  const jar = new CookieJar();
  jar.store(['SERVERID=b2; path=/', 'other=1']);
  assert.equal(jar.get('SERVERID'), 'b2');
  assert.equal(jar.header(['sid', 's1']), 'SERVERID=b2; other=1; sid=s1');
  assert.equal(new CookieJar().header(), undefined);
});

test('shards: client i belongs to shard i mod N, with the address and idle windows it has unsharded', () => {
  const whole = plan(
    'clients: { count: 1000, addresses: { pool: 127.64.0.0/16, per_address: 3 } }\nidle:\n  - { at: 1s, for: 2s, clients: 30% }\n',
  );
  const all = assignClients(whole, parseAddressPool(whole.clients.pool) as AddressPool);
  const shards = 4;
  const workers = 3;
  const seen = new Map<number, string>();
  for (let index = 0; index < shards; index++) {
    const mine = shardClients(all, { index, count: shards });
    assert.ok(
      mine.every((assignment) => assignment.index % shards === index),
      `shard ${index} holds its own`,
    );
    for (let worker = 0; worker < workers; worker++) {
      for (const assignment of workerClients(mine, shards, workers, worker)) {
        assert.ok(!seen.has(assignment.index), `client ${assignment.index} twice: ${seen.get(assignment.index)}`);
        seen.set(assignment.index, `shard ${index} worker ${worker}`);
        // Unsharded, the same client has the same address and idle windows.
        assert.deepEqual(assignment, all[assignment.index]);
      }
    }
  }
  assert.equal(seen.size, 1000, 'every client in exactly one shard and one worker of it');
  // Assignments come from the seed and the index alone: computing them again (as each shard does) gives the same clients.
  assert.deepEqual(assignClients(whole, parseAddressPool(whole.clients.pool) as AddressPool), all);
});
