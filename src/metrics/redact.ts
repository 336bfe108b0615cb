import { plansOf, type NamedTemplate, type Plan } from '../scenario/plan.js';
import { sharedDataTable } from '../scenario/population/data-file.js';

/**
 * Header values and data-file columns can be tokens: none reaches an output of stickler. Wherever a server's words or
 * a sample are shown (a first message, a 101 header, a check's evidence, a module's error), each secret value is
 * replaced by `[redacted: data.COLUMN]` or `[redacted: header NAME]`.
 */
export interface Secrets {
  /** Values delimited like tokens (letters, digits, - _ . ~ + / = @), found by a set lookup per word. */
  readonly words: ReadonlyMap<string, string>;
  /** Values with other characters in them (spaces, colons), looked for one by one. */
  readonly phrases: readonly [string, string][];
}

/** Values shorter than this are not treated as secrets (a "1" or "eu" would blot out every text). */
const MIN_SECRET_LENGTH = 4;
const WORD = /[A-Za-z0-9_\-.~+/=@]+/g;
const IS_WORD = /^[A-Za-z0-9_\-.~+/=@]+$/;
/** Parts of the summary that hold no text from a server or a user: numbers and encoded histograms. */
const SKIPPED = new Set(['timeseries', 'histograms', 'counters_raw']);

const secretsByPlan = new WeakMap<Plan, Secrets | null>();

/** Every data value and literal header or query value of a plan and its groups (null: none). */
export function secretsOf(plan: Plan): Secrets | null {
  if (secretsByPlan.has(plan)) return secretsByPlan.get(plan)!;
  const found = new Map<string, string>();
  for (const each of plansOf(plan)) {
    const { data, headers, query } = each.clients;
    if (data) addData(found, data.file);
    addLiterals(found, headers, 'header');
    addLiterals(found, query, 'query');
  }
  const secrets =
    found.size === 0
      ? null
      : {
          words: new Map([...found].filter(([value]) => IS_WORD.test(value))),
          phrases: [...found].filter(([value]) => !IS_WORD.test(value)).sort((a, b) => b[0].length - a[0].length),
        };
  secretsByPlan.set(plan, secrets);
  return secrets;
}

function addData(found: Map<string, string>, file: string): void {
  let table;
  try {
    table = sharedDataTable(file);
  } catch {
    return; // validated when the scenario was read; gone since (a merge elsewhere): nothing of it can leak
  }
  for (const row of table.rows)
    for (const column of table.columns) {
      const value = row[column];
      if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH && !found.has(value))
        found.set(value, `data.${column}`);
    }
}

/** A header or query value written out in the scenario (no placeholder in it) is itself the secret. */
function addLiterals(found: Map<string, string>, templates: readonly NamedTemplate[], kind: string): void {
  for (const { name, value } of templates) {
    const literal = value.parts.every((part) => typeof part === 'string');
    if (literal && value.text.length >= MIN_SECRET_LENGTH) found.set(value.text, `${kind} ${name}`);
  }
}

export function redactText(text: string, secrets: Secrets): string {
  let out = text.replace(WORD, (word) => {
    const label = secrets.words.get(word);
    return label ? `[redacted: ${label}]` : word;
  });
  for (const [value, label] of secrets.phrases)
    if (out.includes(value)) out = out.split(value).join(`[redacted: ${label}]`);
  return out;
}

/** A copy of `value` with every secret in its strings (and in its keys) redacted. */
export function redactDeep<T>(value: T, secrets: Secrets): T {
  return walk(value, secrets) as T;
}

function walk(value: unknown, secrets: Secrets): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => walk(item, secrets));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value))
    out[redactText(key, secrets)] = SKIPPED.has(key) ? child : walk(child, secrets);
  return out;
}
