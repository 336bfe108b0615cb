import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, runScenario } from '../helpers/cli.js';
import { renderedDom, screenshot } from '../helpers/chromium.js';

const bodyData = (dom: string) => {
  const body = /<body([^>]*)>/.exec(dom)?.[1] ?? '';
  const read = (name: string) => new RegExp(`data-${name}="([^"]*)"`).exec(body)?.[1];
  return {
    drawn: Number(read('charts-drawn')),
    total: Number(read('charts-total')),
    errors: (read('errors') ?? 'missing').replace(/&quot;/g, '"'),
  };
};

test('report.html renders offline in headless Chromium: every chart drew, no errors, a screenshot is saved', async () => {
  const { summary, outDir } = await runScenario(`name: html-report
description: "<script>alert('scenario text is escaped')</script>"
target: { stack: haproxy-cookie }
clients: { count: 90, ramp: 1s }
duration: 6s
traffic: { interval: 250ms }
churn: { drop_every: 2s, backoff: { initial: 50ms, max: 500ms } }
events:
  - { at: 3s, action: kill, backend: b3 }
`);
  const html = path.join(outDir, 'report.html');
  const text = fs.readFileSync(html, 'utf8');
  assert.ok(!/<script[^>]*src=|<link[^>]*href=["']?http/.test(text), 'nothing is loaded from outside the file');
  assert.ok(fs.existsSync(path.join(outDir, 'summary.md')));
  const dom = await renderedDom(html);
  const data = bodyData(dom);
  assert.equal(data.errors, '[]');
  assert.equal(data.total, 4, 'percentiles, open/rate, latency, backends');
  assert.equal(data.drawn, data.total);
  assert.match(dom, /kill b3/);
  assert.ok(summary.events.length === 1);
  const png = path.join(outDir, 'report.png');
  await screenshot(html, png);
  assert.ok(fs.statSync(png).size > 20_000, 'a screenshot with content');

  // Values from outside (a backend id chosen by the target) are escaped, in `stickler report --html` too.
  const hostile = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8'));
  hostile.distribution.backends[0].id = '<img src=x onerror=alert(1)>';
  hostile.disconnects.by_close_code = { '</script><b>1006</b>': 3 };
  fs.writeFileSync(path.join(outDir, 'hostile.json'), JSON.stringify(hostile));
  const rerendered = path.join(outDir, 'hostile.html');
  const result = await runCli(['report', path.join(outDir, 'hostile.json'), '--html', rerendered]);
  assert.equal(result.code, 0, result.stderr);
  const hostileText = fs.readFileSync(rerendered, 'utf8');
  assert.ok(!hostileText.includes('<img src=x'), 'backend id escaped');
  assert.ok(hostileText.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(!hostileText.includes('</script><b>1006'), 'close code escaped');
  const hostileDom = bodyData(await renderedDom(rerendered));
  assert.equal(hostileDom.errors, '[]');
  assert.equal(hostileDom.drawn, 4);
});
