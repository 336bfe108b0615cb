// test: heavy: its load and timings need the machine's other core free of another heavy file
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../src/stack/free-port.js';
import { renderedUrl } from '../helpers/chromium.js';
import { startCli, tempDir } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads server-sent events for `ms`: the events' names and data. */
async function readEvents(url: string, ms: number): Promise<{ event: string; data: string }[]> {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms).unref();
  const events: { event: string; data: string }[] = [];
  try {
    const response = await fetch(url, { signal: controller.signal });
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        events.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? '', data: /^data: (.*)$/m.exec(block)?.[1] ?? '' });
      }
    }
  } catch {
    // aborted: the time is up
  }
  return events;
}

test('--dashboard: a live page in headless Chromium mid-run shows the report with data; at the end it says so and links the final report', async (t) => {
  const port = await freePort();
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 's.yaml'),
    'name: dash\ntarget: { stack: nginx-round-robin }\nclients: { count: 100, ramp: 1s }\nduration: 10s\ntraffic: { interval: 300ms }\nchurn: { drop_every: 2s }\n',
  );
  const run = startCli(['run', 's.yaml', '--out', 'out', '--quiet', '--dashboard', String(port)], dir);
  let stderr = '';
  run.child.stderr!.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + 20_000;
  while (!/running dash/.test(stderr) && Date.now() < deadline) await sleep(100);
  assert.match(stderr, new RegExp(`dashboard: http://127\\.0\\.0\\.1:${port}/`));
  await sleep(3000);
  // Listening from here: Chromium's render below takes seconds of its own (more on a busy machine).
  const ending = readEvents(`http://127.0.0.1:${port}/events`, 14_000);
  const png = path.join(dir, 'dashboard.png');
  const dom = await renderedUrl(`http://127.0.0.1:${port}/`, png);
  const rows = /&quot;timeseries&quot;:\[(.*?)\]/.exec(dom)?.[1] ?? '';
  t.diagnostic(
    `mid-run: ${rows.split('&quot;t&quot;').length - 1} seconds of time series in the report frame, screenshot ${fs.statSync(png).size} bytes (${png})`,
  );
  assert.match(dom, /live: \d+(\.\d+)? s of 10 s/);
  assert.ok(rows.includes('&quot;open&quot;'), 'the report in the frame carries the seconds so far');
  // A blank page is a few KB of PNG; a drawn one 18-40 KB (a CI-like run caught 17,836 bytes with the charts still drawing).
  assert.ok(fs.statSync(png).size > 12_000, 'the screenshot shows a drawn page');
  assert.doesNotMatch(
    dom,
    /<script[^>]+src=|<link[^>]+href=|src=&quot;http/i,
    'nothing loaded from elsewhere: uPlot is inlined',
  );

  const result = await run.done;
  assert.equal(result.code, 0, stderr);
  const events = await ending;
  const end = events.find((event) => event.event === 'end');
  const updates = events.filter((event) => event.event === 'report');
  t.diagnostic(`${updates.length} updates over the event stream from 3 s on, then ${events.at(-1)?.event}`);
  assert.ok(updates.length >= 3, 'updates came every second');
  assert.ok(
    updates.every((update) => /"timeseries":\[\{/.test(JSON.parse(update.data).html)),
    'each update is the report with its seconds',
  );
  assert.ok(end && JSON.parse(end.data).report === 'report', JSON.stringify(events.map((event) => event.event)));
  // The port closed with the run.
  assert.equal(
    await fetch(`http://127.0.0.1:${port}/`).then(
      () => 'open',
      () => 'closed',
    ),
    'closed',
  );
});
