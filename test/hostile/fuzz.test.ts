import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseScenarioText } from '../../src/scenario/load.js';
import { formatProblem } from '../../src/scenario/problems.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { mutateScenario } from './mutate-scenario.js';

/** Cases per bundled scenario here; bench/fuzz-scenarios.ts runs as many as you ask. */
const CASES_PER_SCENARIO = 150;
const bundled = fs.readdirSync(path.join(ROOT, 'scenarios')).filter((name) => name.endsWith('.yaml'));

test(`fuzz: ${CASES_PER_SCENARIO} mutations of each bundled scenario validate or fail with problems that name file, field and message, never a crash`, () => {
  let valid = 0;
  let invalid = 0;
  for (const name of bundled) {
    const text = fs.readFileSync(path.join(ROOT, 'scenarios', name), 'utf8');
    for (let index = 0; index < CASES_PER_SCENARIO; index++) {
      const mutated = mutateScenario(text, 7, index);
      let result: ReturnType<typeof parseScenarioText>;
      try {
        result = parseScenarioText(path.join(ROOT, 'scenarios', name), mutated);
      } catch (error) {
        assert.fail(
          `${name} mutation ${index} crashed the loader: ${(error as Error).stack}\n--- scenario:\n${mutated}`,
        );
      }
      if (result.ok) {
        valid += 1;
        continue;
      }
      invalid += 1;
      assert.ok(result.problems.length > 0);
      for (const problem of result.problems) {
        assert.equal(typeof problem.message, 'string');
        assert.ok(
          problem.message.length > 0 && !/undefined|\[object Object\]|TypeError/.test(problem.message),
          `${name} #${index}: ${formatProblem(problem)}`,
        );
      }
    }
  }
  assert.equal(valid + invalid, bundled.length * CASES_PER_SCENARIO);
  assert.ok(invalid > valid, `most mutations break a scenario (${invalid} invalid, ${valid} valid)`);
});

test('fuzz: mutated scenarios through the real `validate` exit 0 or 2 with no stack trace', async () => {
  const dir = tempDir();
  const files = bundled.slice(0, 6).map((name, index) => {
    const file = path.join(dir, `m${index}.yaml`);
    fs.writeFileSync(file, mutateScenario(fs.readFileSync(path.join(ROOT, 'scenarios', name), 'utf8'), 11, index));
    return file;
  });
  const result = await runCli(['validate', ...files]);
  assert.ok(result.code === 0 || result.code === 2, `exit ${result.code}: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /unexpected error|\n\s+at /);
});
