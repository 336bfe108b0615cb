import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ACTIONS } from '../../src/scenario/actions.js';
import { PRESETS } from '../../src/scenario/presets.js';
import { scenarioReferenceMarkdown, schemaFields } from '../../src/scenario/reference-doc.js';
import { THRESHOLD_METRICS } from '../../src/scenario/threshold-metrics.js';
import { ROOT } from '../helpers/cli.js';

const shipped = () => fs.readFileSync(path.join(ROOT, 'docs', 'scenario-reference.md'), 'utf8');

test('docs/scenario-reference.md is what the schema and the descriptors generate (npm run build writes it)', () => {
  assert.equal(shipped(), scenarioReferenceMarkdown(), 'the shipped reference is stale: run npm run build');
});

test('the scenario reference names every schema field with a description, every preset, action and threshold metric', () => {
  const text = shipped();
  const fields = schemaFields();
  assert.ok(fields.length >= 55, `${fields.length} fields`);
  for (const field of fields) {
    assert.ok(text.includes(`| \`${field.path}\` |`), `${field.path} is missing from the reference`);
    assert.ok(field.about.length > 0, `${field.path} has no description in the schema (.describe it)`);
  }
  for (const name of [...PRESETS.map((preset) => preset.name), ...Object.keys(ACTIONS), ...THRESHOLD_METRICS])
    assert.ok(text.includes(`\`${name}\``), name);
  for (const nested of [
    'target.stack.proxy',
    'clients.addresses.per_address',
    'churn.backoff.jitter',
    'events[].action',
    'idle[].clients',
    'traffic.max_message',
  ]) {
    assert.ok(
      fields.some((field) => field.path === nested),
      nested,
    );
  }
});
