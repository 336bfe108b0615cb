import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startCli, tempDir, writeScenario } from '../helpers/cli.js';
import { startHostileServer } from './hostile-server.js';

/** Signals at the end of a run: the reports are finished or not begun, never half written; the codes are the shell's. */

const YAML = `name: signals\ntarget: { url: ws://placeholder/ }\nclients: { count: 50, ramp: 500ms }\nduration: 30s\ntraffic: { interval: 100ms }\n`;

/** Resolves once the run's clients reach the server (its signal handlers are set by then), so a slow start on a busy machine is not mistaken for a signal lost. */
async function clientsArrived(upgrades: () => number, atLeast: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (upgrades() < atLeast) {
    if (Date.now() > deadline) throw new Error(`only ${upgrades()} of ${atLeast} upgrades in 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const halfFiles = (dir: string) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes('.partial')) : [];

test('SIGTERM stops a run with exit 143 and a whole summary; a second SIGINT right after exits at once, no half file', async () => {
  const server = await startHostileServer({ kind: 'upgrade', after: () => {} });
  try {
    const dir = tempDir();
    const out = path.join(dir, 'term');
    const term = startCli(['run', writeScenario(YAML, dir), '--url', server.url, '--out', out, '--quiet']);
    await clientsArrived(server.upgrades, 20);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    term.child.kill('SIGTERM');
    const result = await term.done;
    assert.equal(result.code, 143, result.stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.interrupted, true);
    assert.deepEqual(halfFiles(out), []);

    for (let round = 0; round < 3; round++) {
      const twice = path.join(dir, `twice-${round}`);
      const before = server.upgrades();
      const run = startCli(['run', writeScenario(YAML, dir), '--url', server.url, '--out', twice, '--quiet']);
      await clientsArrived(server.upgrades, before + 20);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const heard = new Promise<void>((resolve) =>
        run.child.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('SIGINT: stopping') && resolve()),
      );
      run.child.kill('SIGINT');
      // Two kills before the child is scheduled are one pending signal, so the second waits for the first's word.
      await heard;
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
