/** What a threshold may name: the numeric paths of summary.json (metrics/summary-types.ts has its shape). */
const LATENCY_FIELDS = ['count', 'mean', 'p50', 'p90', 'p99', 'p999', 'max'] as const;

/** Every numeric path a threshold may name. */
export const THRESHOLD_METRICS: readonly string[] = [
  'duration_s',
  'connections.clients',
  'connections.attempted',
  'connections.opened',
  'connections.failed',
  'connections.peak_open',
  'handshake.error_rate',
  ...['message', 'handshake', 'reconnect', 'push'].flatMap((kind) =>
    LATENCY_FIELDS.map((field) => `latency.${kind}.${field}`),
  ),
  'messages.sent',
  'messages.received',
  'messages.lost',
  'messages.unmatched',
  'messages.backpressured',
  'push.received',
  'push.matched',
  'push.gap_p99',
  'stickiness.reconnects',
  'stickiness.sticky',
  'stickiness.unidentified',
  'stickiness.violations',
  'stickiness.failovers',
  'stickiness.violation_rate',
  'stickiness.clients_displaced',
  'stickiness.address_changes',
  'stickiness.session_breaks',
  'stickiness.session_break_rate',
  'sessions.opened',
  'sessions.upgraded',
  'sessions.broken',
  'continuity.resumes',
  'continuity.resumed',
  'continuity.lost',
  'continuity.lost_rate',
  'distribution.imbalance',
  'distribution.jain',
  'disconnects.client',
  'disconnects.unexpected',
  'disconnects.idle_timeouts',
  'recovery.outages',
  'recovery.clients_cut',
  'recovery.clients_lost',
  'recovery.p99_ms',
  'recovery.max_ms',
];

/** Map-valued paths whose keys are open-ended (`connections.failed_by_reason.ECONNREFUSED`). */
export const THRESHOLD_METRIC_PREFIXES: readonly string[] = [
  'latency.steps.',
  'steps.',
  'connections.failed_by_reason.',
  'handshake.errors_by_status.',
  'disconnects.by_close_code.',
  'disconnects.by_reason.',
  'stickiness.violations_by_cause.',
  'continuity.lost_by_cause.',
];

export function isKnownMetric(metric: string): boolean {
  return (
    THRESHOLD_METRICS.includes(metric) ||
    THRESHOLD_METRIC_PREFIXES.some((prefix) => metric.startsWith(prefix) && metric.length > prefix.length)
  );
}
