/**
 * Message templates: `{"type":"ping","id":"{{id}}","sent":{{now_ms}}}`. A template is compiled once
 * (when the scenario is read) into plain parts, so that a plan carrying it still crosses a process
 * boundary as JSON, and rendering is one pass of string concatenation per message, no parsing.
 */
export type TemplatePart = string | { name: string };

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
    if (match.index > last) pushText(parts, text.slice(last, match.index));
    // Filler is made once here, not at every render.
    if (match[1] === 'pad') pushText(parts, 'x'.repeat(Number(match[2] ?? 0)));
    else {
      parts.push({ name: match[1] });
      if (!names.includes(match[1])) names.push(match[1]);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) pushText(parts, text.slice(last));
  return { text, parts, names };
}

/** Literal text joins the literal before it: fewer parts to walk at each render. */
function pushText(parts: TemplatePart[], text: string): void {
  if (typeof parts.at(-1) === 'string') parts[parts.length - 1] += text;
  else parts.push(text);
}

/** Values of a template's placeholders for one message. */
export type TemplateValues = Record<string, string | number | undefined>;

export function renderTemplate(template: Template, values: TemplateValues): string {
  let out = '';
  for (const part of template.parts) {
    out += typeof part === 'string' ? part : (values[part.name] ?? '');
  }
  return out;
}
