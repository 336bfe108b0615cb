import fs from 'node:fs';
import type { Summary } from '../metrics/summary-types.js';

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!);

/** One test suite per run (stack), one test case per threshold; a failure carries actual vs limit. */
export function renderJunit(summaries: readonly Summary[]): string {
  const suites = summaries.map((summary) => {
    const failures = summary.thresholds.filter((t) => !t.passed).length;
    const cases = summary.thresholds.map((t) => {
      const name = escapeXml(`${t.metric} ${t.condition}`);
      const body = t.passed
        ? ''
        : `<failure message="${escapeXml(`${t.metric} was ${t.actual}, limit ${t.condition}`)}">${escapeXml(`${t.metric}: actual ${t.actual}, expected ${t.condition}`)}</failure>`;
      return `    <testcase classname="${escapeXml(`${summary.scenario}.${summary.stack}`)}" name="${name}">${body}</testcase>`;
    });
    return `  <testsuite name="${escapeXml(`${summary.scenario} on ${summary.stack}`)}" tests="${summary.thresholds.length}" failures="${failures}" time="${summary.duration_s}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`;
}

export function writeJunit(file: string, summaries: readonly Summary[]): void {
  fs.writeFileSync(file, renderJunit(summaries));
}
