import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunAggregate } from '../../src/metrics/aggregate.js';
import { BUCKETS_S, renderPrometheus, renderPrometheusOf } from '../../src/metrics/prometheus.js';

function aggregateWith(latenciesUs: number[], sticky: number): RunAggregate {
  const aggregate = new RunAggregate();
  for (const us of latenciesUs) aggregate.message.recordValue(us);
  aggregate.totals.sticky = sticky;
  aggregate.totals.sent = latenciesUs.length;
  aggregate.totals.openedByBackend = { b1: 2, 'b"2': 1 };
  return aggregate;
}

test('histograms become cumulative buckets in seconds, with _sum and _count; labels are escaped', () => {
  const text = renderPrometheus(aggregateWith([300, 800, 2_000, 40_000, 40_000_000], 3), { scenario: 'a' });
  const bucket = (le: string) =>
    Number(
      new RegExp(`stickler_message_rtt_seconds_bucket\\{scenario="a",le="${le.replace('+', '\\+')}"\\} (\\d+)`).exec(
        text,
      )?.[1],
    );
  assert.equal(bucket('0.0005'), 1);
  assert.equal(bucket('0.001'), 2);
  assert.equal(bucket('0.0025'), 3);
  assert.equal(bucket('0.05'), 4);
  assert.equal(bucket(String(BUCKETS_S.at(-1))), 4, '40 s is above the last bound');
  assert.equal(bucket('+Inf'), 5);
  assert.match(text, /stickler_message_rtt_seconds_count\{scenario="a"\} 5/);
  assert.ok(
    Math.abs(Number(/stickler_message_rtt_seconds_sum\{scenario="a"\} ([\d.]+)/.exec(text)![1]) - 40.0431) < 0.05,
  );
  assert.match(text, /stickler_connections_opened_total\{scenario="a",backend="b\\"2"\} 1/);
});

test("several runs (a compare): each family once, with every run's samples labelled by its stack", () => {
  const text = renderPrometheusOf([
    { aggregate: aggregateWith([1000], 4), labels: { scenario: 's', stack: 'nginx' } },
    { aggregate: aggregateWith([2000], 7), labels: { scenario: 's', stack: 'haproxy' } },
  ]);
  assert.equal(text.match(/^# TYPE stickler_reconnects_total counter$/gm)?.length, 1);
  assert.match(
    text,
    /stickler_reconnects_total\{scenario="s",stack="nginx",outcome="sticky"\} 4\n[^#]*stickler_reconnects_total\{scenario="s",stack="haproxy",outcome="sticky"\} 7/,
  );
  // Before its first second, a run has only the gauge header and no samples.
  assert.doesNotMatch(renderPrometheus(null, { scenario: 's' }), /^stickler_/m);
});
