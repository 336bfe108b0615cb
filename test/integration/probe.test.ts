// test: heavy: its IPv6 trials make a pool bindable for the whole machine (as ipv6.test.ts does: two heavy files never
// run together), and it times idle cut-offs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeReport } from '../../src/probe/probe.js';
import { runCli } from '../helpers/cli.js';
import {
  seedHaproxyCookie,
  seedNginxIpHash,
  startSeedSetup,
  type ProxyConfig,
  type SeedSetup,
} from '../helpers/seed-stack.js';

/**
 * `stickler probe` against balancers this test writes and starts itself (the seed articles' server.js
 * behind nginx and HAProxy configs, not stickler's presets): it must find what each config says.
 */

async function probe(
  proxy: 'nginx' | 'haproxy',
  config: ProxyConfig,
  args: string[],
): Promise<{ report: ProbeReport; setup: SeedSetup; stdout: string }> {
  const setup = await startSeedSetup(proxy, config);
  try {
    const result = await runCli(['probe', setup.url, ...args]);
    assert.equal(result.code, 0, result.stderr);
    const report = args.includes('--json')
      ? (JSON.parse(result.stdout) as ProbeReport)
      : (null as unknown as ProbeReport);
    return { report, setup, stdout: result.stdout };
  } finally {
    await setup.stop();
  }
}

const trial = (report: ProbeReport, name: string) => report.affinity!.trials.find((one) => one.name === name)!;

test('probe: nginx proxy_read_timeout 7s is found as 7 ± 1.5 s, and ip_hash as the source address by /24', async () => {
  const { report } = await probe('nginx', seedNginxIpHash({ readTimeout: '7s' }), ['--json', '--max-idle', '30s']);
  assert.ok(
    report.idle_timeout_s !== null && Math.abs(report.idle_timeout_s - 7) <= 1.5,
    `idle_timeout_s ${report.idle_timeout_s}`,
  );
  assert.equal(report.idle!.close_code, 1006);
  assert.equal(report.idle!.pings_keep_alive, true);
  assert.equal(report.idle!.confirmed, true);
  assert.equal(report.affinity!.mechanism, 'source_address');
  assert.equal(report.affinity!.by, '/24');
  assert.equal(report.affinity!.description, 'source address by /24');
  assert.equal(trial(report, 'same_subnet_other_address').home, 6);
  assert.ok(trial(report, 'other_subnet').home < 6);
  assert.match(report.balancer.server ?? '', /^nginx/);
  assert.equal(report.balancer.plain_get?.status, 404);
  assert.ok(report.advice.some((advice) => advice.rule === 'idle-cut' && /proxy_read_timeout/.test(advice.fix)));
  assert.ok(report.advice.some((advice) => advice.rule === 'affinity-by-subnet'));
});

test('probe: HAProxy timeout tunnel 4s is found as 4 ± 1.5 s, and cookie SERVERID insert as the cookie SERVERID', async () => {
  const tunnel4s: ProxyConfig = (options) => {
    const text = seedHaproxyCookie(options);
    assert.ok(text.includes('timeout tunnel 1h'));
    return text.replace('timeout tunnel 1h', 'timeout tunnel 4s');
  };
  const { report } = await probe('haproxy', tunnel4s, ['--json', '--max-idle', '30s']);
  assert.ok(
    report.idle_timeout_s !== null && Math.abs(report.idle_timeout_s - 4) <= 1.5,
    `idle_timeout_s ${report.idle_timeout_s}`,
  );
  assert.equal(report.affinity!.mechanism, 'cookie');
  assert.equal(report.affinity!.cookie, 'SERVERID');
  assert.deepEqual(report.balancer.upgrade_set_cookie, ['SERVERID']);
  assert.equal(trial(report, 'other_subnet_with_cookies').home, 6);
  assert.ok(trial(report, 'same_address_without_cookies').home < 6);
});

test('probe: nginx least_conn is named none; no idle cut within --max-idle is null; the summary gives advice', async () => {
  const leastConn: ProxyConfig = (options) => seedNginxIpHash()(options).replace('ip_hash;', 'least_conn;');
  const { report } = await probe('nginx', leastConn, ['--json', '--max-idle', '2s']);
  assert.equal(report.affinity!.mechanism, 'none');
  assert.equal(report.idle_timeout_s, null);
  assert.equal(report.idle!.max_idle_s, 2);
  assert.ok(report.affinity!.backends_seen.length >= 2);

  const human = await probe('nginx', leastConn, ['--max-idle', '0']);
  assert.match(human.stdout, /affinity\s+none/);
  assert.match(human.stdout, /warning\s+reconnects land on any backend/);
  assert.match(human.stdout, /idle\s+not probed/);
});

test('probe: nginx hash on a query argument is named as that key with --key', async () => {
  const byRoom: ProxyConfig = (options) => seedNginxIpHash()(options).replace('ip_hash;', 'hash $arg_room consistent;');
  const { report } = await probe('nginx', byRoom, ['--json', '--max-idle', '0', '--key', 'query:room']);
  assert.equal(report.affinity!.mechanism, 'key');
  assert.equal(report.affinity!.key, 'query room');
});

test('probe --via x-forwarded-for: nginx ip_hash on the real_ip address is named by /24 from the header alone', async () => {
  // The probe's sockets all come from 127.0.0.1 here: only the header can spread them over /24s.
  const realIpHash: ProxyConfig = (options) =>
    seedNginxIpHash()(options).replace(
      'upstream ws_backends {',
      'real_ip_header X-Forwarded-For;\nset_real_ip_from 127.0.0.0/8;\nupstream ws_backends {',
    );
  const { report } = await probe('nginx', realIpHash, ['--json', '--max-idle', '0', '--via', 'x-forwarded-for']);
  assert.equal(report.affinity!.addresses_via, 'x-forwarded-for');
  assert.equal(report.affinity!.mechanism, 'source_address');
  assert.equal(report.affinity!.by, '/24');
  assert.ok(trial(report, 'other_subnet').home < 6);
});

test('probe: a bad URL or option is exit 2, a target that refuses is exit 3', async () => {
  const notWs = await runCli(['probe', 'http://127.0.0.1:1/']);
  assert.equal(notWs.code, 2);
  assert.match(notWs.stderr, /not a WebSocket URL/);
  const badKey = await runCli(['probe', 'ws://127.0.0.1:1/', '--key', 'room']);
  assert.equal(badKey.code, 2);
  assert.match(badKey.stderr, /--key "room": expected query:NAME/);
  const badVia = await runCli(['probe', 'ws://127.0.0.1:1/', '--via', 'header']);
  assert.equal(badVia.code, 2);
  assert.match(badVia.stderr, /--via "header": expected socket or x-forwarded-for/);
  const refused = await runCli(['probe', 'ws://127.0.0.1:1/', '--max-idle', '0']);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /ECONNREFUSED/);
});
