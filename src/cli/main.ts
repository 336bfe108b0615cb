import { createRequire } from 'node:module';
import { DIFF_METRICS } from '../report/diff.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT } from './exit-codes.js';
import { runOptions } from './run-options.js';
import { outputFlushed } from './flush-output.js';

/**
 * The `stickler` command: a thin yargs layer. Each handler imports its command lazily, returns an
 * exit code, and only this file turns it into the process's exit status.
 */
const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

async function finish(run: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await run();
  } catch (error) {
    // A report folder that could not be written (merge, compare): the message says where everything went instead.
    if ((error as Error)?.name === 'ReportFolderError')
      process.stderr.write(`stickler: error: ${(error as Error).message}\n`);
    else process.stderr.write(`stickler: unexpected error: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = EXIT.infrastructure;
  }
  // Workers and timers are gone: exit (no stray handle keeps us alive) once output queued for a slow reader is out.
  await outputFlushed();
  process.exit(process.exitCode);
}

// yargs drops a bare `-` (stdin, as in `kubectl logs ... | stickler merge -`): carry it through as a word.
const STDIN_ARGUMENT = '@stdin';
const argv = hideBin(process.argv).map((arg) => (arg === '-' ? STDIN_ARGUMENT : arg));

await yargs(argv)
  .scriptName('stickler')
  .version(version)
  .usage('$0 <command>\n\nLoad-tests WebSocket services behind load balancers and verifies session stickiness.')
  .command('run <file>', 'run one scenario and write summary.json', runOptions, (args) =>
    finish(async () => (await import('./commands/run.js')).runCommand(args)),
  )
  .command(
    'merge <sources..>',
    'merge the shard summaries of one distributed run (folders, files, or - for logs on stdin) and judge it',
    (y) =>
      y
        .positional('sources', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'run folders, summary.json files, or - (shard summaries one a line among log lines)',
        })
        .option('out', {
          type: 'string',
          describe: 'folder for the merged summary.json (default reports/<UTC time>-<name>-merged/)',
        })
        .option('junit', { type: 'string', describe: 'also write the thresholds as JUnit XML to this file' })
        .option('json', { type: 'boolean', describe: 'print the merged summary.json on stdout' })
        .option('force', {
          type: 'boolean',
          describe: '--out may be a folder that already holds the results of an earlier run: overwrite them',
        })
        .option('quiet', { type: 'boolean' }),
    (args) => finish(async () => (await import('./commands/merge.js')).mergeCommand(args)),
  )
  .command(
    'k8s <file>',
    'print a Kubernetes ConfigMap and Indexed Job that run the scenario as N shards ' +
      '(then: kubectl logs ... | stickler merge -)',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true })
        .option('shards', { type: 'number', demandOption: true, describe: 'pods, one shard each' })
        .option('url', { type: 'string', describe: "the target every pod reaches (overrides the scenario's target)" })
        .option('image', {
          type: 'string',
          default: 'stickler:0.1.0',
          describe: 'container image with stickler installed (see the Dockerfile)',
        })
        .option('namespace', { type: 'string' })
        .option('start-in', {
          type: 'string',
          default: '2m',
          describe: 'how far ahead the shared run clock starts (pods must be up by then)',
        })
        .option('metrics', {
          type: 'number',
          describe:
            'each pod serves /metrics on this port, with prometheus.io scrape annotations, ' +
            "so the cluster's Prometheus sums the shards while they run",
        }),
    (args) => finish(async () => (await import('./commands/k8s.js')).k8sCommand(args)),
  )
  .command(
    'lint <files..>',
    'check nginx and HAProxy configs for the WebSocket gotchas (exit 1 on an error)',
    (y) =>
      y
        .positional('files', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'nginx or HAProxy config files (stickler templates too)',
        })
        .option('json', { type: 'boolean', describe: 'the findings as JSON on stdout' }),
    (args) => finish(async () => (await import('./commands/lint.js')).lintCommand(args)),
  )
  .command(
    'probe <url>',
    'find what a live balancer does from outside: its idle cut-off and what keeps a client on its backend',
    (y) =>
      y
        .positional('url', { type: 'string', demandOption: true, describe: 'the ws:// or wss:// URL clients use' })
        .option('json', { type: 'boolean', describe: 'the findings as JSON on stdout' })
        .option('quiet', { type: 'boolean', describe: 'no progress lines on stderr' })
        .option('max-idle', {
          type: 'string',
          default: '10m',
          describe: 'longest silence to hold a connection for (0 skips the idle probe)',
        })
        .option('key', { type: 'string', describe: 'a session key to test: query:NAME, header:NAME or cookie:NAME' })
        .option('identify-header', {
          type: 'string',
          default: 'x-backend-id',
          describe: 'response header naming the backend',
        })
        .option('message-field', {
          type: 'string',
          default: 'server',
          describe: "field of a backend's first JSON message naming it",
        })
        .option('identify-cookie', { type: 'string', describe: 'cookie whose value names the backend' })
        .option('ca', { type: 'string', describe: 'wss://: PEM file of the CA to trust' })
        .option('insecure', { type: 'boolean', describe: 'wss://: skip certificate verification' })
        .option('header', {
          type: 'string',
          array: true,
          describe: "a handshake header for every probe connection, 'NAME: VALUE' (repeatable): a token, an Origin",
        })
        .option('via', {
          type: 'string',
          default: 'socket',
          describe:
            'how client addresses reach the balancer: socket (bound 127.x sources, loopback ' +
            'URLs) or x-forwarded-for (any URL, for balancers that trust that header)',
        }),
    (args) => finish(async () => (await import('./commands/probe.js')).probeCommand(args)),
  )
  .command(
    'compare <file>',
    'run the same scenario on several stacks in turn and compare them side by side',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true })
        .option('stack', {
          type: 'string',
          array: true,
          describe:
            'a preset (PRESET?field=value for a variant) or your own config as PROXY:FILE ' +
            '(nginx:./my.conf); repeatable',
        })
        .option('url', {
          type: 'string',
          array: true,
          describe: 'an endpoint you run, as [LABEL=]URL (staging=wss://...); repeatable',
        })
        .option('out', { type: 'string', describe: 'folder for compare.json and one folder per stack' })
        .option('junit', { type: 'string', describe: 'thresholds of every stack as JUnit XML' })
        .option('json', { type: 'boolean', describe: 'print compare.json on stdout' })
        .option('quiet', { type: 'boolean' })
        .option('force', {
          type: 'boolean',
          describe: '--out may be a folder that already holds the results of an earlier run: overwrite them',
        })
        .option('allow-exec', {
          type: 'boolean',
          describe: "let the scenario's exec events run their shell commands (listed before the run starts)",
        })
        .option('metrics', {
          type: 'string',
          describe: 'serve GET /metrics (Prometheus text, labelled by stack) on [HOST:]PORT while the comparison lasts',
        }),
    (args) => finish(async () => (await import('./commands/compare.js')).compareCommand(args)),
  )
  .command(
    'init [name]',
    'write a starter scenario (NAME.yaml, default stickler.yaml) into the current folder',
    (y) =>
      y
        .positional('name', { type: 'string', describe: 'file and scenario name (default stickler)' })
        .option('from', {
          type: 'string',
          default: 'quickstart',
          describe: 'the bundled scenario to start from (see the scenarios/ folder)',
        })
        .option('force', { type: 'boolean', describe: 'overwrite an existing file' }),
    (args) => finish(async () => (await import('./commands/init.js')).initCommand(args)),
  )
  .command(
    'import <file>',
    "write a scenario from a browser's recording of one WebSocket session (a HAR file)",
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the .har file' })
        .option('out', { type: 'string', describe: "the scenario to write (default: the HAR's name with .yaml)" })
        .option('clients', { type: 'number', default: 10, describe: 'clients in the scenario' })
        .option('duration', { type: 'string', default: '10s', describe: 'its duration' })
        .option('force', { type: 'boolean', describe: 'overwrite the scenario if it exists' }),
    (args) => finish(async () => (await import('./commands/import.js')).importCommand(args)),
  )
  .command(
    'validate <files..>',
    'check scenario files; every problem printed as FILE: path: message',
    (y) => y.positional('files', { type: 'string', array: true, demandOption: true }),
    (args) => finish(async () => (await import('./commands/validate.js')).validateCommand(args.files as string[])),
  )
  .command(
    'backend',
    'run the reference WebSocket backend (to put behind your own proxy)',
    (y) =>
      y
        .option('id', { type: 'string', default: 'b1', describe: 'name sent in x-backend-id and the first message' })
        .option('port', { type: 'number', default: 9001 })
        .option('host', { type: 'string', default: '127.0.0.1' }),
    (args) => finish(async () => (await import('./commands/backend.js')).backendCommand(args)),
  )
  .command('stacks', 'list the managed stack presets', {}, () =>
    finish(async () => (await import('./commands/stacks.js')).stacksCommand()),
  )
  .command(
    'stack up <preset>',
    'start a managed stack in the foreground until Ctrl-C, printing its URL',
    (y) =>
      y
        .positional('preset', { type: 'string', demandOption: true })
        .option('backends', { type: 'number', default: 3 })
        .option('clients', { type: 'number', default: 1000, describe: 'size the proxy for this many connections' }),
    (args) => finish(async () => (await import('./commands/stack-up.js')).stackUpCommand(args)),
  )
  .command(
    'report <source>',
    'render the tables again from a saved summary (a run folder or summary.json)',
    (y) =>
      y
        .positional('source', { type: 'string', demandOption: true })
        .option('html', { type: 'string', describe: 'also write a self-contained HTML report to this file' }),
    (args) => finish(async () => (await import('./commands/report.js')).reportCommand(args)),
  )
  .command(
    'diff <base> <candidate>',
    'compare two summaries; exit 1 on a regression beyond the tolerance',
    (y) =>
      y
        .positional('base', { type: 'string', demandOption: true })
        .positional('candidate', { type: 'string', demandOption: true })
        .option('tolerance', {
          type: 'string',
          default: '10%',
          describe: 'relative change allowed before it counts as a regression',
        })
        .option('strict', {
          type: 'boolean',
          describe: 'refuse (exit 2) two runs of another scenario, stack, duration, client count or seed',
        })
        .epilog(
          'A metric regresses when it grows by more than the tolerance AND by more than ' +
            'its floor (the absolute change that matters): ' +
            DIFF_METRICS.map((entry) => `${entry.metric} ${entry.floor}`).join(', ') +
            ('. Every metric is worse when it grows. Runs of another scenario or target are ' +
              'compared with a warning (--strict refuses).'),
        ),
    (args) => finish(async () => (await import('./commands/diff.js')).diffCommand(args)),
  )
  .command('doctor', 'check proxies, file limits, port range and loopback binding', {}, () =>
    finish(async () => (await import('./commands/doctor.js')).doctorCommand()),
  )
  .demandCommand(
    1,
    'name a command: init, run, merge, k8s, lint, probe, compare, validate, ' +
      'backend, stacks, stack up, report, diff or doctor',
  )
  .strict()
  .fail((message, error, y) => {
    if (error) throw error;
    process.stderr.write(
      `${y.help() && ''}stickler: ${message}\nRun stickler --help for the commands and their options.\n`,
    );
    process.exit(EXIT.invalidInput);
  })
  .example('$0 run quickstart', 'the bundled quick start: 300 clients through HAProxy with cookies')
  .example('$0 run my.yaml --url wss://staging.example/ws --junit junit.xml', 'your endpoint, gated in CI')
  .example('$0 compare my.yaml --stack nginx:./my.conf --stack haproxy:./my.cfg', 'your own configs side by side')
  .epilog(
    'Exit codes: 0 thresholds held; 1 a threshold failed (diff: a regression); 2 invalid input; 3 infrastructure, ' +
      'or the run is incomplete (a worker lost, nothing opened); 130 interrupted (the partial summary is written).\n' +
      'Every scenario field: docs/scenario-reference.md (in the repository and the package).',
  )
  .help()
  .wrap(Math.min(110, process.stdout.columns || 110))
  .parseAsync();
