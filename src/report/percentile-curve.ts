import { decodeHistogram } from '../metrics/histograms.js';

/** Points of the classic HdrHistogram percentile plot: x = 1/(1-p) on a log axis, y = latency in ms. */
export interface PercentileCurve {
  x: number[];
  y: number[];
}

const PERCENTILES = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.25, 99.5, 99.75, 99.9, 99.95, 99.99,
  99.999,
];

export function percentileCurve(encodedHistogram: string): PercentileCurve {
  const histogram = decodeHistogram(encodedHistogram);
  const curve: PercentileCurve = { x: [], y: [] };
  if (histogram.totalCount > 0) {
    for (const percentile of PERCENTILES) {
      curve.x.push(1 / (1 - percentile / 100));
      curve.y.push(histogram.getValueAtPercentile(percentile) / 1000);
    }
  }
  histogram.destroy();
  return curve;
}
