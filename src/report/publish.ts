import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from '../util/atomic-write.js';
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
    writeFileAtomically(file, renderMarkdown(publication.summary));
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

/**
 * The report folder could not be written (a full disk, a read-only or vanished folder): the whole publication went to
 * `fallbackDir` instead. The message says why and where (exit 3).
 */
export class ReportFolderError extends Error {
  constructor(
    message: string,
    readonly fallbackDir: string,
    readonly written: string[],
  ) {
    super(message);
    // main.ts tells it by name (it does not load the reporters to print an error).
    this.name = 'ReportFolderError';
  }
}

/** Writes every output of a publication; returns what was written, for the log. */
export function publish(publication: Publication): string[] {
  const written: string[] = [];
  try {
    fs.mkdirSync(publication.outDir, { recursive: true });
    publishInto(publication, written);
    return written;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (typeof code !== 'string') throw error;
    return publishToFallback(publication, written, error as NodeJS.ErrnoException);
  }
}

function publishInto(publication: Publication, written: string[], skip: ReadonlySet<string> = new Set()): void {
  for (const [name, reporter] of Object.entries(REPORTERS)) {
    if (skip.has(name)) continue;
    const file = reporter(publication);
    if (file) written.push(file);
  }
}

/** Everything again, in a folder of its own under the system's temp folder; then the error that says where. */
function publishToFallback(publication: Publication, before: string[], error: NodeJS.ErrnoException): never {
  const fallbackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-fallback-'));
  const junit = publication.junit ? path.join(fallbackDir, path.basename(publication.junit)) : undefined;
  const written: string[] = [];
  // The step summary is an append: not twice.
  const skip = new Set(before.includes('$GITHUB_STEP_SUMMARY') ? ['step_summary'] : []);
  publishInto({ ...publication, outDir: fallbackDir, junit }, written, skip);
  const why = `${error.code}: ${error.message.split('\n')[0]}`;
  throw new ReportFolderError(
    `could not write the report folder ${publication.outDir} (${why}); ` +
      `the whole summary was written to ${fallbackDir} instead`,
    fallbackDir,
    written,
  );
}

/** Written aside and renamed: a reader (or a second Ctrl-C) never sees half a file. */
function writeJsonAtomically(file: string, value: unknown): string {
  writeFileAtomically(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}
