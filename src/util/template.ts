import { randomUUID } from 'node:crypto';

/**
 * Message and handshake templates: `{"type":"ping","id":"{{id}}","user":"{{data.user}}"}`. A template is compiled
 * once (when the scenario is read) into plain parts, so that a plan carrying it still crosses a process boundary as
 * JSON, and rendering is one pass of string concatenation per message, no parsing.
 */
export type TemplatePart =
  | string
  | { name: string }
  /** A column of the client's data row (clients.data). */
  | { data: string }
  /** A value made at each render. */
  | { generate: 'uuid' }
  | { generate: 'random_int'; min: number; max: number }
  | { generate: 'random_item'; items: string[] };

export interface Template {
  readonly text: string;
  readonly parts: readonly TemplatePart[];
  /** The placeholder names it uses (pad, data and generated values aside). */
  readonly names: readonly string[];
  /** The data columns it uses. */
  readonly columns: readonly string[];
  /** Placeholders it could not read (a generator with the wrong arguments), as written. */
  readonly malformed: readonly string[];
}

/** Placeholders every template may use; captured names are added per scenario. */
export const BUILTIN_PLACEHOLDERS = ['client', 'seq', 'id', 'session', 'now_ms', 'backend'] as const;

/** Generated values and filler, as a scenario writes them (for error messages). */
export const GENERATED_PLACEHOLDERS = [
  '{{pad:N}}',
  '{{uuid}}',
  '{{random_int:A:B}}',
  '{{random_item:a|b|c}}',
  '{{data.COLUMN}}',
];

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.([^\s{}:]+))?((?::[^:{}]*)*)\s*\}\}/g;

export function compileTemplate(text: string): Template {
  const parts: TemplatePart[] = [];
  const names: string[] = [];
  const columns: string[] = [];
  const malformed: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) pushText(parts, text.slice(last, match.index));
    const [written, name, column, rawArgs] = match;
    const args = rawArgs ? rawArgs.slice(1).split(':') : [];
    const part = column !== undefined ? dataPart(name, column, args) : placeholderPart(name, args);
    if (part === null) malformed.push(written);
    else if (typeof part === 'string') pushText(parts, part);
    else {
      parts.push(part);
      if ('name' in part && !names.includes(part.name)) names.push(part.name);
      if ('data' in part && !columns.includes(part.data)) columns.push(part.data);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) pushText(parts, text.slice(last));
  return { text, parts, names, columns, malformed };
}

function dataPart(name: string, column: string, args: string[]): TemplatePart | null {
  return name === 'data' && args.length === 0 ? { data: column } : null;
}

/** One `{{name:args}}`: filler (made once here, not at every render), a generator, or a value by name. */
function placeholderPart(name: string, args: string[]): TemplatePart | null {
  switch (name) {
    case 'pad':
      return args.length <= 1 && /^\d*$/.test(args[0] ?? '') ? 'x'.repeat(Number(args[0] ?? 0)) : null;
    case 'uuid':
      return args.length === 0 ? { generate: 'uuid' } : null;
    case 'random_int': {
      const [min, max] = args.map(Number);
      const valid = args.length === 2 && Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max;
      return valid ? { generate: 'random_int', min, max } : null;
    }
    case 'random_item':
      return args.length === 1 && args[0] !== '' ? { generate: 'random_item', items: args[0].split('|') } : null;
    default:
      return args.length === 0 ? { name } : null;
  }
}

/** Literal text joins the literal before it: fewer parts to walk at each render. */
function pushText(parts: TemplatePart[], text: string): void {
  if (typeof parts.at(-1) === 'string') parts[parts.length - 1] += text;
  else parts.push(text);
}

/** Values of a template's placeholders for one message. */
export type TemplateValues = Record<string, string | number | undefined>;

/** A row of the scenario's data file, by column. */
export type DataRow = Readonly<Record<string, string>>;

export function renderTemplate(template: Template, values: TemplateValues, row?: DataRow | null): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') out += part;
    else if ('name' in part) out += values[part.name] ?? '';
    else if ('data' in part) out += row?.[part.data] ?? '';
    else out += generated(part);
  }
  return out;
}

function generated(part: Extract<TemplatePart, { generate: string }>): string {
  switch (part.generate) {
    case 'uuid':
      return randomUUID();
    case 'random_int':
      return String(part.min + Math.floor(Math.random() * (part.max - part.min + 1)));
    case 'random_item':
      return part.items[Math.floor(Math.random() * part.items.length)];
  }
}
