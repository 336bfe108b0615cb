import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The source tree, read from the repository (the tests run from dist/test/unit). */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

/**
 * The one-way flow of the README's architecture part: a folder may import the folders before it.
 * util and findings (the finding types and the one fix catalogue) are leaves any folder may read; probe is a small
 * run through the engine, read by cli. index.ts is what the package exports to code (the protocol module's types): it
 * sits on top, like cli.
 */
const FLOW = ['util', 'findings', 'scenario', 'stack', 'engine', 'metrics', 'probe', 'report', 'cli', 'index.ts'];
/** The imports that run against the flow, each named in the README: the engine records into metrics' histograms and counters. */
const EXCEPTIONS = new Set(['engine -> metrics']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import of a file, static or dynamic (`import('./x.js')`), as the source file it names. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g),
  ].map((match) => match[1]);
  return specifiers.map((specifier) => path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'));
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0];

function folderEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return edges;
}

/** The first import cycle among `nodes` (depth-first), as a trail, or null. */
function findCycle(nodes: Iterable<string>, edges: (node: string) => Iterable<string>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, trail: string[]): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...trail.slice(trail.indexOf(node)), node];
    state.set(node, 'open');
    for (const next of edges(node)) {
      const cycle = visit(next, [...trail, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return null;
  };
  for (const node of nodes) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return null;
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
    'a new folder needs its place in FLOW and in docs/architecture.md',
  );
  const against: string[] = [];
  for (const [from, tos] of edges)
    for (const to of tos) if (FLOW.indexOf(to) > FLOW.indexOf(from)) against.push(`${from} -> ${to}`);
  assert.deepEqual(
    against.filter((edge) => !EXCEPTIONS.has(edge)),
    [],
  );
  const cycle = findCycle(folders, (folder) => edges.get(folder) ?? []);
  assert.equal(cycle, null, `import cycle among folders: ${cycle?.join(' -> ')}`);
});

test('architecture: no source file over 300 lines but those marked as exceptions, with a reason', () => {
  const exception = /eslint-disable max-lines -- \S/;
  const long = sourceFiles(SRC)
    .map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }))
    .filter(({ text }) => text.trimEnd().split('\n').length > 300 && !exception.test(text))
    .map(({ file }) => path.relative(SRC, file));
  assert.deepEqual(long, []);
});

test('architecture: no line of src/ over 120 characters', () => {
  const wide = sourceFiles(SRC).flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => (line.length > 120 ? [`${path.relative(SRC, file)}:${index + 1}`] : [])),
  );
  assert.deepEqual(wide, []);
});

test('architecture: no import cycle between files (type imports too: a cycle of types is a tangle of modules)', () => {
  const cycle = findCycle(sourceFiles(SRC), importsOf);
  assert.equal(cycle, null, `import cycle: ${cycle?.map((file) => path.relative(SRC, file)).join(' -> ')}`);
});

test('architecture: the cycle finder finds a cycle of three files and none in a chain', () => {
  const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['e'], e: [] };
  assert.deepEqual(
    findCycle(['d', 'a'], (node) => graph[node]),
    ['a', 'b', 'c', 'a'],
  );
  assert.equal(
    findCycle(['d', 'e'], (node) => graph[node]),
    null,
  );
});

test('architecture: no folder of src/ holds more than 20 files at one level', () => {
  const crowded: string[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.filter((entry) => entry.isFile()).length > 20) crowded.push(path.relative(SRC, dir));
    for (const entry of entries) if (entry.isDirectory()) walk(path.join(dir, entry.name));
  };
  walk(SRC);
  assert.deepEqual(crowded, []);
});
