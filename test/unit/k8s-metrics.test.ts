import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Job } from 'kubernetes-models/batch/v1';
import YAML from 'yaml';
import { renderK8sManifest } from '../../src/cli/commands/k8s.js';

test('stickler k8s --metrics: each pod serves /metrics on all interfaces, exposes the port and carries the scrape annotations', () => {
  const spec = {
    name: 'soak',
    scenarioText: 'name: soak\n',
    url: 'wss://staging.example/ws',
    shards: 4,
    clients: 4000,
    messagesPerSecond: 4000,
    image: 'stickler:0.1.0',
    startAtMs: 1_800_000_000_000,
  };
  const [, job] = YAML.parseAllDocuments(renderK8sManifest({ ...spec, metricsPort: 9464 })).map((doc) => doc.toJS());
  new Job(job).validate();
  const template = job.spec.template;
  assert.deepEqual(template.metadata.annotations, {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': '9464',
    'prometheus.io/path': '/metrics',
  });
  const container = template.spec.containers[0];
  assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: 9464 }]);
  assert.deepEqual(container.command.slice(-2), ['--metrics', '0.0.0.0:9464']);
  const [, plain] = YAML.parseAllDocuments(renderK8sManifest(spec)).map((doc) => doc.toJS());
  assert.equal(plain.spec.template.metadata.annotations, undefined);
  assert.ok(!plain.spec.template.spec.containers[0].command.includes('--metrics'));
});
