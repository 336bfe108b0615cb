import type { RunAggregate } from '../metrics/aggregate.js';
import { renderPrometheus } from '../metrics/prometheus.js';
import type { Summary } from '../metrics/summary-types.js';
import type { Plan } from '../scenario/plan.js';
import { startDashboard } from './dashboard-endpoint.js';
import { lingerThenClose, startMetricsEndpoint, type HttpEndpoint } from './metrics-endpoint.js';

/** What a run watched live (`--metrics`, `--dashboard`) is told, and how its listeners end. */
export interface LiveEndpoints {
  /** For executeScenario's `live`: the aggregate and the summary so far, as each second closes. */
  live(aggregate: RunAggregate, summarySoFar: () => Summary): void;
  /** The run ended (its report is written): the live page says so and links it. */
  ended(summary: Summary, outDir: string): void;
  /** After LINGER_MS (the last scrape, the last page update), the ports close. */
  close(): Promise<void>;
}

/** Starts the listeners a run asked for, before the run (a port in use is a CliError, exit 3); logs their URLs. */
export async function startLiveEndpoints(
  options: { metrics?: string; dashboard?: string },
  plan: Plan,
  shardIndex: number | undefined,
  log: (line: string) => void,
): Promise<LiveEndpoints> {
  let aggregate: RunAggregate | null = null;
  let summarySoFar: (() => Summary) | null = null;
  const endpoints: HttpEndpoint[] = [];
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | null = null;
  try {
    if (options.metrics !== undefined) {
      const labels = { scenario: plan.name, ...(shardIndex !== undefined ? { shard: String(shardIndex) } : {}) };
      const metrics = await startMetricsEndpoint(options.metrics, () => renderPrometheus(aggregate, labels));
      endpoints.push(metrics);
      log(`metrics: ${metrics.url} (Prometheus text, while the run lasts)`);
    }
    if (options.dashboard !== undefined) {
      dashboard = await startDashboard(options.dashboard, plan.durationMs / 1000, () => summarySoFar?.() ?? null);
      endpoints.push(dashboard);
      log(`dashboard: ${dashboard.url} (the run live, updated every second)`);
    }
  } catch (error) {
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
    throw error;
  }
  return {
    live(next, summary) {
      aggregate = next;
      summarySoFar = summary;
    },
    ended(summary, outDir) {
      dashboard?.ended(summary, outDir);
    },
    close: () => lingerThenClose(endpoints),
  };
}
