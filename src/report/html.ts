import { writeFileAtomically } from '../util/atomic-write.js';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Summary } from '../metrics/summary-types.js';
import { continuityLine } from '../metrics/continuity.js';
import { HTML_CLIENT_SCRIPT } from './html-client.js';
import { escapeHtml as e, jsonForScript } from './html-escape.js';
import { percentileCurve } from './percentile-curve.js';
import { COMPARE_ROWS } from './compare-rows.js';
import { runName } from './run-name.js';
import { GROUP_HEAD, groupRows, loadLine } from './population-tables.js';

const require = createRequire(import.meta.url);
let inlined: { js: string; css: string } | null = null;

/** uPlot, read from the package and inlined: the report works offline, nothing comes from a CDN. */
function uplotAssets(): { js: string; css: string } {
  inlined ??= {
    js: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return inlined;
}

const pct = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;
const ms = (value: number) => value.toFixed(2);

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${e(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A tally as a table, or "none" (not a table of bare headers). */
function tally(what: string, counts: Record<string, number>): string {
  const rows = Object.entries(counts);
  return rows.length > 0 ? table([what, 'count'], rows) : `<p>${e(what)}s: none</p>`;
}

/** The run's name, verdict, and what it ran against. */
function runHeading(summary: Summary): string {
  const interrupted = summary.interrupted ? ' <span class="verdict fail">INTERRUPTED</span>' : '';
  const workers =
    summary.workers === 0 ? 'clients run in the main process' : `${e(summary.workers)} load worker process(es)`;
  const facts = [
    e(summary.target_url),
    `started ${e(summary.started_at)}`,
    `${e(summary.duration_s)} s`,
    `${e(summary.connections.clients)} clients`,
    `seed ${e(summary.seed)}`,
    workers,
  ];
  const verdict = `<span class="verdict ${summary.verdict}">${e(summary.verdict.toUpperCase())}</span>`;
  return `<h2>${e(runName(summary))} ${verdict}${interrupted}</h2>
<p class="muted">${facts.join(' · ')}</p>`;
}

function thresholdsPanel(summary: Summary): string {
  const thresholds = summary.thresholds.length
    ? table(
        ['threshold', 'condition', 'actual', 'result'],
        summary.thresholds.map((t) => [t.metric, t.condition, t.actual ?? '-', t.passed ? 'pass' : 'FAIL']),
      )
    : '<p class="muted">no thresholds</p>';
  return `<div><h3>Thresholds</h3>${thresholds}</div>`;
}

function latencyPanel(summary: Summary): string {
  const l = summary.latency;
  // Nothing timed is "-", not zeros.
  const rows = (['handshake', 'message', 'reconnect'] as const).map((k) =>
    l[k].count === 0
      ? [k, 0, '-', '-', '-', '-', '-']
      : [k, l[k].count, ms(l[k].p50), ms(l[k].p90), ms(l[k].p99), ms(l[k].p999), ms(l[k].max)],
  );
  return `<div><h3>Latency (ms)</h3>${table(['', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'], rows)}</div>`;
}

function stickinessPanel(summary: Summary): string {
  const s = summary.stickiness;
  const causes = Object.entries(s.violations_by_cause);
  const head = ['reconnects', 'sticky', 'failovers', 'violations', 'violation rate'];
  const row = [s.reconnects, s.sticky, s.failovers, s.violations, pct(s.violation_rate)];
  return `<div><h3>Stickiness</h3>${table(head, [row])}
${causes.length ? table(['violation cause', 'count'], causes) : ''}
${summary.continuity ? `<p>session ${e(continuityLine(summary.continuity))}</p>` : ''}</div>`;
}

function backendsPanel(summary: Summary): string {
  const { backends, imbalance, jain } = summary.distribution;
  return `<div><h3>Backends</h3>${table(
    ['backend', 'connections', 'share', 'peak open'],
    backends.map((b) => [b.id, b.connections, pct(b.share), b.peak_open]),
  )}
<p>imbalance ${e(imbalance)} · Jain ${e(jain)}</p></div>`;
}

function connectionsPanel(summary: Summary): string {
  const { connections: c, messages: m, disconnects: d } = summary;
  const counts = table(
    ['attempted', 'opened', 'failed', 'peak open'],
    [[c.attempted, c.opened, c.failed, c.peak_open]],
  );
  const closes = `unexpected closes ${e(d.unexpected)}, idle timeouts ${e(d.idle_timeouts)}`;
  return `<div><h3>Connections</h3>${counts}
${tally('failure reason', c.failed_by_reason)}
${tally('close code', d.by_close_code)}
<p>messages sent ${e(m.sent)}, received ${e(m.received)}, lost ${e(m.lost)} · ${closes}</p>
${populationHtml(summary)}</div>`;
}

/** How the clients came and went, and each group's figures. */
function populationHtml(summary: Summary): string {
  const line = loadLine(summary);
  const rows = groupRows(summary);
  return `${line ? `<p>${e(line)}</p>` : ''}${rows.length > 0 ? table(GROUP_HEAD, rows) : ''}`;
}

function stepsPanel(summary: Summary): string {
  if (!summary.steps && !summary.push) return '';
  const steps = Object.entries(summary.steps ?? {}).map(([name, st]) => [
    `step ${name}`,
    st.attempted,
    st.passed,
    st.failed,
    Object.entries(st.failed_by_reason)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ') || '-',
    ms(summary.latency.steps?.[name]?.p99 ?? 0),
  ]);
  const push = summary.push
    ? [
        [
          'push',
          summary.push.received,
          summary.push.matched,
          '-',
          `gap p99 ${summary.push.gap_p99 ?? '-'} ms`,
          summary.latency.push?.count ? ms(summary.latency.push.p99) : '-',
        ],
      ]
    : [];
  const head = ['', 'attempted / received', 'passed / matched', 'failed', 'failed by reason', 'p99 ms'];
  const unmatched = summary.messages.unmatched ? `<p>unmatched replies: ${e(summary.messages.unmatched)}</p>` : '';
  return `<div><h3>Steps and pushes</h3>${table(head, [...steps, ...push])}${unmatched}</div>`;
}

function outagesPanel(summary: Summary): string {
  if (!summary.recovery?.outages) return '';
  const rows = summary.recovery.by_outage.map((o) => [
    o.backend,
    `${o.down_at_s}s`,
    o.back_up_at_s === null ? 'not by the end' : `${o.back_up_at_s}s`,
    o.source ?? '-',
    o.clients_cut,
    o.clients_back,
    o.clients_lost,
  ]);
  const head = ['backend', 'down', 'up', 'known from', 'clients cut', 'back', 'never back'];
  return `<div><h3>Outages</h3>${table(head, rows)}
<p>back within p99 ${e(summary.recovery.p99_ms ?? '-')} ms, max ${e(summary.recovery.max_ms ?? '-')} ms</p></div>`;
}

function eventsPanel(summary: Summary): string {
  if (!summary.events.length) return '';
  const rows = summary.events.map((ev) => [
    `${ev.at_s}s`,
    `${ev.action}${ev.target ? ` ${ev.target}` : ''}`,
    `${ev.ok === false ? 'FAILED ' : ''}${ev.detail ?? ''}`,
    ev.disconnected,
    ev.reconnected,
    ev.reconnect_p99 ?? '-',
  ]);
  const head = ['at', 'event', 'outcome', 'disconnected', 'reconnected', 'reconnect p99 ms'];
  return `<div><h3>Events</h3>${table(head, rows)}</div>`;
}

function findingsPanel(summary: Summary): string {
  const findings = summary.findings ?? [];
  if (!findings.length) return '';
  const paragraphs = findings.map(
    (f) =>
      `<p class="finding ${e(f.severity)}"><b>${e(f.severity)}: ${e(f.cause)}</b>` +
      `<br>${e(f.evidence)}<br>fix: ${e(f.fix)}</p>`,
  );
  return `<div class="findings"><h3>Findings</h3>${paragraphs.join('')}</div>`;
}

const PANELS = [
  thresholdsPanel,
  latencyPanel,
  stickinessPanel,
  backendsPanel,
  connectionsPanel,
  stepsPanel,
  outagesPanel,
  eventsPanel,
];

function runSection(summary: Summary, index: number): string {
  return `<section class="run">
${runHeading(summary)}
<div class="grid">
${PANELS.map((panel) => panel(summary)).join('\n')}
</div>
${findingsPanel(summary)}
${summary.warnings.map((w) => `<p class="warning">warning: ${e(w)}</p>`).join('')}
<div class="chart" id="open-${index}"></div>
<div class="chart" id="latency-${index}"></div>
<div class="chart" id="backends-${index}"></div>
</section>`;
}

function compareTable(summaries: readonly Summary[]): string {
  return table(
    ['', ...summaries.map(runName)],
    COMPARE_ROWS.map(([label, value]) => [label, ...summaries.map(value)]),
  );
}

/** One self-contained page: one run, or several stacks side by side (compare). */
export function renderHtmlReport(summaries: readonly Summary[]): string {
  const { js, css } = uplotAssets();
  const first = summaries[0];
  const data = {
    runs: summaries.map((summary) => ({
      label: runName(summary),
      timeseries: summary.timeseries,
      backends: summary.distribution.backends.map((b) => b.id),
      events: summary.events.map((ev) => ({ t: ev.at_s, label: `${ev.action}${ev.target ? ` ${ev.target}` : ''}` })),
      curve: percentileCurve(summary.histograms.message),
    })),
  };
  const title =
    summaries.length > 1
      ? `${first.scenario}: ${summaries.map(runName).join(' vs ')}`
      : `${first.scenario} on ${runName(first)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stickler · ${e(title)}</title>
<style>${css}
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:24px 0 4px}
h3{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;margin:4px 0}
td,th{border:1px solid #d1d5db;padding:3px 8px;text-align:right}
th{background:#f3f4f6}
td:first-child,th:first-child{text-align:left}
.muted{color:#6b7280}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:8px 24px}
.verdict{font-size:13px;padding:2px 8px;border-radius:4px;color:#fff}
.verdict.pass{background:#16a34a}
.verdict.fail{background:#dc2626}
.verdict.incomplete{background:#d97706}
.warning{color:#b45309}
.finding{border-left:4px solid #9ca3af;padding-left:8px}
.finding.error{border-color:#dc2626}
.finding.warning{border-color:#d97706}
.chart{margin:12px 0}
section.run{border-top:2px solid #e5e7eb;margin-top:16px}
</style></head>
<body>
<h1>${e(title)}</h1>
<p class="muted">${e(first.scenario)}${first.started_at ? ` · ${e(first.started_at)}` : ''} · stickler report</p>
${summaries.length > 1 ? `<h2>Side by side</h2>${compareTable(summaries)}` : ''}
<div class="chart" id="percentiles"></div>
${summaries.map(runSection).join('\n')}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${js}</script>
<script>${HTML_CLIENT_SCRIPT}</script>
</body></html>
`;
}

export function writeHtmlReport(file: string, summaries: readonly Summary[]): void {
  writeFileAtomically(file, renderHtmlReport(summaries));
}
