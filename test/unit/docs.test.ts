import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { performanceTable, readResults, withTable } from '../../bench/performance-table.js';

/** The repository (the tests run from dist/test/unit). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const pages = () => [
  'README.md',
  'CHANGELOG.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The relative targets of a page's Markdown links, outside code blocks and code spans. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'));
}

test('docs: every relative link of the README, the changelog and docs/ resolves to a file', () => {
  const broken: string[] = [];
  for (const page of pages()) {
    for (const target of relativeLinks(fs.readFileSync(path.join(ROOT, page), 'utf8'))) {
      const file = path.resolve(path.dirname(path.join(ROOT, page)), decodeURI(target.split('#')[0]));
      if (!fs.existsSync(file)) broken.push(`${page}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('docs: the link finder sees prose links and leaves code, anchors and URLs alone', () => {
  const text = '[a](docs/a.md) `[b](b.md)` [c](#c) [d](https://x.y/d)\n```\n[e](e.md)\n```\n[f](../f.md#g)';
  assert.deepEqual(relativeLinks(text), ['docs/a.md', '../f.md#g']);
});

test('docs: the README stays a front door (at most 300 lines) and at least five guides are in docs/', () => {
  assert.ok(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length <= 300);
  const guides = pages().filter((page) => page.startsWith('docs/') && page !== 'docs/scenario-reference.md');
  assert.ok(guides.length >= 5, `guides: ${guides.join(', ')}`);
});

test("docs: the README's performance table is the one bench/*.json make", () => {
  const page = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const { cpu, memory } = readResults(ROOT);
  assert.equal(page, withTable(page, performanceTable(cpu, memory)), 'run npm run docs:performance');
});
