import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The source tree, read from the repository (the tests run from dist/test/unit). */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

/**
 * The one-way flow of the README's architecture part: a folder may import the folders before it.
 * util and lint are leaves any folder may read; probe is a small run through the engine, read by cli.
 */
const FLOW = ['util', 'lint', 'scenario', 'stack', 'engine', 'metrics', 'probe', 'report', 'cli'];
/** The imports that run against the flow, each named in the README: the engine records into metrics' histograms and counters. */
const EXCEPTIONS = new Set(['engine -> metrics']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

function folderEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = path.relative(SRC, file).split(path.sep)[0];
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)) {
      const to = path.relative(SRC, path.resolve(path.dirname(file), match[1])).split(path.sep)[0];
      if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return edges;
}

test('architecture: every folder is in the flow, no folder import cycle, and only the named import runs against the flow', () => {
  const edges = folderEdges();
  const folders = fs
    .readdirSync(SRC, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  assert.deepEqual(
    folders.filter((folder) => !FLOW.includes(folder)),
    [],
    'a new folder needs its place in FLOW and the README',
  );
  const against: string[] = [];
  for (const [from, tos] of edges)
    for (const to of tos) if (FLOW.indexOf(to) > FLOW.indexOf(from)) against.push(`${from} -> ${to}`);
  assert.deepEqual(
    against.filter((edge) => !EXCEPTIONS.has(edge)),
    [],
  );
  // Depth-first search for a cycle among folders.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (folder: string, trail: string[]): void => {
    if (state.get(folder) === 'done') return;
    assert.notEqual(state.get(folder), 'open', `import cycle: ${[...trail, folder].join(' -> ')}`);
    state.set(folder, 'open');
    for (const next of edges.get(folder) ?? []) visit(next, [...trail, folder]);
    state.set(folder, 'done');
  };
  for (const folder of folders) visit(folder, []);
});

test('architecture: no source file over 300 lines', () => {
  const long = sourceFiles(SRC)
    .map((file) => ({
      file: path.relative(SRC, file),
      lines: fs.readFileSync(file, 'utf8').trimEnd().split('\n').length,
    }))
    .filter(({ lines }) => lines > 300);
  assert.deepEqual(long, []);
});
