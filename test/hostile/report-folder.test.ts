import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Summary } from '../../src/metrics/summary-types.js';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { startHostileServer } from './hostile-server.js';

/** A report folder that cannot take the reports: the run's figures go somewhere else, whole, and the run says where. */

const isRoot = process.getuid?.() === 0;

test(
  'a full disk loses nothing: --out on a nearly full 256 KB tmpfs, the whole summary in a fallback folder, exit 3 (root)',
  { skip: !isRoot && 'needs root to mount a tmpfs' },
  async () => {
    const server = await startHostileServer({ kind: 'upgrade', after: () => {} });
    const dir = tempDir();
    const mount = path.join(dir, 'small');
    fs.mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount]);
    try {
      const out = path.join(mount, 'out');
      fs.mkdirSync(out);
      // Nearly full: what is left holds no summary.json.
      fs.writeFileSync(path.join(mount, 'filler'), Buffer.alloc(240 * 1024));
      const yaml = `name: full-disk\ntarget: { url: ws://placeholder/ }\nclients: { count: 20 }\nduration: 2s\ntraffic: { interval: 200ms }\n`;
      const result = await runCli(['run', writeScenario(yaml, dir), '--url', server.url, '--out', out, '--quiet']);
      assert.equal(result.code, 3, result.stderr);
      assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
      const match =
        /could not write the report folder .*\(ENOSPC: [^)]*\); the whole summary was written to (\S+) instead/.exec(
          result.stderr,
        );
      assert.ok(match, result.stderr);
      const fallback = match[1];
      const summary = JSON.parse(fs.readFileSync(path.join(fallback, 'summary.json'), 'utf8')) as Summary;
      assert.equal(summary.connections.opened, 20);
      assert.ok(summary.messages.sent > 100, 'the figures of the run are there');
      for (const file of ['report.html', 'summary.md']) assert.ok(fs.existsSync(path.join(fallback, file)), file);
      const leftovers = fs.readdirSync(out).filter((file) => file.endsWith('.partial'));
      assert.deepEqual(leftovers, [], 'no half file left in the full folder');
      fs.rmSync(fallback, { recursive: true, force: true });
    } finally {
      execFileSync('umount', [mount]);
      await server.stop();
    }
  },
);
