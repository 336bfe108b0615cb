import type { GroupSlice } from './counters.js';
import type { RunAggregate } from './aggregate.js';
import type { Histogram } from './histograms.js';

/**
 * The run's live figures in the Prometheus text format (0.0.4), read from the coordinator's aggregate
 * (the interval snapshots it already merges): counters as totals so far, open connections from the
 * last closed second, histograms as cumulative buckets in seconds, never precomputed percentiles, so
 * that a Prometheus can add shards up. Nothing here runs per message.
 */
export const BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escape(value)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

/** The text of several sources (the stacks of a compare), each family once with the samples of all. */
class Exposition {
  private readonly families = new Map<string, { header: string[]; samples: string[] }>();
  private current: string[] = [];
  base: Labels = {};

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    let family = this.families.get(name);
    if (!family)
      this.families.set(name, (family = { header: [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`], samples: [] }));
    this.current = family.samples;
    return this;
  }

  sample(name: string, value: number, labels: Labels = {}): this {
    this.current.push(`${name}${labelText({ ...this.base, ...labels })} ${Number.isFinite(value) ? value : 0}`);
    return this;
  }

  tally(name: string, type: 'counter' | 'gauge', help: string, label: string, tally: Record<string, number>): this {
    this.family(name, type, help);
    for (const [key, value] of Object.entries(tally)) this.sample(name, value, { [label]: key });
    return this;
  }

  /** An HdrHistogram of microseconds as cumulative buckets of seconds. */
  histogram(name: string, help: string, histogram: Histogram): this {
    this.family(name, 'histogram', help);
    // One pass over the counts array (a typed array; no objects per value, unlike the value iterators).
    // Nothing is counted past the largest value; the sum is made on the way (histogram.mean walks every value).
    // The JS histogram's counts array is public in the implementation, not in its interface.
    // eslint-disable-next-line no-restricted-syntax -- see above
    const raw = histogram as unknown as CountsArray;
    const last =
      histogram.totalCount > 0 ? Math.min(raw.countsArrayLength - 1, raw.countsArrayIndex(histogram.maxValue)) : -1;
    let cumulative = 0;
    let sumUs = 0;
    let index = 0;
    for (const bound of BUCKETS_S) {
      const upTo = Math.min(last, raw.countsArrayIndex(bound * 1e6));
      for (; index <= upTo; index++) {
        const count = raw.getCountAtIndex(index);
        if (count === 0) continue;
        cumulative += count;
        sumUs += count * raw.valueFromIndex(index);
      }
      this.sample(`${name}_bucket`, cumulative, { le: String(bound) });
    }
    for (; index <= last; index++) sumUs += raw.getCountAtIndex(index) * raw.valueFromIndex(index);
    this.sample(`${name}_bucket`, histogram.totalCount, { le: '+Inf' });
    this.sample(`${name}_sum`, sumUs / 1e6);
    this.sample(`${name}_count`, histogram.totalCount);
    return this;
  }

  text(): string {
    return `${[...this.families.values()].flatMap((family) => [...family.header, ...family.samples]).join('\n')}\n`;
  }
}

/** What of the pure-JS HdrHistogram the buckets read (public on JsHistogram, not in the Histogram interface). */
interface CountsArray {
  countsArrayLength: number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
}

/** The metrics of one run (or shard) so far; `labels`: scenario, and shard when sharded (stack, in a compare). */
export function renderPrometheus(aggregate: RunAggregate | null, labels: Labels): string {
  return renderPrometheusOf([{ aggregate, labels }]);
}

/** Several runs in one text (a compare's stacks, one after another): each series labelled by its run. */
export function renderPrometheusOf(sources: readonly { aggregate: RunAggregate | null; labels: Labels }[]): string {
  const out = new Exposition();
  for (const { aggregate, labels } of sources) {
    out.base = labels;
    addRun(out, aggregate);
  }
  return out.text();
}

function addRun(out: Exposition, aggregate: RunAggregate | null): void {
  const totals = aggregate?.totals;
  const row = aggregate?.rows.at(-1);
  const open: Record<string, number> = { ...(row?.per_backend ?? {}) };
  const named = Object.values(open).reduce((sum, n) => sum + n, 0);
  // Connections whose backend is not known (yet) are open too.
  if ((row?.open ?? 0) > named) open.unknown = (row?.open ?? 0) - named;
  out.tally(
    'stickler_connections_open',
    'gauge',
    'open connections by the backend they reached, at the last closed second',
    'backend',
    open,
  );
  if (!totals) return;
  out.tally(
    'stickler_connections_opened_total',
    'counter',
    'connections opened, by backend',
    'backend',
    totals.openedByBackend,
  );
  out.tally(
    'stickler_connections_failed_total',
    'counter',
    'connection attempts that failed, by reason',
    'reason',
    totals.failedByReason,
  );
  out
    .family('stickler_messages_sent_total', 'counter', 'messages sent')
    .sample('stickler_messages_sent_total', totals.sent);
  out
    .family('stickler_messages_received_total', 'counter', 'replies received')
    .sample('stickler_messages_received_total', totals.received);
  out
    .family('stickler_messages_lost_total', 'counter', 'messages whose reply never came')
    .sample('stickler_messages_lost_total', totals.lost);
  out.tally('stickler_reconnects_total', 'counter', 'judged reconnects by outcome', 'outcome', {
    sticky: totals.sticky,
    failover: totals.failovers,
    violation: totals.violations,
  });
  out
    .family(
      'stickler_session_breaks_total',
      'counter',
      'Socket.IO sessions broken by a request that reached another node',
    )
    .sample('stickler_session_breaks_total', totals.sessionBreaks);
  out.family('stickler_steps_failed_total', 'counter', 'on_open steps that failed, by step and reason');
  for (const [key, value] of Object.entries(totals.stepFailed)) {
    const [step, reason] = key.split(':');
    out.sample('stickler_steps_failed_total', value, { step, reason });
  }
  out.histogram('stickler_message_rtt_seconds', 'message round trips from the intended send time', aggregate!.message);
  out.histogram('stickler_handshake_seconds', 'WebSocket handshakes', aggregate!.handshake);
  out.histogram(
    'stickler_reconnect_seconds',
    'time from losing a connection to the next one open',
    aggregate!.reconnect,
  );
  addPopulation(out, aggregate!);
}

/** Stages and arrivals: the target count; clients.groups: each persona's counts under a `group` label. */
function addPopulation(out: Exposition, aggregate: RunAggregate): void {
  const target = aggregate.rows.at(-1)?.target;
  if (target !== undefined)
    out
      .family('stickler_clients_target', 'gauge', 'clients the stages or the arrival rate want connected now')
      .sample('stickler_clients_target', target);
  if (aggregate.groups.size === 0) return;
  const families: [string, string, keyof GroupSlice['counters']][] = [
    ['stickler_group_connections_opened_total', 'connections opened, by group', 'opened'],
    ['stickler_group_connections_failed_total', 'connection attempts that failed, by group', 'failed'],
    ['stickler_group_messages_sent_total', 'messages sent, by group', 'sent'],
    ['stickler_group_messages_received_total', 'replies received, by group', 'received'],
    ['stickler_group_messages_lost_total', 'messages whose reply never came, by group', 'lost'],
    ['stickler_group_violations_total', 'reconnects that broke stickiness, by group', 'violations'],
  ];
  for (const [name, help, key] of families) {
    out.family(name, 'counter', help);
    for (const [group, figures] of aggregate.groups) out.sample(name, figures.counters[key], { group });
  }
}
