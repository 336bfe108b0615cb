import type { Argv } from 'yargs';

/** The options of `stickler run`, apart from main.ts so that the command table stays readable. */
export function runOptions<T>(y: Argv<T>) {
  return y
    .positional('file', {
      type: 'string',
      demandOption: true,
      describe: 'scenario file (YAML), or a bundled scenario by name (quickstart, carrier-nat, ...)',
    })
    .option('stack', {
      type: 'string',
      describe: "managed preset to run against (overrides the scenario's target)",
    })
    .option('url', {
      type: 'string',
      describe: "ws:// endpoint you run yourself (overrides the scenario's target)",
    })
    .option('out', {
      type: 'string',
      describe: 'folder for summary.json and logs (default reports/<UTC time>-<name>/)',
    })
    .option('junit', { type: 'string', describe: 'also write the thresholds as JUnit XML to this file' })
    .option('json', { type: 'boolean', describe: 'print summary.json on stdout (human output goes to stderr)' })
    .option('quiet', { type: 'boolean', describe: 'no live progress' })
    .option('workers', {
      type: 'number',
      describe: 'load worker processes (0: in the main process); default: chosen from the load and the file limit',
    })
    .option('shard', {
      type: 'string',
      describe: 'run shard I of N (I/N, 0-based): the clients whose index mod N is I',
    })
    .option('start-at', {
      type: 'string',
      describe: 'shared run clock start of the shards: epoch ms or ISO 8601 (default: now + 5 s, on the second)',
    })
    .option('allow-exec', {
      type: 'boolean',
      describe: "let the scenario's exec events run their shell commands (listed before the run starts)",
    })
    .option('metrics', {
      type: 'string',
      describe: 'serve GET /metrics (Prometheus text) on [HOST:]PORT while the run lasts (host default 127.0.0.1)',
    })
    .option('dashboard', {
      type: 'string',
      describe: 'serve a live page of the run (the report, updated every second) on [HOST:]PORT while the run lasts',
    })
    .option('force', {
      type: 'boolean',
      describe: '--out may be a folder that already holds the results of an earlier run: overwrite them',
    })
    .conflicts('stack', 'url');
}
