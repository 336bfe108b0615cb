import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startCli, tempDir, writeScenario } from '../helpers/cli.js';
import { startHostileServer } from './hostile-server.js';

/** Signals at the end of a run: the reports are finished or not begun, never half written; the codes are the shell's. */

const YAML = `name: signals\ntarget: { url: ws://placeholder/ }\nclients: { count: 50, ramp: 500ms }\nduration: 30s\ntraffic: { interval: 100ms }\n`;

const halfFiles = (dir: string) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes('.partial')) : [];

test('SIGTERM stops a run with exit 143 and a whole summary; a second SIGINT right after exits at once, no half file', async () => {
  const server = await startHostileServer({ kind: 'upgrade', after: () => {} });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'term');
    const term = startCli(['run', writeScenario(YAML, dir), '--url', server.url, '--out', out, '--quiet']);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    term.child.kill('SIGTERM');
    const result = await term.done;
    assert.equal(result.code, 143, result.stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.interrupted, true);
    assert.deepEqual(halfFiles(out), []);

    for (let round = 0; round < 3; round++) {
      const twice = path.join(dir, `twice-${round}`);
      const run = startCli(['run', writeScenario(YAML, dir), '--url', server.url, '--out', twice, '--quiet']);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      run.child.kill('SIGINT');
      // The second one lands while the end of the run (and perhaps the writing of the reports) is under way.
      await new Promise((resolve) => setTimeout(resolve, 20 * round));
      run.child.kill('SIGINT');
      const started = Date.now();
      const second = await run.done;
      assert.equal(second.code, 130, second.stderr);
      assert.ok(Date.now() - started < 3000, 'exits at once');
      assert.deepEqual(halfFiles(twice), [], 'no half file');
      const file = path.join(twice, 'summary.json');
      if (fs.existsSync(file)) JSON.parse(fs.readFileSync(file, 'utf8'));
    }
  } finally {
    await server.stop();
  }
});
