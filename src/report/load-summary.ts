import fs from 'node:fs';
import path from 'node:path';
import type { Summary } from '../metrics/summary-types.js';

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
    return summary;
  } catch (error) {
    throw new Error(`${file}: not a stickler summary.json (${(error as Error).message})`);
  }
}
