import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { scenarioJsonSchemaText } from '../../src/scenario/json-schema.js';
import { ROOT } from '../helpers/cli.js';

test('scenarios/schema.json is the published form of the schema, and it is current', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'scenarios/schema.json'), 'utf8');
  assert.equal(committed, scenarioJsonSchemaText(), 'run npm run build to regenerate scenarios/schema.json');
  const schema = JSON.parse(committed);
  assert.deepEqual(schema.required.sort(), ['clients', 'duration', 'name']);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.properties.traffic.properties.pattern.enum, ['fixed', 'poisson']);
});
