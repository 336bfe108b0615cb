import fs from 'node:fs';
import YAML from 'yaml';
import { loadScenario } from '../../scenario/load.js';
import { resolveScenarioArgument } from '../../scenario/bundled.js';
import { formatProblem } from '../../scenario/problems.js';
import { parseDurationMs } from '../../util/duration.js';
import { EXIT } from '../exit-codes.js';

export interface K8sArgs {
  file: string;
  shards: number;
  url?: string;
  image: string;
  namespace?: string;
  startIn: string;
  metrics?: number;
}

const SCENARIO_DIR = '/scenario';

/**
 * `stickler k8s FILE --shards N`: a ConfigMap holding the scenario and an Indexed Job whose pod i
 * runs shard i of N on one shared run clock and prints its shard summary as the last line of its
 * log, for `kubectl logs -l job-name=... | stickler merge -`. Kubernetes runs the shards; stickler
 * never runs a controller of its own.
 */
export function k8sCommand(args: K8sArgs, nowMs = Date.now()): number {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loaded = loadScenario(args.file, args.url ? { url: args.url } : {});
  if (!loaded.ok) {
    for (const problem of loaded.problems) log(formatProblem(problem));
    return EXIT.invalidInput;
  }
  const plan = loaded.plan;
  if (plan.target.kind !== 'url') {
    log('error: --url: the pods need a target they can all reach (the staging balancer): give --url or target.url');
    return EXIT.invalidInput;
  }
  if (!Number.isInteger(args.shards) || args.shards < 1 || args.shards > 1000) {
    log(`error: --shards: expected a whole number from 1 to 1000, got ${args.shards}`);
    return EXIT.invalidInput;
  }
  if (args.metrics !== undefined && (!Number.isInteger(args.metrics) || args.metrics < 1 || args.metrics > 65535)) {
    log(`error: --metrics: expected the port each pod serves /metrics on (1-65535), got ${args.metrics}`);
    return EXIT.invalidInput;
  }
  const startInMs = parseDurationMs(args.startIn);
  if (startInMs === undefined || startInMs < 0) {
    log(`error: --start-in: expected a duration such as 2m, got ${args.startIn}`);
    return EXIT.invalidInput;
  }
  process.stdout.write(
    renderK8sManifest({
      name: plan.name,
      scenarioText: fs.readFileSync(resolveScenarioArgument(args.file), 'utf8'),
      url: args.url,
      shards: args.shards,
      clients: plan.clients.count,
      messagesPerSecond: plan.traffic.intervalMs > 0 ? (plan.clients.count * 1000) / plan.traffic.intervalMs : 0,
      image: args.image,
      namespace: args.namespace,
      ...(args.metrics ? { metricsPort: args.metrics } : {}),
      // On the second, so that a person reading the manifest sees a round time.
      startAtMs: Math.ceil((nowMs + startInMs) / 1000) * 1000,
    }),
  );
  log(`# apply with: stickler k8s ${args.file} --shards ${args.shards} ... | kubectl apply -f -`);
  log(
    `# then:       kubectl wait --for=condition=complete job/stickler-${plan.name} --timeout=...; ` +
      `kubectl logs -l job-name=stickler-${plan.name} --tail=1 | stickler merge -`,
  );
  return EXIT.ok;
}

export interface ManifestSpec {
  name: string;
  scenarioText: string;
  url?: string;
  shards: number;
  clients: number;
  messagesPerSecond: number;
  image: string;
  namespace?: string;
  startAtMs: number;
  /**
   * Each pod serves /metrics on this port (all interfaces: the cluster's Prometheus scrapes the pod), with the usual
   * scrape annotations.
   */
  metricsPort?: number;
}

/** The two objects as a multi-document YAML: a pure function of the spec, tested against the Kubernetes schemas. */
export function renderK8sManifest(spec: ManifestSpec): string {
  const jobName = `stickler-${spec.name}`.toLowerCase().slice(0, 63);
  const metadata = (name: string) => ({
    name,
    ...(spec.namespace ? { namespace: spec.namespace } : {}),
    labels: { app: 'stickler', 'stickler/scenario': spec.name },
  });
  const perShard = Math.ceil(spec.clients / spec.shards);
  const messagesPerShard = spec.messagesPerSecond / spec.shards;
  // ~25 KiB a connection for the client side, a core for ~10,000 echoes a second, with a floor.
  const memoryMi = Math.max(128, Math.ceil(100 + (perShard * 25) / 1024));
  const cpuMilli = Math.max(250, Math.ceil((messagesPerShard / 10_000) * 1000 + perShard / 20));
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(`${jobName}-scenario`),
    data: { 'scenario.yaml': spec.scenarioText },
  };
  const scrape = spec.metricsPort
    ? {
        annotations: {
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(spec.metricsPort),
          'prometheus.io/path': '/metrics',
        },
      }
    : {};
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(jobName),
    spec: {
      completionMode: 'Indexed',
      completions: spec.shards,
      parallelism: spec.shards,
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: 'stickler', 'stickler/scenario': spec.name }, ...scrape },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'stickler',
              image: spec.image,
              command: shardCommand(spec),
              ...(spec.metricsPort ? { ports: [{ name: 'metrics', containerPort: spec.metricsPort }] } : {}),
              env: [
                {
                  name: 'JOB_COMPLETION_INDEX',
                  valueFrom: {
                    fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
                  },
                },
              ],
              resources: {
                requests: { cpu: `${cpuMilli}m`, memory: `${memoryMi}Mi` },
                limits: { memory: `${memoryMi * 2}Mi` },
              },
              volumeMounts: [{ name: 'scenario', mountPath: SCENARIO_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'scenario', configMap: { name: `${jobName}-scenario` } }],
        },
      },
    },
  };
  const options = { blockQuote: 'literal', lineWidth: 0 } as const;
  return `${YAML.stringify(configMap, options)}---\n${YAML.stringify(job, options)}`;
}

/** What each pod runs: its shard of the scenario, on the shared clock, its summary as the last line of its log. */
function shardCommand(spec: ManifestSpec): string[] {
  return [
    'stickler',
    'run',
    `${SCENARIO_DIR}/scenario.yaml`,
    '--shard',
    `$(JOB_COMPLETION_INDEX)/${spec.shards}`,
    '--start-at',
    String(spec.startAtMs),
    ...(spec.url ? ['--url', spec.url] : []),
    '--out',
    '/tmp/stickler',
    '--quiet',
    '--json',
    ...(spec.metricsPort ? ['--metrics', `0.0.0.0:${spec.metricsPort}`] : []),
  ];
}
