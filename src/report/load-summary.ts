import fs from 'node:fs';
import path from 'node:path';
import type { Summary } from '../metrics/summary-types.js';
import { THRESHOLD_METRICS } from '../scenario/threshold-metrics.js';

/** Reads a saved summary from a run folder or a summary.json path. */
export function loadSummary(source: string): Summary {
  const file = fs.existsSync(source) && fs.statSync(source).isDirectory() ? path.join(source, 'summary.json') : source;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: no such summary (give a run folder or its summary.json)`);
  }
  try {
    const summary = JSON.parse(text) as Summary;
    if (!summary.latency || !summary.connections) throw new Error('not a stickler summary');
    const wrong = THRESHOLD_METRICS.find((metric) => !numberOrAbsent(valueAt(summary, metric)));
    if (wrong)
      throw new Error(
        `${wrong} is ${JSON.stringify(valueAt(summary, wrong))}, not a number; was the file edited by hand?`,
      );
    return summary;
  } catch (error) {
    throw new Error(`${file}: not a stickler summary.json (${(error as Error).message})`, { cause: error });
  }
}

function valueAt(summary: unknown, metric: string): unknown {
  return metric
    .split('.')
    .reduce<unknown>(
      (node, part) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
      summary,
    );
}

/** The reports read these fields as numbers (a latency of nothing measured may be null). */
const numberOrAbsent = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value));
