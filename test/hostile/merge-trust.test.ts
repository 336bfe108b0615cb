import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir, writeScenario } from '../helpers/cli.js';
import { startHostileServer } from './hostile-server.js';

/** merge refuses a shard summary it cannot trust: exit 2 naming the file and the field, never a merged figure. */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- hand-edited JSON

test('merge refuses truncated, corrupted and hand-edited shards, and shards of another scenario', async () => {
  const server = await startHostileServer({ kind: 'upgrade', after: () => {} });
  const dir = tempDir();
  try {
    const startAt = String(Math.ceil((Date.now() + 2500) / 1000) * 1000);
    const shardOf = async (name: string, index: number, seed: number) => {
      const yaml = `name: trust\ntarget: { url: ws://placeholder/ }\nclients: { count: 10 }\nduration: 1s\nseed: ${seed}\n`;
      const file = writeScenario(yaml, fs.mkdtempSync(path.join(dir, 'scenario-')));
      const out = path.join(dir, name);
      const args = [
        'run',
        file,
        '--url',
        server.url,
        '--shard',
        `${index}/2`,
        '--start-at',
        startAt,
        '--out',
        out,
        '--quiet',
      ];
      const result = await runCli(args);
      assert.ok(fs.existsSync(path.join(out, 'summary.json')), result.stderr);
      return JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Json;
    };
    const [zero, one, otherSeed] = await Promise.all([
      shardOf('zero', 0, 1),
      shardOf('one', 1, 1),
      shardOf('other-seed', 1, 2),
    ]);
    const write = (name: string, value: Json | string) => {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
      return file;
    };
    const edited = (change: (copy: Json) => void) => {
      const copy = structuredClone(one);
      change(copy);
      return copy;
    };
    const good = await runCli(['merge', write('zero', zero), write('one', one), '--out', path.join(dir, 'm0')]);
    assert.equal(good.code, 0, good.stderr);
    const cases: [string, Json | string, RegExp][] = [
      ['truncated', JSON.stringify(one).slice(0, 2000), /truncated\.json: not JSON/],
      ['no-histogram', edited((s) => delete s.histograms.message), /histograms\.message: missing/],
      ['bad-histogram', edited((s) => (s.histograms.handshake = 'HISTFAAAA')), /histograms\.handshake: not an encoded/],
      ['negative', edited((s) => (s.shard.counters.sent = -5)), /shard\.counters\.sent: -5 is not a count/],
      ['negative-tally', edited((s) => (s.shard.counters.closeCodes['1006'] = -1)), /closeCodes\.1006: -1/],
      ['old-format', edited((s) => delete s.shard.format), /shard\.format: missing: written by another version/],
      ['edited-scenario', edited((s) => (s.shard.scenario += 'x')), /shard\.scenario_hash: does not match/],
      ['other-seed', otherSeed, /another scenario or target/],
    ];
    for (const [name, value, expected] of cases) {
      const out = path.join(dir, `m-${name}`);
      const result = await runCli(['merge', write('zero', zero), write(name, value), '--out', out]);
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, expected, name);
      assert.ok(result.stderr.includes(`${name}.json`), `${name}: the file is named`);
      assert.ok(!fs.existsSync(path.join(out, 'summary.json')), `${name}: no merged summary`);
    }
  } finally {
    await server.stop();
  }
});
