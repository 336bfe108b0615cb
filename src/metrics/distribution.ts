import type { BackendShare } from './summary-types.js';

/**
 * Where connections landed: share per backend, imbalance (max share / mean share) and Jain's
 * fairness index ((sum x)^2 / (n * sum x^2)), over the backends the stack has (idle ones count).
 */
export function summariseDistribution(
  openedByBackend: Record<string, number>,
  peakOpenByBackend: Record<string, number>,
  knownBackends: readonly string[],
): { backends: BackendShare[]; imbalance: number; jain: number } {
  const ids = [...new Set([...knownBackends, ...Object.keys(openedByBackend)])].sort(compareBackendIds);
  const total = ids.reduce((sum, id) => sum + (openedByBackend[id] ?? 0), 0);
  const backends = ids.map((id) => ({
    id,
    connections: openedByBackend[id] ?? 0,
    share: total > 0 ? round4((openedByBackend[id] ?? 0) / total) : 0,
    peak_open: peakOpenByBackend[id] ?? 0,
  }));
  if (total === 0 || backends.length === 0) return { backends, imbalance: 0, jain: 0 };
  const counts = backends.map((backend) => backend.connections);
  const mean = total / counts.length;
  const sumSquares = counts.reduce((sum, x) => sum + x * x, 0);
  return {
    backends,
    imbalance: round4(Math.max(...counts) / mean),
    jain: round4((total * total) / (counts.length * sumSquares)),
  };
}

/** b2 before b10. */
export function compareBackendIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

const round4 = (value: number) => Math.round(value * 10000) / 10000;
