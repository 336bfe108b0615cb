import type { Summary } from '../metrics/summary-types.js';

/** What a comparison of stacks shows, row by row: one list for the terminal table and the HTML page. */
export const COMPARE_ROWS: readonly (readonly [string, (summary: Summary) => string])[] = [
  ['connections opened', (s) => `${s.connections.opened}/${s.connections.attempted}`],
  ['handshake p50 ms', (s) => s.latency.handshake.p50.toFixed(2)],
  ['handshake p99 ms', (s) => s.latency.handshake.p99.toFixed(2)],
  ['message p50 ms', (s) => s.latency.message.p50.toFixed(2)],
  ['message p99 ms', (s) => s.latency.message.p99.toFixed(2)],
  ['imbalance (max/mean)', (s) => s.distribution.imbalance.toFixed(3)],
  [
    'backends used',
    (s) => `${s.distribution.backends.filter((b) => b.connections > 0).length}/${s.distribution.backends.length}`,
  ],
  ['reconnects', (s) => String(s.stickiness.reconnects)],
  ['violation rate', (s) => `${(s.stickiness.violation_rate * 100).toFixed(2)}%`],
  ['unexpected disconnects', (s) => String(s.disconnects.unexpected)],
  ['handshake errors', (s) => String(s.connections.failed)],
  [
    'errors by status',
    (s) =>
      Object.entries(s.handshake.errors_by_status)
        .map(([status, n]) => `${status}: ${n}`)
        .join(', ') || '-',
  ],
  ['failovers', (s) => String(s.stickiness.failovers)],
  ['state lost / resumes', (s) => (s.continuity ? `${s.continuity.lost} / ${s.continuity.resumes}` : '-')],
  ['clients cut / never back', (s) => (s.recovery ? `${s.recovery.clients_cut} / ${s.recovery.clients_lost}` : '-')],
  ['first finding', (s) => (s.findings ?? []).find((f) => f.severity !== 'info')?.rule ?? '-'],
  ['verdict', (s) => s.verdict],
];
