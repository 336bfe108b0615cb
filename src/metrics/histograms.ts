import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * One histogram preset for the whole tool: integer microseconds from 1 µs up, 3 significant
 * digits, the pure-JS implementation (no WASM) so every process encodes and merges the same way.
 * It starts small and grows to the largest value recorded (autoResize): 9 KB, 34 KB once it holds
 * 100 ms, 95 KB at an hour. A worker starts new ones every second (snapshots hand them over), so
 * starting at the hour's size made 280 KB of garbage a second for nothing.
 */
export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds an encoded histogram into `target`. */
export function mergeEncoded(target: Histogram, encoded: string): void {
  const decoded = decodeHistogram(encoded);
  if (decoded.totalCount > 0) target.add(decoded);
  decoded.destroy();
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Percentiles in milliseconds (floats), as summary.json wants them. */
export function summariseLatency(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const ms = (us: number) => round3(us / 1000);
  return {
    count: histogram.totalCount,
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
}
