import { compileTemplate, renderTemplate, type DataRow, type Template, type TemplateValues } from './template.js';
import { containsSubset, parseJson, splitPath, valueAt } from './json-path.js';

/**
 * A check on one server message, as a scenario writes it in expect, match, fail_on and push.match: a JSON subset,
 * `{ text }` (the whole message), `{ regex }`, `{ path, equals | matches }` and, for binary frames,
 * `{ bytes: { length, prefix } }` (prefix in hex). Compiled once; string values may hold placeholders
 * (`{ user: "{{data.user}}" }`), rendered per client with `bindCheck`.
 */
export type MessageCheck =
  | { kind: 'subset'; subset: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'regex'; source: string }
  | { kind: 'path'; path: string[]; equals?: unknown; matches?: string }
  | { kind: 'bytes'; length?: number; prefix?: string };

/** A check as compiled: its templated strings kept apart, to be bound per client. */
export interface CheckPlan {
  check: MessageCheck;
  /** Strings of the check that hold placeholders (by their JSON pointer into `check`): none for most. */
  templates: { at: (string | number)[]; template: Template }[];
}

/** What a scenario may write as a check. */
export type CheckInput =
  | Record<string, unknown>
  | { text: string }
  | { regex: string }
  | { path: string; equals?: unknown; matches?: string }
  | { bytes: { length?: number; prefix?: string } };

export function compileCheck(input: CheckInput): CheckPlan {
  const check = checkOf(input);
  const templates: CheckPlan['templates'] = [];
  collectTemplates(check, [], templates);
  return { check, templates };
}

function checkOf(input: CheckInput): MessageCheck {
  const keys = Object.keys(input);
  const only = (...names: string[]) => keys.length > 0 && keys.every((key) => names.includes(key));
  if (only('text') && typeof (input as { text: unknown }).text === 'string')
    return { kind: 'text', text: (input as { text: string }).text };
  if (only('regex') && typeof (input as { regex: unknown }).regex === 'string')
    return { kind: 'regex', source: (input as { regex: string }).regex };
  if (only('path', 'equals', 'matches') && typeof (input as { path: unknown }).path === 'string') {
    const { path, equals, matches } = input as { path: string; equals?: unknown; matches?: unknown };
    if (matches === undefined || typeof matches === 'string')
      return { kind: 'path', path: splitPath(path), ...('equals' in input ? { equals } : {}), matches };
  }
  const bytes = only('bytes') ? (input as { bytes: unknown }).bytes : undefined;
  if (bytes && typeof bytes === 'object') {
    const { length, prefix } = bytes as { length?: unknown; prefix?: unknown };
    const lengthOk = length === undefined || typeof length === 'number';
    const prefixOk = prefix === undefined || (typeof prefix === 'string' && /^([0-9a-fA-F]{2})*$/.test(prefix));
    if (lengthOk && prefixOk) return { kind: 'bytes', length, prefix: prefix?.toLowerCase() };
  }
  // Anything else is what it looks like: a JSON subset (the schema refused the malformed checks already).
  return { kind: 'subset', subset: input };
}

function collectTemplates(value: unknown, at: (string | number)[], into: CheckPlan['templates']): void {
  if (typeof value === 'string') {
    const template = compileTemplate(value);
    if (template.parts.some((part) => typeof part !== 'string')) into.push({ at, template });
  } else if (value && typeof value === 'object')
    for (const [key, inner] of Object.entries(value)) collectTemplates(inner, [...at, key], into);
}

/** The check with this client's values in its placeholders (the same object when it has none). */
export function bindCheck(plan: CheckPlan, values: TemplateValues, row: DataRow | null): MessageCheck {
  if (plan.templates.length === 0) return plan.check;
  const bound = structuredClone(plan.check);
  for (const { at, template } of plan.templates) setAt(bound, at, renderTemplate(template, values, row));
  return bound;
}

/** Writes `value` at the JSON pointer `at` inside `target` (which holds that path: it was compiled from it). */
function setAt(target: object, at: readonly (string | number)[], value: string): void {
  let into = target as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) into = into[key] as Record<string | number, unknown>;
  into[at.at(-1)!] = value;
}

/** One message as the checks read it: bytes, and its JSON parsed once on demand. */
export class CheckedMessage {
  private parsedValue: unknown;
  private parsedDone = false;

  constructor(
    readonly data: Buffer,
    readonly binary = false,
  ) {}

  /** A message already parsed (a Socket.IO event as { event, data }). */
  static ofJson(value: unknown): CheckedMessage {
    const message = new CheckedMessage(Buffer.from(JSON.stringify(value) ?? ''));
    message.parsedValue = value;
    message.parsedDone = true;
    return message;
  }

  get json(): unknown {
    if (!this.parsedDone) {
      this.parsedValue = this.binary ? undefined : parseJson(this.data);
      this.parsedDone = true;
    }
    return this.parsedValue;
  }

  /** The first 200 bytes, escaped: what came instead of what a check wanted. */
  excerpt(): string {
    const head = this.data.subarray(0, 200);
    return this.binary ? `binary ${this.data.length} bytes: ${head.toString('hex')}` : JSON.stringify(head.toString());
  }
}

/** A check's regular expressions, compiled once a process (a plan crosses processes as JSON). */
const regexes = new Map<string, RegExp>();

function regexOf(source: string): RegExp {
  let regex = regexes.get(source);
  if (!regex) regexes.set(source, (regex = new RegExp(source)));
  return regex;
}

export function passes(check: MessageCheck, message: CheckedMessage): boolean {
  switch (check.kind) {
    case 'subset':
      return containsSubset(message.json, check.subset);
    case 'text':
      return !message.binary && message.data.toString() === check.text;
    case 'regex':
      return !message.binary && regexOf(check.source).test(message.data.toString());
    case 'path':
      return pathPasses(check, valueAt(message.json, check.path));
    case 'bytes':
      return (
        (check.length === undefined || message.data.length === check.length) &&
        (check.prefix === undefined ||
          message.data.subarray(0, check.prefix.length / 2).toString('hex') === check.prefix)
      );
  }
}

function pathPasses(check: Extract<MessageCheck, { kind: 'path' }>, value: unknown): boolean {
  if (value === undefined) return false;
  if ('equals' in check && !containsSubset(value, check.equals)) return false;
  if (check.matches !== undefined)
    return new RegExp(check.matches).test(typeof value === 'string' ? value : JSON.stringify(value));
  return true;
}
