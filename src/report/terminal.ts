import Table from 'cli-table3';
import type { LatencySummary, Summary } from '../metrics/summary-types.js';
import { outageLine } from '../metrics/recovery.js';
import { continuityLine } from '../metrics/continuity.js';
import { printable } from './printable.js';
import { runName } from './run-name.js';
import { populationSection } from './population-tables.js';

/** The end-of-run tables, as text (the CLI decides whether it goes to stdout or stderr). */
const plain = { style: { head: [], border: [] } };

const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined ? '-' : Number.isInteger(value) ? String(value) : value.toFixed(digits);
const pct = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;

export function renderSummary(summary: Summary): string {
  const parts = SECTIONS.flatMap((section) => section(summary));
  parts.push(`verdict: ${verdictWords(summary)}`);
  // Backend ids, close codes and warnings carry what the target sent.
  return printable(parts.join('\n'), true);
}

/** What ran, on what, for how long. */
function headline(summary: Summary): string[] {
  const parts: string[] = [];
  parts.push(
    `${summary.scenario} on ${runName(summary)} (${summary.target_url}): ` +
      `${summary.duration_s}s, ${summary.connections.clients} clients, seed ` +
      `${summary.seed}${summary.interrupted ? ' [INTERRUPTED]' : ''}`,
  );
  return parts;
}

/** Handshake, message and reconnect latency. */
function latencySection(summary: Summary): string[] {
  const parts: string[] = [];
  const latency = new Table({ head: ['latency (ms)', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'], ...plain });
  // Nothing timed is "-", not zeros.
  const row = (name: string, l: LatencySummary) =>
    l.count === 0
      ? [name, 0, '-', '-', '-', '-', '-']
      : [name, l.count, fmt(l.p50), fmt(l.p90), fmt(l.p99), fmt(l.p999), fmt(l.max)];
  // Over wss:// the handshake includes the TLS handshake: say so where the figure is.
  latency.push(
    row(summary.target_url.startsWith('wss:') ? 'handshake (TCP+TLS+upgrade)' : 'handshake', summary.latency.handshake),
    row('message', summary.latency.message),
  );
  if (summary.latency.reconnect.count > 0) latency.push(row('reconnect', summary.latency.reconnect));
  parts.push(latency.toString());
  return parts;
}

/** Connections and their failures, messages and closes. */
function connectionsSection(summary: Summary): string[] {
  const parts: string[] = [];
  const c = summary.connections;
  const failed =
    Object.entries(c.failed_by_reason)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ') || 'none';
  const connections = new Table({
    head: ['connections', 'attempted', 'opened', 'failed', 'peak open', 'failed by reason'],
    ...plain,
  });
  connections.push(['', c.attempted, c.opened, c.failed, c.peak_open, failed]);
  const m = summary.messages;
  const d = summary.disconnects;
  const codes =
    Object.entries(d.by_close_code)
      .map(([code, n]) => `${code}: ${n}`)
      .join(', ') || 'none';
  parts.push(connections.toString());
  const traffic = new Table({
    head: ['messages sent', 'received', 'lost', 'client drops', 'unexpected closes', 'by close code', 'idle timeouts'],
    ...plain,
  });
  traffic.push([m.sent, m.received, m.lost, d.client, d.unexpected, codes, d.idle_timeouts]);
  parts.push(traffic.toString());
  return parts;
}

/** Where connections landed. */
function distributionSection(summary: Summary): string[] {
  const parts: string[] = [];
  // No backend named itself (one declared server): an empty table of zeros says nothing.
  if (summary.distribution.backends.length === 0) return parts;
  const distribution = new Table({ head: ['backend', 'connections', 'share', 'peak open'], ...plain });
  for (const backend of summary.distribution.backends)
    distribution.push([backend.id, backend.connections, pct(backend.share), backend.peak_open]);
  distribution.push([
    'imbalance',
    fmt(summary.distribution.imbalance, 3),
    `jain ${fmt(summary.distribution.jain, 3)}`,
    '',
  ]);
  parts.push(distribution.toString());
  return parts;
}

/** How reconnects were judged, and whether sessions resumed. */
function stickinessSection(summary: Summary): string[] {
  const parts: string[] = [];
  const s = summary.stickiness;
  if (s.reconnects > 0) {
    const causes =
      Object.entries(s.violations_by_cause)
        .map(([cause, n]) => `${cause} ${n}`)
        .join(', ') || '-';
    const decidedBy = (s.serving_state_from ?? []).join(', ') || '-';
    const stickiness = new Table({
      head: [
        'reconnects',
        'sticky',
        'failovers',
        'violations',
        'violation rate',
        'violations by cause',
        'down/up known from',
      ],
      ...plain,
    });
    stickiness.push([s.reconnects, s.sticky, s.failovers, s.violations, pct(s.violation_rate), causes, decidedBy]);
    parts.push(stickiness.toString());
  }
  if (summary.continuity && summary.continuity.resumes > 0)
    parts.push(`continuity: ${continuityLine(summary.continuity)}`);
  return parts;
}

/** The timeline's events and what each did. */
function eventsSection(summary: Summary): string[] {
  const parts: string[] = [];
  if (summary.events.length > 0) {
    const tally = (t: Record<string, number> | undefined) =>
      Object.entries(t ?? {})
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ') || '-';
    const events = new Table({
      head: [
        'at',
        'event',
        'outcome',
        'disconnected',
        'reconnected',
        'reconnect p99 ms',
        'errors by status',
        'failovers to',
        'lost',
      ],
      ...plain,
    });
    for (const event of summary.events) {
      events.push([
        `${event.at_s}s`,
        `${event.action}${event.target ? ` ${event.target}` : ''}`,
        `${event.ok === false ? 'FAILED ' : ''}${event.detail ?? ''}`,
        event.disconnected,
        event.reconnected,
        fmt(event.reconnect_p99),
        tally(event.errors_by_status),
        tally(event.failovers_to),
        event.messages_lost ?? 0,
      ]);
    }
    parts.push(events.toString());
  }
  return parts;
}

/** on_open steps, and pushes in a table of their own. */
function protocolSection(summary: Summary): string[] {
  const parts: string[] = [];
  const steps = Object.entries(summary.steps ?? {});
  if (steps.length > 0) {
    const table = new Table({
      head: ['step', 'attempted', 'passed', 'failed', 'cut', 'failed by reason', 'p99 ms'],
      ...plain,
    });
    for (const [name, step] of steps) {
      const reasons =
        Object.entries(step.failed_by_reason)
          .map(([reason, n]) => `${reason} ${n}`)
          .join(', ') || 'none';
      table.push([
        name,
        step.attempted,
        step.passed,
        step.failed,
        step.cut ?? 0,
        reasons,
        fmt(summary.latency.steps?.[name]?.p99),
      ]);
    }
    parts.push(table.toString());
    for (const [name, step] of steps)
      if (step.came_instead?.length) parts.push(`step ${name}: came instead: ${step.came_instead.join(' | ')}`);
  }
  if (summary.push) {
    const push = new Table({ head: ['pushes', 'matched', 'per message sent', 'gap p99 ms', 'p99 ms'], ...plain });
    push.push([
      summary.push.received,
      summary.push.matched,
      fmt(summary.push.per_message),
      fmt(summary.push.gap_p99),
      fmt(summary.latency.push?.count ? summary.latency.push.p99 : null),
    ]);
    parts.push(push.toString());
  }
  if (summary.messages.unmatched > 0)
    parts.push(`unmatched replies: ${summary.messages.unmatched} (their id matched no message in flight)`);
  return parts;
}

/** Outages and how clients came back. */
function recoverySection(summary: Summary): string[] {
  const parts: string[] = [];
  const recovery = summary.recovery;
  if (recovery && recovery.outages > 0) {
    for (const outage of recovery.by_outage) parts.push(`outage: ${outageLine(outage)}`);
    parts.push(
      `recovery: ${recovery.clients_cut} clients cut, ${recovery.clients_lost} never back, ` +
        `back within p99 ${fmt(recovery.p99_ms)} ms (max ${fmt(recovery.max_ms)} ms)`,
    );
  }
  return parts;
}

/** The thresholds judged. */
function thresholdsSection(summary: Summary): string[] {
  const parts: string[] = [];
  if (summary.thresholds.length > 0) {
    const thresholds = new Table({ head: ['threshold', 'condition', 'actual', 'result'], ...plain });
    for (const t of summary.thresholds)
      thresholds.push([
        t.metric,
        t.condition,
        t.actual === null ? `none: ${t.why ?? 'nothing measured'}` : fmt(t.actual),
        t.passed ? 'pass' : 'FAIL',
      ]);
    parts.push(thresholds.toString());
  }
  return parts;
}

/** Warnings and findings. */
function notesSection(summary: Summary): string[] {
  const parts: string[] = [];
  for (const warning of summary.warnings) parts.push(`warning: ${warning}`);
  for (const finding of summary.findings ?? [])
    parts.push(
      `finding (${finding.severity}): ${finding.cause}\n  evidence: ${finding.evidence}\n  fix: ${finding.fix}`,
    );
  return parts;
}

/** In the order a person reads them. */
const SECTIONS: ((summary: Summary) => string[])[] = [
  headline,
  latencySection,
  connectionsSection,
  populationSection,
  distributionSection,
  stickinessSection,
  eventsSection,
  protocolSection,
  recoverySection,
  thresholdsSection,
  notesSection,
];

/** PASS, FAIL or INCOMPLETE, and INTERRUPTED when the run was cut short (its figures are partial). */
export function verdictWords(summary: Pick<Summary, 'verdict' | 'interrupted'>): string {
  const verdict = summary.verdict.toUpperCase();
  return summary.interrupted ? `INTERRUPTED (partial figures: ${verdict})` : verdict;
}
