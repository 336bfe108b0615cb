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
  /** Bytes (binary frames): {{hex:..}}, {{base64:..}}, {{file:F}}, kept as base64 so a plan stays JSON. */
  | { bytes: string }
  /** {{file:F}} before the scenario's folder resolves it (normalise-app reads it into bytes). */
  | { file: string }
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
  '{{hex:0a0b}}',
  '{{base64:AAE=}}',
  '{{file:F}}',
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
    case 'random_int':
    case 'random_item':
      return generatorPart(name, args);
    case 'hex':
    case 'base64':
    case 'file':
      return args.length === 1 ? bytesPart(name, args[0]) : null;
    default:
      return args.length === 0 ? { name } : null;
  }
}

/** {{uuid}}, {{random_int:A:B}}, {{random_item:a|b|c}}: drawn at each render. */
function generatorPart(name: 'uuid' | 'random_int' | 'random_item', args: string[]): TemplatePart | null {
  if (name === 'uuid') return args.length === 0 ? { generate: 'uuid' } : null;
  if (name === 'random_item')
    return args.length === 1 && args[0] !== '' ? { generate: 'random_item', items: args[0].split('|') } : null;
  const [min, max] = args.map(Number);
  const valid = args.length === 2 && Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max;
  return valid ? { generate: 'random_int', min, max } : null;
}

/** {{hex:0a0b}}, {{base64:AAE=}}, {{file:F}} (read later, relative to the scenario). */
function bytesPart(kind: 'hex' | 'base64' | 'file', value: string): TemplatePart | null {
  if (kind === 'hex')
    return /^([0-9a-fA-F]{2})+$/.test(value) ? { bytes: Buffer.from(value, 'hex').toString('base64') } : null;
  if (kind === 'base64') return /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? { bytes: value } : null;
  return value === '' ? null : { file: value };
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
  for (const part of template.parts) out += renderPart(part, values, row);
  return out;
}

/** One part's text (a byte part has none: renderBytes writes it). */
function renderPart(part: TemplatePart, values: TemplateValues, row?: DataRow | null): string | number {
  if (typeof part === 'string') return part;
  if ('name' in part) return values[part.name] ?? '';
  if ('data' in part) return row?.[part.data] ?? '';
  return 'generate' in part ? generated(part) : '';
}

/**
 * A binary frame's bytes: text parts as UTF-8, byte parts as they are (decoded once per template and kept, not at
 * each render).
 */
export function renderBytes(template: Template, values: TemplateValues, row?: DataRow | null): Buffer {
  const chunks: Buffer[] = [];
  for (const part of template.parts) {
    if (typeof part === 'object' && 'bytes' in part) chunks.push(decodedBytes(part));
    else chunks.push(Buffer.from(String(renderPart(part, values, row))));
  }
  return Buffer.concat(chunks);
}

const decoded = new WeakMap<object, Buffer>();

function decodedBytes(part: { bytes: string }): Buffer {
  let bytes = decoded.get(part);
  if (!bytes) decoded.set(part, (bytes = Buffer.from(part.bytes, 'base64')));
  return bytes;
}

/** Whether a template holds bytes ({{hex:..}}, {{base64:..}}, {{file:..}}): only binary frames can carry them. */
export const holdsBytes = (template: Template): boolean =>
  template.parts.some((part) => typeof part === 'object' && ('bytes' in part || 'file' in part));

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
