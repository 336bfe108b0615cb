import Table from 'cli-table3';
import type { Summary } from '../metrics/summary-types.js';

const plain = { style: { head: [], border: [] } };
const fmt = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : Number.isInteger(value) ? String(value) : value.toFixed(2);

/** How the clients came and went, in one line (nothing for a plain count and ramp with no leavers). */
export function loadLine(summary: Pick<Summary, 'load'>): string | null {
  const load = summary.load;
  if (!load || (load.model === 'count' && load.left === 0)) return null;
  const parts: string[] = [];
  if (load.stages) {
    const stages = load.stages.map((stage) => {
      const what = 'hold_s' in stage ? `hold ${stage.hold_s}s` : `to ${stage.to} over ${stage.over_s}s`;
      return `${what} (${fmt(stage.open_at_end)} open at its end)`;
    });
    parts.push(`stages: ${stages.join(', ')}`);
  }
  if (load.arrival) {
    const { rate, for_s, attempted, late_starts, late_start_mean_ms } = load.arrival;
    const late = late_starts > 0 ? `, ${late_starts} started late (mean ${late_start_mean_ms} ms)` : '';
    parts.push(`arrival: ${fmt(rate)}/s for ${for_s}s, ${attempted} attempted${late}`);
  }
  if (load.session) parts.push(`sessions ${load.session.length_s}s (${load.session.shape})`);
  parts.push(`${load.left} of ${load.clients} clients left for good`);
  return `load: ${parts.join('; ')}`;
}

export const GROUP_HEAD = [
  'group',
  'clients',
  'attempted',
  'opened',
  'failed',
  'sent',
  'received',
  'lost',
  'p99 (ms)',
  'reconnects',
  'violations',
];

/** One row per persona of clients.groups. */
export function groupRows(summary: Pick<Summary, 'groups'>): (string | number)[][] {
  return Object.entries(summary.groups ?? {}).map(([name, g]) => [
    name,
    g.clients,
    g.connections.attempted,
    g.connections.opened,
    g.connections.failed,
    g.messages.sent,
    g.messages.received,
    g.messages.lost,
    g.latency.message.count > 0 ? fmt(g.latency.message.p99) : '-',
    g.stickiness.reconnects,
    g.stickiness.violations,
  ]);
}

/** The terminal's load line and groups table. */
export function populationSection(summary: Summary): string[] {
  const parts: string[] = [];
  const line = loadLine(summary);
  if (line) parts.push(line);
  const rows = groupRows(summary);
  if (rows.length > 0) {
    const table = new Table({ head: GROUP_HEAD, ...plain });
    table.push(...rows);
    parts.push(table.toString());
  }
  return parts;
}
