/**
 * Message templates: `{"type":"ping","id":"{{id}}","sent":{{now_ms}}}`. A template is compiled once
 * (when the scenario is read) into plain parts, so that a plan carrying it still crosses a process
 * boundary as JSON, and rendering is one pass of string concatenation per message, no parsing.
 */
export type TemplatePart = string | { name: string } | { pad: number };

export interface Template {
  readonly text: string;
  readonly parts: readonly TemplatePart[];
  /** The placeholder names it uses (pad aside). */
  readonly names: readonly string[];
}

/** Placeholders every template may use; captured names are added per scenario. */
export const BUILTIN_PLACEHOLDERS = ['client', 'seq', 'id', 'session', 'now_ms', 'backend'] as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)(?::(\d+))?\s*\}\}/g;

export function compileTemplate(text: string): Template {
  const parts: TemplatePart[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    if (match[1] === 'pad') parts.push({ pad: Number(match[2] ?? 0) });
    else {
      parts.push({ name: match[1] });
      if (!names.includes(match[1])) names.push(match[1]);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return { text, parts, names };
}

/** Values of a template's placeholders for one message. */
export type TemplateValues = Record<string, string | number | undefined>;

export function renderTemplate(template: Template, values: TemplateValues): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') out += part;
    else if ('pad' in part) out += 'x'.repeat(part.pad);
    else out += values[part.name] ?? '';
  }
  return out;
}
