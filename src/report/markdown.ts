import { GROUP_HEAD, groupRows, loadLine } from './population-tables.js';
import fs from 'node:fs';
import type { Summary } from '../metrics/summary-types.js';
import { continuityLine } from '../metrics/continuity.js';
import { printable } from './printable.js';
import { runName } from './run-name.js';

const pct = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;
const cell = (value: unknown) => printable(String(value).replace(/\|/g, '\\|').replace(/\n/g, ' '));

const FINDING_MARK: Record<string, string> = { error: '❌', warning: '⚠️', info: 'ℹ️' };
const VERDICT_MARK: Record<string, string> = { pass: '✅ pass', fail: '❌ fail', incomplete: '⚠️ incomplete' };

/** A short Markdown summary, for `$GITHUB_STEP_SUMMARY` and pull-request comments. */
export function renderMarkdown(summary: Summary): string {
  const lines = [
    `### stickler: ${cell(summary.scenario)} on ${cell(runName(summary))}: ` +
      `${VERDICT_MARK[summary.verdict] ?? summary.verdict}` +
      `${summary.interrupted ? ' (interrupted)' : ''}`,
    '',
    `${summary.connections.clients} clients, ${summary.duration_s} s, seed ` +
      `${summary.seed}${summary.interrupted ? ' (interrupted)' : ''}`,
    '',
    '| metric | value |',
    '|---|---|',
    `| connections opened / failed | ${summary.connections.opened} / ${summary.connections.failed} |`,
    summary.latency.message.count > 0
      ? `| message latency p50 / p99 | ${summary.latency.message.p50} ms / ${summary.latency.message.p99} ms |`
      : '| message latency p50 / p99 | - (nothing timed) |',
    `| handshake latency p99 | ${summary.latency.handshake.p99} ms |`,
    `| stickiness violation rate | ${pct(summary.stickiness.violation_rate)} (` +
      `${summary.stickiness.violations} of ${summary.stickiness.reconnects} reconnects) ` +
      `|`,
    `| distribution imbalance | ${summary.distribution.imbalance} |`,
    ...(summary.continuity ? [`| session state | ${cell(continuityLine(summary.continuity))} |`] : []),
    `| unexpected disconnects | ${summary.disconnects.unexpected} |`,
  ];
  const load = loadLine(summary);
  if (load) lines.push('', cell(load));
  const groups = groupRows(summary);
  if (groups.length > 0) {
    lines.push('', `| ${GROUP_HEAD.join(' | ')} |`, `|${GROUP_HEAD.map(() => '---').join('|')}|`);
    for (const row of groups) lines.push(`| ${row.map((value) => cell(String(value))).join(' | ')} |`);
  }
  if (summary.thresholds.length > 0) {
    lines.push('', '| threshold | condition | actual | result |', '|---|---|---|---|');
    for (const t of summary.thresholds) {
      lines.push(
        `| ${cell(t.metric)} | ${cell(t.condition)} | ` +
          `${t.actual === null ? `none: ${cell(t.why ?? 'nothing measured')}` : t.actual} | ` +
          `${t.passed ? 'pass' : '**FAIL**'} |`,
      );
    }
  }
  const findings = summary.findings ?? [];
  if (findings.length > 0) {
    lines.push('', '**Findings**', '');
    for (const f of findings)
      lines.push(`- ${FINDING_MARK[f.severity]} **${cell(f.cause)}** (${cell(f.evidence)})<br>fix: ${cell(f.fix)}`);
  }
  if (summary.warnings.length > 0) lines.push('', ...summary.warnings.map((warning) => `- ⚠️ ${cell(warning)}`));
  return `${lines.join('\n')}\n`;
}

/** Appends the summary to the GitHub Actions job summary when running there. */
export function appendToGithubStepSummary(markdown: string, env = process.env): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  fs.appendFileSync(file, `${markdown}\n`);
  return true;
}
