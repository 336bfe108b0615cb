import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { ROOT, tempDir } from '../helpers/cli.js';

/**
 * The composite action (action.yml), played here since no runner is: its shell steps in order, with the
 * inputs set, `${{ }}` expressions filled in as a runner would, and `stickler` on the PATH (the install
 * step's npm install -g is left out: the npm pack test covers an installed package).
 */
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  if?: string;
}

function playAction(
  inputs: Record<string, string>,
  workDir: string,
): { outputs: Record<string, string>; codes: number[]; summary: string; log: string } {
  const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    runs: { steps: Step[] };
  };
  const values = Object.fromEntries(
    Object.entries(action.inputs).map(([name, spec]) => [name, inputs[name] ?? spec.default ?? '']),
  );
  const bin = path.join(workDir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'stickler'),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin/stickler.js')}" "$@"\n`,
    { mode: 0o755 },
  );
  const outputs: Record<string, string> = {};
  const summaryFile = path.join(workDir, 'step-summary.md');
  const codes: number[] = [];
  let log = '';
  const fill = (text: string) =>
    text
      .replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => values[name])
      .replace(/\$\{\{\s*steps\.(\w+)\.outputs\.([\w-]+)\s*\}\}/g, (_, _id: string, key: string) => outputs[key] ?? '');
  for (const step of action.runs.steps) {
    if (step.uses || step.id === 'install' || !step.run) continue;
    const outputFile = path.join(workDir, `output-${codes.length}`);
    fs.writeFileSync(outputFile, '');
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_ACTION_PATH: ROOT,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(v)])),
    };
    const result = spawnSync('bash', ['-e', '-c', fill(step.run)], {
      cwd: workDir,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    log += result.stdout + result.stderr;
    codes.push(result.status ?? -1);
    for (const line of fs.readFileSync(outputFile, 'utf8').split('\n').filter(Boolean)) {
      const [key, ...rest] = line.split('=');
      outputs[key] = rest.join('=');
    }
  }
  return { outputs, codes, summary: fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : '', log };
}

test("the GitHub Action: runs the gate, writes the step summary and the run folder, and exits with stickler's code", () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'gate.yaml'),
    'name: gate\ntarget: { stack: nginx-round-robin }\nclients: { count: 30 }\nduration: 3s\ntraffic: { interval: 300ms }\nchurn: { drop_every: 1s }\nthresholds:\n  stickiness.violation_rate: "< 1%"\n',
  );
  const failing = playAction({ scenario: 'gate.yaml', args: '--workers 0' }, dir);
  assert.equal(failing.outputs['exit-code'], '1', failing.log);
  assert.deepEqual(failing.codes, [0, 1], 'the gate step records the code, the last step exits with it');
  assert.match(failing.summary, /### stickler: gate on nginx-round-robin: ❌ fail/);
  for (const file of ['summary.json', 'report.html', 'junit.xml'])
    assert.ok(fs.existsSync(path.join(dir, 'stickler-report', file)), file);

  const passDir = tempDir();
  fs.copyFileSync(path.join(dir, 'gate.yaml'), path.join(passDir, 'gate.yaml'));
  const passing = playAction({ scenario: 'gate.yaml', stack: 'haproxy-cookie', out: 'gate-out' }, passDir);
  assert.equal(passing.outputs['exit-code'], '0', passing.log);
  assert.deepEqual(passing.codes, [0, 0]);
  assert.equal(passing.outputs.report, 'gate-out');
  assert.ok(fs.existsSync(path.join(passDir, 'gate-out', 'summary.json')));
});
