import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunAggregate } from '../../src/metrics/aggregate.js';
import { renderPrometheus } from '../../src/metrics/prometheus.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('the Grafana dashboard queries only metrics that --metrics serves', () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const served = new Set(
    [...renderPrometheus(new RunAggregate(), { scenario: 's' }).matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(
      ([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]),
    ),
  );
  const titles = dashboard.panels.map((panel) => panel.title).join(' | ');
  for (const wanted of ['connections by backend', 'Reconnects by outcome', 'heatmap', 'session breaks', 'steps'])
    assert.ok(titles.toLowerCase().includes(wanted.toLowerCase()), `a panel for ${wanted}: ${titles}`);
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      const names = [...expr.matchAll(/\b(stickler_[a-z_]+)/g)].map((match) => match[1]);
      assert.ok(names.length > 0, `${panel.title}: ${expr}`);
      for (const name of names)
        assert.ok(served.has(name), `${panel.title} queries ${name}, which --metrics does not serve`);
    }
  }
});
