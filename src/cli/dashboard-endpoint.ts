import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Summary } from '../metrics/summary-types.js';
import { renderHtmlReport } from '../report/html.js';
import { escapeHtml } from '../report/html-escape.js';

const statusLine = (t: number, duration: number) => `live: ${t} s of ${duration} s, updated every second`;
import { startHttpEndpoint, type HttpEndpoint } from './metrics-endpoint.js';

/**
 * The live page: the report so far is drawn in a frame (rendered into the page as it is served, so it
 * shows at once), replaced as each second's figures arrive over server-sent events.
 */
const shell = (initial: { html: string; status: string } | null) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stickler · live</title>
<style>body{font:14px system-ui,sans-serif;margin:0}
#status{padding:8px 24px;background:#eff6ff;border-bottom:1px solid #bfdbfe}
#status.ended{background:#f0fdf4;border-color:#bbf7d0}
iframe{border:0;width:100%;height:calc(100vh - 40px)}</style></head>
<body><div id="status">${escapeHtml(initial?.status ?? 'live: waiting for the first second of the run…')}</div>
<iframe id="report" title="the run so far"${initial ? ` srcdoc="${escapeHtml(initial.html)}"` : ''}></iframe>
<script>
var banner = document.getElementById('status'), frame = document.getElementById('report');
var source = new EventSource('events');
source.addEventListener('report', function (e) {
  var update = JSON.parse(e.data);
  frame.srcdoc = update.html;
  banner.textContent = 'live: ' + update.t + ' s of ' + update.duration + ' s, updated every second';
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
});
source.addEventListener('end', function (e) {
  var end = JSON.parse(e.data);
  source.close();
  banner.className = 'ended';
  banner.innerHTML = 'the run ended: ' + end.verdict + ' · <a href="report" target="_blank">the final report</a>';
  document.body.dataset.ended = 'true';
});
</script></body></html>
`;

/**
 * `--dashboard [HOST:]PORT`: a live page with the HTML report's own charts and tables (the same code that
 * renders report.html, uPlot inlined, nothing from a CDN), fed by server-sent events each second. When
 * the run ends it says so and links the final report (served at /report).
 */
export async function startDashboard(
  spec: string,
  durationS: number,
  summarySoFar: () => Summary | null,
): Promise<HttpEndpoint & { url: string; ended(summary: Summary, outDir: string): void }> {
  const streams = new Set<http.ServerResponse>();
  let finalReport: string | null = null;
  let endMessage: string | null = null;
  /** The newest update, for a page that connects between two (or after the end). */
  let lastUpdate: string | null = null;
  const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const broadcast = (summary: Summary) => {
    lastUpdate = event('report', { t: summary.duration_s, duration: durationS, html: renderHtmlReport([summary]) });
    for (const response of streams) response.write(lastUpdate);
  };
  const update = () => {
    const summary = summarySoFar();
    if (summary && streams.size > 0 && !endMessage) broadcast(summary);
  };
  const timer = setInterval(update, 1000);
  timer.unref();
  const endpoint = await startHttpEndpoint('--dashboard', spec, (req, res) => {
    const route = req.url?.split('?')[0];
    if (route === '/') {
      const summary = endMessage ? null : summarySoFar();
      const initial = summary
        ? { html: renderHtmlReport([summary]), status: statusLine(summary.duration_s, durationS) }
        : null;
      return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(shell(initial));
    }
    if (route === '/report') {
      const html = finalReport && fs.existsSync(finalReport) ? fs.readFileSync(finalReport, 'utf8') : null;
      return html
        ? res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
        : res.writeHead(404).end('the run has not ended\n');
    }
    if (route === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      streams.add(res);
      req.on('close', () => streams.delete(res));
      // A page that connects gets the run so far at once, not at the next second.
      const now = lastUpdate ? null : summarySoFar();
      if (now) broadcast(now);
      else if (lastUpdate) res.write(lastUpdate);
      if (endMessage) res.write(endMessage);
      return;
    }
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('stickler serves / (the live page), /events and /report\n');
  });
  return {
    ...endpoint,
    url: `${endpoint.base}/`,
    ended(summary, outDir) {
      clearInterval(timer);
      finalReport = path.join(outDir, 'report.html');
      // The final figures stay on the page, with the word that the run ended.
      broadcast(summary);
      endMessage = event('end', { verdict: summary.verdict, report: 'report' });
      for (const response of streams) response.write(endMessage);
    },
    close: async () => {
      clearInterval(timer);
      for (const response of streams) response.end();
      await endpoint.close();
    },
  };
}
