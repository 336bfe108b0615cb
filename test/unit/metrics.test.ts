import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summariseDistribution } from '../../src/metrics/distribution.js';
import { decodeHistogram, encodeHistogram, newHistogram, summariseLatency } from '../../src/metrics/histograms.js';
import { evaluateThresholds } from '../../src/metrics/thresholds.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { parseDurationMs } from '../../src/util/duration.js';
import { parseShare } from '../../src/util/share.js';

test('durations and shares of the contract', () => {
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs(1500), 1500);
  assert.equal(parseDurationMs('soon'), undefined);
  assert.equal(parseShare('20%'), 0.2);
  assert.equal(parseShare(0.3), 0.3);
  assert.equal(parseShare('120%'), undefined);
});

test('distribution: shares, imbalance = max/mean, Jain index, idle backends count', () => {
  const even = summariseDistribution({ b1: 10, b2: 10, b3: 10 }, {}, ['b1', 'b2', 'b3']);
  assert.equal(even.imbalance, 1);
  assert.equal(even.jain, 1);
  const oneHot = summariseDistribution({ b1: 30 }, {}, ['b1', 'b2', 'b3']);
  assert.equal(oneHot.imbalance, 3);
  assert.equal(Math.round(oneHot.jain * 1000) / 1000, 0.333);
  assert.deepEqual(
    oneHot.backends.map((b) => b.id),
    ['b1', 'b2', 'b3'],
  );
});

test('histograms survive encoding and merge by addition', () => {
  const a = newHistogram();
  const b = newHistogram();
  for (let i = 1; i <= 1000; i++) a.recordValue(i * 1000);
  b.recordValue(5_000_000);
  const merged = newHistogram();
  merged.add(decodeHistogram(encodeHistogram(a)));
  merged.add(decodeHistogram(encodeHistogram(b)));
  const summary = summariseLatency(merged);
  assert.equal(summary.count, 1001);
  assert.ok(Math.abs(summary.p50 - 500) < 2, `p50 ${summary.p50}`);
  assert.ok(Math.abs(summary.max - 5000) < 5, `max ${summary.max}`);
});

test('thresholds compare summary paths, percentages and absent map keys', () => {
  const loaded = parseScenarioText(
    's.yaml',
    `name: t
target: { stack: direct }
clients: { count: 1 }
duration: 1s
thresholds:
  latency.message.p99: "< 50"
  stickiness.violation_rate: "< 0.1%"
  disconnects.by_close_code.1006: "== 0"
  connections.opened: ">= 2"
`,
  );
  assert.ok(loaded.ok);
  const summary = {
    latency: { message: { p99: 12, count: 100 } },
    stickiness: { violation_rate: 0.002, sticky: 499, violations: 1 },
    disconnects: { by_close_code: {} },
    connections: { attempted: 2, opened: 2 },
    messages: { sent: 100 },
  };
  const results = evaluateThresholds(summary as never, loaded.plan.thresholds);
  assert.deepEqual(
    results.map((r) => [r.metric, r.passed]),
    [
      ['latency.message.p99', true],
      ['stickiness.violation_rate', false],
      ['disconnects.by_close_code.1006', true],
      ['connections.opened', true],
    ],
  );
});

test('a threshold on a figure with nothing behind it fails with actual null and says why', () => {
  const loaded = parseScenarioText(
    's.yaml',
    `name: t
target: { stack: direct }
clients: { count: 1 }
duration: 1s
thresholds:
  latency.message.p99: "< 50"
  stickiness.violation_rate: "== 0"
  handshake.error_rate: "< 0.01"
  messages.lost: "== 0"
  disconnects.unexpected: "== 0"
  duration_s: "> 0"
`,
  );
  assert.ok(loaded.ok);
  const nothing = {
    duration_s: 1,
    latency: { message: { p99: 0, count: 0 } },
    stickiness: { violation_rate: 0, sticky: 0, violations: 0 },
    disconnects: { unexpected: 0 },
    connections: { attempted: 0, opened: 0 },
    handshake: { error_rate: 0 },
    messages: { sent: 0, lost: 0 },
  };
  const results = evaluateThresholds(nothing as never, loaded.plan.thresholds);
  assert.deepEqual(
    results.map((r) => [r.metric, r.actual, r.passed, r.why]),
    [
      ['latency.message.p99', null, false, 'no message latency was measured (count 0)'],
      ['stickiness.violation_rate', null, false, 'no reconnect was judged (no sticky and no violation)'],
      ['handshake.error_rate', null, false, 'no connection was attempted'],
      ['messages.lost', null, false, 'no message was sent'],
      ['disconnects.unexpected', null, false, 'no connection opened'],
      ['duration_s', 1, true, undefined],
    ],
  );
});
