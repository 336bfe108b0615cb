// test: heavy
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { startSeedSetup } from '../helpers/seed-stack.js';
import { aedesBrokers, haproxyNamingBackends, mosquittoBrokers } from '../helpers/protocol-servers.js';

/**
 * MQTT over WebSocket: three aedes brokers (npm, not stickler), each keeping its persistent sessions in its own
 * memory, behind HAProxy configs the test writes, which name the broker in a 101 header.
 */

const SCENARIO = (extra = '') => `name: mqtt-fleet
target: { url: ws://placeholder/ }
protocol: mqtt
mqtt: { clean: false, qos: 1, keepalive: 5s }
identify: { header: x-backend-id }
clients: { count: 90, ramp: 1s }
duration: 6s
traffic: { interval: 250ms }
churn: { drop_every: 2s, backoff: { initial: 100ms, max: 300ms } }
${extra}`;

async function run(dir: string, url: string, yaml: string, during?: () => void) {
  fs.writeFileSync(path.join(dir, 'scenario.yaml'), yaml);
  const cli = startCli(['run', 'scenario.yaml', '--url', url, '--out', 'out', '--quiet', '--force'], dir);
  during?.();
  const result = await cli.done;
  const file = path.join(dir, 'out', 'summary.json');
  const summary = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Summary) : undefined;
  return { ...result, summary: summary! };
}

test('persistent sessions behind round-robin HAProxy are lost on other brokers; behind a cookie every reconnect resumes', async () => {
  const dir = tempDir();
  const roundRobin = await startSeedSetup('haproxy', haproxyNamingBackends(false), 3, aedesBrokers);
  try {
    const { stderr, summary: s } = await run(dir, roundRobin.url, SCENARIO());
    assert.ok(s, stderr);
    assert.ok(s.messages.sent > 1500, JSON.stringify(s.messages));
    assert.ok(s.messages.received >= 0.9 * s.messages.sent, JSON.stringify(s.messages));
    assert.equal(s.stickiness.unidentified, 0, 'every broker named by the 101 header');
    assert.ok(s.stickiness.violations > 0, JSON.stringify(s.stickiness));
    const c = s.continuity!;
    assert.equal(c.store, 'mqtt');
    // Absent: a broker that never saw the client; stale: one it visited before, whose copy missed what came since.
    const { session_absent: absent = 0, stale = 0 } = c.lost_by_cause;
    assert.ok(c.lost > 0 && absent > 0 && absent + stale === c.lost, JSON.stringify(c));
    const finding = s.findings.find((f) => f.rule === 'state-lost');
    assert.match(finding?.cause ?? '', /persistent sessions are per broker/);
    assert.match(finding?.fix ?? '', /stick on the client id/);
  } finally {
    await roundRobin.stop();
  }
  const sticky = await startSeedSetup('haproxy', haproxyNamingBackends(true), 3, aedesBrokers);
  try {
    const { code, stderr, summary: s } = await run(dir, sticky.url, SCENARIO());
    assert.equal(code, 0, stderr);
    assert.equal(s.stickiness.violations, 0, JSON.stringify(s.stickiness));
    const c = s.continuity!;
    assert.ok(c.resumes > 100, JSON.stringify(c));
    assert.equal(c.lost, 0, JSON.stringify(c));
    assert.equal(c.resumed, c.resumes, 'every reconnect found its session');
    assert.ok(s.messages.received >= 0.9 * s.messages.sent, JSON.stringify(s.messages));
  } finally {
    await sticky.stop();
  }
});

test('a broker killed mid-run: its clients find no session on their new broker, with the finding', async () => {
  const dir = tempDir();
  const setup = await startSeedSetup('haproxy', haproxyNamingBackends(true), 3, aedesBrokers);
  try {
    const { summary: s, stderr } = await run(dir, setup.url, SCENARIO(), () =>
      setTimeout(() => setup.backends[0].child.kill('SIGKILL'), 3000),
    );
    assert.ok(s, stderr);
    const c = s.continuity!;
    assert.ok((c.lost_by_cause.session_absent ?? 0) >= 10, JSON.stringify(c));
    assert.ok(s.disconnects.unexpected >= 10, JSON.stringify(s.disconnects));
    assert.ok(
      s.findings.some((f) => f.rule === 'state-lost'),
      JSON.stringify(s.findings.map((f) => f.rule)),
    );
  } finally {
    await setup.stop();
  }
});

test('a broker that stops answering (SIGSTOP, sockets open): its connections found dead by the keepalive', async () => {
  const dir = tempDir();
  const setup = await startSeedSetup('haproxy', haproxyNamingBackends(true), 3, aedesBrokers);
  try {
    const yaml = SCENARIO()
      .replace('keepalive: 5s', 'keepalive: 1s')
      .replace(/churn: .*\n/, '');
    const { summary: s, stderr } = await run(dir, setup.url, yaml, () =>
      setTimeout(() => setup.backends[0].child.kill('SIGSTOP'), 2500),
    );
    assert.ok(s, stderr);
    const dead = s.disconnects.by_reason.keepalive_timeout ?? 0;
    const onFirst = s.distribution.backends.find((b) => b.id === 'broker1')?.connections ?? 0;
    assert.ok(onFirst >= 20 && dead >= onFirst - 2, `${dead} found dead of ${onFirst} on broker1`);
    assert.ok(
      s.findings.some((f) => f.rule === 'keepalive-timeout'),
      JSON.stringify(s.findings.map((f) => f.rule)),
    );
  } finally {
    setup.backends[0].child.kill('SIGKILL');
    await setup.stop();
  }
});

test('the official mqtt client through the same round-robin HAProxy sees what stickler counts: session present only back home', async () => {
  const setup = await startSeedSetup('haproxy', haproxyNamingBackends(false), 3, aedesBrokers);
  try {
    const present: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const client = mqtt.connect(setup.url, { clientId: 'cross-check', clean: false, reconnectPeriod: 0 });
      present.push(
        await new Promise<boolean>((resolve, reject) => {
          // A session with a subscription is what a broker keeps (aedes says present only for one).
          client.once('connect', (connack) =>
            client.subscribe('cross/check', { qos: 1 }, () => resolve(connack.sessionPresent)),
          );
          client.once('error', reject);
        }),
      );
      await client.endAsync();
    }
    // Round robin: brokers 1, 2, 3 never saw the client; the fourth connection is broker 1 again.
    assert.deepEqual(present, [false, false, false, true]);
  } finally {
    await setup.stop();
  }
});

test('validate: protocol: mqtt refuses a traffic message of its own, and mqtt without protocol: mqtt', async () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'scenario.yaml'),
    'name: m\ntarget: { url: ws://127.0.0.1:1883/ }\nprotocol: mqtt\nclients: { count: 1 }\nduration: 1s\n' +
      'traffic: { message: "hi {{id}}" }\n',
  );
  const result = await runCli(['validate', 'scenario.yaml'], dir);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /traffic\.message: not used with protocol: mqtt/);
});

test("MQTT 5 against Debian's mosquitto (its websockets listener on lo): persistent sessions resumed on the one broker", async () => {
  const dir = tempDir();
  const [broker] = await mosquittoBrokers(dir, 1);
  const wsPort = broker.port;
  try {
    const yaml = SCENARIO()
      .replace(
        'mqtt: { clean: false, qos: 1, keepalive: 5s }',
        'mqtt: { version: 5, clean: false, qos: 1, keepalive: 5s }',
      )
      .replace('identify: { header: x-backend-id }\n', '')
      .replace('clients: { count: 90, ramp: 1s }', 'clients: { count: 30, ramp: 1s }');
    const { code, stderr, summary: s } = await run(dir, `ws://127.0.0.1:${wsPort}/`, yaml);
    assert.ok(s, stderr);
    const c = s.continuity!;
    assert.ok(c.resumes >= 20, JSON.stringify(c));
    // MQTT 5 ends a session with its connection unless CONNECT gives it an expiry: every one resumed says it did.
    assert.equal(c.resumed, c.resumes, JSON.stringify(c));
    assert.ok(s.messages.received >= 0.9 * s.messages.sent, JSON.stringify(s.messages));
    assert.notEqual(code, null);
  } finally {
    broker.child.kill('SIGKILL');
  }
});
