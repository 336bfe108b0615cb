// test: heavy: its load and timings need the machine's other core free of another heavy file
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, runScenarioText } from '../helpers/cli.js';
import { seedHaproxyCookie, seedNginxIpHash, startSeedSetup, type ProxyConfig } from '../helpers/seed-stack.js';
import { startSocketioBackends } from '../helpers/socketio-backends.js';

/** Three real Socket.IO servers behind nginx and HAProxy configs this test writes, reached with --url. */

const run = (yaml: string) => runScenarioText(yaml);

const scenario = (url: string, extra = '', clients = 'addresses: { pool: 127.95.0.0/16 }') => `name: socketio
target: { url: ${url}, backends: [io1, io2, io3] }
protocol: socketio
identify: { header: x-served-by, message_field: server }
clients: { count: 300, ramp: 2s, ${clients} }
duration: 6s
traffic: { interval: 500ms, event: chat, message: '{"text":"hi {{client}}","n":{{seq}}}' }
churn: { backoff: { initial: 200ms, max: 1s } }
${extra}
thresholds:
  stickiness.session_breaks: "== 0"
`;

/** The seed's nginx config with round robin instead of ip_hash. */
const nginxRoundRobin: ProxyConfig = (options) =>
  seedNginxIpHash()(options).replace('ip_hash; # Routes each client IP consistently to the same backend', '');

test('Socket.IO behind nginx round robin: polls of one session reach other nodes, the breaks are counted and named, the gate fails; [websocket] does not break', async (t) => {
  const setup = await startSeedSetup('nginx', nginxRoundRobin, 3, startSocketioBackends);
  try {
    const polling = await run(scenario(setup.url));
    const sessions = polling.summary.sessions!;
    t.diagnostic(
      `round robin, polling: sessions ${JSON.stringify(sessions)}, opened ${polling.summary.connections.opened}`,
    );
    assert.ok(sessions.broken > 50, JSON.stringify(sessions));
    assert.equal(polling.summary.stickiness.session_breaks, sessions.broken);
    assert.equal(polling.code, 1, polling.stderr);
    const finding = polling.summary.findings.find((f) => f.rule === 'socketio-session-breaks');
    assert.ok(finding && finding.severity === 'error', JSON.stringify(polling.summary.findings));
    assert.match(finding.fix, /transports: \[websocket\]/);
    assert.match(polling.stdout, /finding \(error\): the requests of one Socket\.IO session/);

    const websocket = await run(scenario(setup.url, 'socketio: { transports: [websocket] }'));
    t.diagnostic(
      `round robin, websocket: sessions ${JSON.stringify(websocket.summary.sessions)}, messages ${JSON.stringify(websocket.summary.messages)}, p99 ${websocket.summary.latency.message.p99} ms`,
    );
    assert.equal(websocket.code, 0, websocket.stderr);
    assert.equal(websocket.summary.sessions!.broken, 0);
    assert.equal(websocket.summary.sessions!.by_transport.websocket, websocket.summary.sessions!.opened);
    assert.equal(websocket.summary.messages.received, websocket.summary.messages.sent);
    assert.equal(websocket.summary.latency.message.count, websocket.summary.messages.received);
    assert.equal(websocket.summary.stickiness.unidentified, 0);

    // Polling only (never upgraded): every request of the session is a chance to land elsewhere.
    const pollingOnly = await run(scenario(setup.url, 'socketio: { transports: [polling] }'));
    t.diagnostic(`round robin, polling only: sessions ${JSON.stringify(pollingOnly.summary.sessions)}`);
    assert.ok(
      pollingOnly.summary.sessions!.broken > 100 && pollingOnly.summary.sessions!.upgraded === 0,
      JSON.stringify(pollingOnly.summary.sessions),
    );
    assert.equal(pollingOnly.code, 1);
    assert.match(pollingOnly.summary.findings[0].evidence, /transports \[polling\]/);
    assert.ok(
      !pollingOnly.summary.findings.some((f) => f.rule === 'refused-400'),
      'the 400s are session breaks, not refused upgrades',
    );
  } finally {
    await setup.stop();
  }
});

test('Socket.IO behind nginx ip_hash over many /24s: no session breaks, every emit acknowledged and timed', async (t) => {
  const setup = await startSeedSetup('nginx', seedNginxIpHash(), 3, startSocketioBackends);
  try {
    const { code, stderr, summary } = await run(scenario(setup.url, '', 'addresses: { pool: 127.96.0.0/12 }'));
    assert.equal(code, 0, stderr);
    const sessions = summary.sessions!;
    t.diagnostic(
      `ip_hash: sessions ${JSON.stringify(sessions)}, messages ${JSON.stringify(summary.messages)}, latency ${JSON.stringify(summary.latency.message)}`,
    );
    assert.equal(sessions.broken, 0);
    assert.ok(sessions.opened >= 300 && sessions.upgraded === sessions.opened, JSON.stringify(sessions));
    assert.equal(sessions.by_transport.polling, sessions.opened);
    // About 3,000 on a quiet machine; a loaded one takes longer to open the sessions (1,802 once, p99 711 ms).
    assert.ok(summary.messages.sent > 1200, JSON.stringify(summary.messages));
    assert.equal(summary.messages.received, summary.messages.sent);
    assert.equal(summary.messages.lost, 0);
    assert.equal(summary.stickiness.unidentified, 0);
    assert.ok(
      summary.distribution.backends.every((b) => b.connections > 30),
      JSON.stringify(summary.distribution),
    );
  } finally {
    await setup.stop();
  }
});

/** HAProxy with the SERVERID cookie on every request, polls included (the seed's config sends non-upgrade requests to a round-robin backend: Socket.IO's polls would break there). */
const haproxyCookieEverywhere: ProxyConfig = ({ listen, backends }) => `
defaults
mode http
timeout connect 5s
timeout client 1h
timeout server 1h
timeout tunnel 1h
frontend io
bind 127.0.0.1:${listen}
default_backend nodes
backend nodes
balance leastconn
cookie SERVERID insert indirect nocache
${backends.map((b) => `server ${b.id} 127.0.0.1:${b.port} cookie ${b.id}`).join('\n')}
`;

test("Socket.IO behind HAProxy cookie SERVERID insert: no breaks with the cookie jar (polling only in /chat too), breaks without it; the seed's config breaks polls", async (t) => {
  const seed = await startSeedSetup('haproxy', seedHaproxyCookie, 3, startSocketioBackends);
  try {
    const broken = await run(scenario(seed.url));
    assert.ok(broken.summary.sessions!.broken > 50, JSON.stringify(broken.summary.sessions));
  } finally {
    await seed.stop();
  }
  const setup = await startSeedSetup('haproxy', haproxyCookieEverywhere, 3, startSocketioBackends);
  try {
    const withJar = await run(scenario(setup.url));
    assert.equal(withJar.code, 0, JSON.stringify([withJar.summary.sessions, withJar.summary.thresholds]));
    assert.equal(withJar.summary.sessions!.broken, 0);
    // Polling only, in the /chat namespace: every poll and post carries the cookie, and the session holds.
    const pollingOnly = await run(
      scenario(setup.url, 'socketio: { transports: [polling], namespace: /chat }\npush: { match: { event: hello } }'),
    );
    t.diagnostic(
      `haproxy cookie, polling only in /chat: sessions ${JSON.stringify(pollingOnly.summary.sessions)}, messages ${JSON.stringify(pollingOnly.summary.messages)}, p99 ${pollingOnly.summary.latency.message.p99} ms`,
    );
    assert.equal(
      pollingOnly.code,
      0,
      JSON.stringify([pollingOnly.summary.sessions, pollingOnly.summary.thresholds]) + pollingOnly.stderr,
    );
    assert.equal(pollingOnly.summary.sessions!.broken, 0);
    assert.equal(pollingOnly.summary.sessions!.upgraded, 0);
    assert.equal(pollingOnly.summary.sessions!.by_transport.polling, pollingOnly.summary.sessions!.opened);
    assert.ok(
      pollingOnly.summary.messages.sent > 2000 &&
        pollingOnly.summary.messages.received >= pollingOnly.summary.messages.sent - 10,
      JSON.stringify(pollingOnly.summary.messages),
    );
    assert.ok(pollingOnly.summary.push!.matched >= 300, "the namespace's hello reached every session");
    assert.equal(pollingOnly.summary.stickiness.unidentified, 0);
    const withoutJar = await run(scenario(setup.url, '', 'addresses: { pool: 127.95.0.0/16 }, cookies: false'));
    assert.ok(withoutJar.summary.sessions!.broken > 50, JSON.stringify(withoutJar.summary.sessions));
    assert.equal(withoutJar.code, 1);
  } finally {
    await setup.stop();
  }
});

test('probe recognises Socket.IO and says whether polling sessions survive: round robin breaks them, ip_hash keeps them', async () => {
  for (const [config, expected] of [
    [nginxRoundRobin, 'socketio-sessions-break'],
    [seedNginxIpHash(), 'socketio-sessions-stick'],
  ] as const) {
    const setup = await startSeedSetup('nginx', config, 3, startSocketioBackends);
    try {
      const result = await runCli(['probe', setup.url, '--json', '--max-idle', '0']);
      const report = JSON.parse(result.stdout) as {
        socketio: { sessions: number; broken_with_cookies: number; nodes: string[] };
        advice: { rule: string; message: string }[];
      };
      assert.equal(report.socketio.sessions, 6, result.stderr);
      assert.equal(report.advice[0].rule, expected, JSON.stringify(report.advice));
      if (expected === 'socketio-sessions-break')
        assert.ok(report.socketio.broken_with_cookies >= 4, JSON.stringify(report.socketio));
      else assert.equal(report.socketio.broken_with_cookies, 0);
    } finally {
      await setup.stop();
    }
  }
});
