import YAML from 'yaml';
import { seededRandom, type Random } from '../../src/util/rng.js';

/**
 * Random mutations of a scenario document, for the fuzzer (test/hostile/fuzz.test.ts, and longer
 * from bench/fuzz-scenarios.ts): every field may be dropped, retyped, made huge, negative, empty,
 * full of control characters, or replaced by a structure; keys may be invented.
 */
const NASTY: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  0.5,
  NaN,
  '',
  ' ',
  '0',
  '-5s',
  '1e9h',
  '∞',
  '\u0000\u001b[2J',
  'a'.repeat(5000),
  '127.0.0.0/0',
  '::/0',
  'fd00::/8',
  '999.1.1.1/8',
  '100%',
  '101%',
  '-1%',
  '{{listen}}',
  'query:',
  'cookie:a b',
  'ws://',
  'http://x',
  [],
  [null],
  [1, 2, 3],
  {},
  { at: '1s' },
  { a: { b: { c: {} } } },
];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((key) => paths((value as Record<string | number, unknown>)[key], [...prefix, key]))];
}

function mutateOnce(document: Record<string, unknown>, random: Random): void {
  const all = paths(document).filter((path) => path.length > 0);
  if (all.length === 0) return;
  const path = pick(random, all);
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], document) as Record<
    string | number,
    unknown
  >;
  const key = path[path.length - 1];
  const roll = random();
  if (roll < 0.2) delete parent[key];
  else if (roll < 0.3) parent[`${String(key)}_${Math.floor(random() * 100)}`] = pick(random, NASTY);
  else if (roll < 0.4 && typeof parent[key] === 'number')
    parent[key] = (parent[key] as number) * pick(random, [-1, 0, 1e6, 1e12, 0.001]);
  else parent[key] = structuredClone(pick(random, NASTY));
}

/** Mutation `index` of a scenario text: 1 to 4 mutations, the same for the same seed and index. */
export function mutateScenario(text: string, seed: number, index: number): string {
  const random = seededRandom(seed * 1_000_003 + index);
  const document = (YAML.parse(text) ?? {}) as Record<string, unknown>;
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) mutateOnce(document, random);
  return YAML.stringify(document);
}
