import { writeFileAtomically } from '../util/atomic-write.js';
import type { Summary } from '../metrics/summary-types.js';
import { printable } from './printable.js';
import { runName } from './run-name.js';

// XML 1.0 cannot carry most control characters at all: they are escaped first.
const escapeXml = (text: string) =>
  printable(text).replace(
    /[<>&'"]/g,
    (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!,
  );

/** One test suite per run (stack), one test case per threshold; a failure carries actual vs limit. */
export function renderJunit(summaries: readonly Summary[]): string {
  const suites = summaries.map((summary) => {
    const classname = escapeXml(`${summary.scenario}.${runName(summary)}`);
    const cases = summary.thresholds.map((t) => {
      const name = escapeXml(`${t.metric} ${t.condition}`);
      const actual = t.actual === null ? `nothing measured (${t.why ?? 'no data'})` : String(t.actual);
      // The failure says why, as the run's findings explain it, and what to change.
      const why = (summary.findings ?? []).filter((finding) => finding.explains?.includes(t.metric));
      const because = why
        .map((finding) => `\nwhy: ${finding.cause} (${finding.evidence})\nfix: ${finding.fix}`)
        .join('');
      const first = why[0] ? `: ${why[0].cause}; fix: ${why[0].fix}` : '';
      const message = escapeXml(`${t.metric} was ${actual}, limit ${t.condition}${first}`);
      const detail = `${t.metric}: actual ${actual}, expected ${t.condition}${because}`;
      const body = t.passed
        ? ''
        : `<failure message="${message}">${detail.split('\n').map(escapeXml).join('\n')}</failure>`;
      return `    <testcase classname="${classname}" name="${name}">${body}</testcase>`;
    });
    // A run that cannot be judged is a failure of its own, whatever its thresholds say.
    if (summary.verdict === 'incomplete') {
      const reason = summary.incomplete_reason ?? 'the run is incomplete';
      cases.unshift(
        `    <testcase classname="${classname}" name="run complete"><failure message="` +
          `${escapeXml(reason)}">${escapeXml(reason)}</failure></testcase>`,
      );
    }
    const failures = summary.thresholds.filter((t) => !t.passed).length + (summary.verdict === 'incomplete' ? 1 : 0);
    return (
      `  <testsuite name="${escapeXml(`${summary.scenario} on ${runName(summary)}`)}" tests="` +
      `${cases.length}" failures="${failures}" time="${summary.duration_s}">\n` +
      `${cases.join('\n')}\n  </testsuite>`
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`;
}

export function writeJunit(file: string, summaries: readonly Summary[]): void {
  writeFileAtomically(file, renderJunit(summaries));
}

/**
 * A run that could not start or finish (an unreachable target): one failing case that says why, so CI's test tab shows
 * it.
 */
export function writeFailureJunit(file: string, suite: string, message: string): void {
  const text = escapeXml(message);
  writeFileAtomically(
    file,
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="` +
      `${escapeXml(suite)}" tests="1" failures="1">\n` +
      (`    <testcase classname="${escapeXml(suite)}" name="run"><failure message="` +
        `${text}">${text}</failure></testcase>\n  </testsuite>\n</testsuites>\n`),
  );
}
