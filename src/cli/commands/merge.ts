import fs from 'node:fs';
import path from 'node:path';
import { mergeShardSummaries, shardSetProblems, type ShardSummary } from '../../metrics/merge-shards.js';
import { parseScenarioText } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { publish } from '../../report/publish.js';
import { renderSummary } from '../../report/terminal.js';
import { EXIT, exitCodeOf } from '../exit-codes.js';
import { defaultOutDir, outDirProblem } from '../out-dir.js';
import { logLine } from '../human-log.js';
import { shardProblems } from '../shard-checks.js';

export interface MergeArgs {
  sources: string[];
  out?: string;
  junit?: string;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
}

const log = logLine;

/**
 * `stickler merge SRC...`: the shards of one distributed run (run folders, summary files, or `-` for
 * the logs of the shards on stdin) into one summary, judged and reported as `run` would.
 */
export async function mergeCommand(args: MergeArgs): Promise<number> {
  const found: { source: string; summary: ShardSummary }[] = [];
  const problems: string[] = [];
  for (const source of args.sources) {
    const stdin = source === '-' || source === '@stdin';
    for (const entry of stdin ? shardsFromLog(await readStdin(), 'stdin') : readSource(source)) {
      if ('problem' in entry) problems.push(entry.problem);
      else found.push(entry);
    }
  }
  problems.push(...(problems.length === 0 ? shardSetProblems(found) : []));
  if (problems.length > 0) {
    for (const problem of problems) log(`error: ${problem}`);
    return EXIT.invalidInput;
  }
  const { shard } = found[0].summary;
  const loaded = parseScenarioText(shard.scenario_file, shard.scenario, shard.override);
  if (!loaded.ok) {
    for (const problem of loaded.problems) log(formatProblem(problem));
    return EXIT.invalidInput;
  }
  const summary = mergeShardSummaries(
    loaded.plan,
    found.map((entry) => entry.summary),
  );
  const outDir = path.resolve(args.out ?? defaultOutDir(`${loaded.plan.name}-merged`));
  const outProblem = outDirProblem(outDir, 'summary.json', args.force === true);
  if (outProblem) {
    log(`error: ${outProblem}`);
    return EXIT.invalidInput;
  }
  const written = publish({ kind: 'run', outDir, summary, junit: args.junit });
  log(`merged ${found.length} shards of ${shard.count} (${found.map((entry) => entry.source).join(', ')})`);
  (args.json ? process.stderr : process.stdout).write(`${renderSummary(summary)}\n`);
  log(`written: ${written.join(', ')}`);
  if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return exitCodeOf(summary);
}

type Found = { source: string; summary: ShardSummary } | { problem: string };

function readSource(source: string): Found[] {
  let file = source;
  try {
    if (fs.statSync(source).isDirectory()) file = path.join(source, 'summary.json');
  } catch {
    return [{ problem: `${source}: no such file or folder` }];
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [{ problem: `${source}: no summary.json in it` }];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not one JSON document: perhaps a saved log with a shard summary on one of its lines.
    const fromLog = shardsFromLog(text, file);
    return fromLog.length > 0 ? fromLog : [{ problem: `${file}: not JSON` }];
  }
  return [asShard(parsed, file)];
}

/** Shard summaries among other log lines: each one JSON document on a line (as `kubectl logs` prints the pods'). */
export function shardsFromLog(text: string, origin: string): Found[] {
  const found: Found[] = [];
  for (const [number, line] of text.split('\n').entries()) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') || !trimmed.includes('"shard"')) continue;
    try {
      found.push(asShard(JSON.parse(trimmed), `${origin} line ${number + 1}`));
    } catch {
      // a log line that only looks like JSON
    }
  }
  return found;
}

function asShard(value: unknown, source: string): Found {
  const summary = value as Partial<ShardSummary> | null;
  if (!summary || typeof summary !== 'object' || !summary.shard || typeof summary.shard.index !== 'number') {
    return {
      problem: `${source}: not a shard summary (it has no "shard" section: write one with stickler run --shard I/N)`,
    };
  }
  const problems = shardProblems(summary as ShardSummary, source);
  if (problems.length > 0) return { problem: problems.join('\n') };
  return { source, summary: summary as ShardSummary };
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}
