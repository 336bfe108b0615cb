import fs from 'node:fs';
import path from 'node:path';
import type { Summary } from '../metrics/summary-types.js';
import { writeHtmlReport } from './html.js';
import { writeJunit } from './junit.js';
import { appendToGithubStepSummary, renderMarkdown } from './markdown.js';

/** What is being published: one run (run, merge) or several runs of one scenario side by side (compare). */
export type Publication =
  | { kind: 'run'; outDir: string; summary: Summary; junit?: string }
  | { kind: 'compare'; outDir: string; summaries: Summary[]; compare: object; junit?: string };

/** One output: writes its part of a publication and says what it wrote (null: nothing, for this kind). */
type Reporter = (publication: Publication) => string | null;

const summariesOf = (publication: Publication): Summary[] =>
  publication.kind === 'run' ? [publication.summary] : publication.summaries;

/** Every output of run, merge and compare, in the order they are written. */
const REPORTERS: Record<string, Reporter> = {
  summary_json: (publication) =>
    publication.kind === 'run'
      ? writeJsonAtomically(path.join(publication.outDir, 'summary.json'), publication.summary)
      : null,
  compare_json: (publication) =>
    publication.kind === 'compare'
      ? writeJsonAtomically(path.join(publication.outDir, 'compare.json'), publication.compare)
      : null,
  html: (publication) => {
    const summaries = summariesOf(publication);
    if (summaries.length === 0) return null;
    const file = path.join(publication.outDir, publication.kind === 'run' ? 'report.html' : 'compare.html');
    writeHtmlReport(file, summaries);
    return file;
  },
  markdown: (publication) => {
    if (publication.kind !== 'run') return null;
    const file = path.join(publication.outDir, 'summary.md');
    fs.writeFileSync(file, renderMarkdown(publication.summary));
    return file;
  },
  // A compare's runs were each published (and appended) as they ended.
  step_summary: (publication) =>
    publication.kind === 'run' && appendToGithubStepSummary(renderMarkdown(publication.summary))
      ? '$GITHUB_STEP_SUMMARY'
      : null,
  junit: (publication) => {
    if (!publication.junit) return null;
    writeJunit(publication.junit, summariesOf(publication));
    return publication.junit;
  },
};

/** Writes every output of a publication; returns what was written, for the log. */
export function publish(publication: Publication): string[] {
  fs.mkdirSync(publication.outDir, { recursive: true });
  return Object.values(REPORTERS).flatMap((reporter) => reporter(publication) ?? []);
}

/** Written aside and renamed: a reader (or a second Ctrl-C) never sees half a file. */
function writeJsonAtomically(file: string, value: unknown): string {
  fs.writeFileSync(`${file}.partial`, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(`${file}.partial`, file);
  return file;
}
