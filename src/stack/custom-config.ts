import fs from 'node:fs';

/** A user's own proxy config, with `{{listen}}` and `{{servers}}` filled in by stickler. */
export class TemplateError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

export function readTemplate(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new TemplateError(file, `cannot read the config template (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const code = withoutComments(text);
  const missing = ['{{listen}}', '{{servers}}'].filter((placeholder) => !code.includes(placeholder));
  if (missing.length > 0) {
    throw new TemplateError(file, `missing placeholder ${missing.join(' and ')}: write {{listen}} where the listening address goes (nginx: "listen {{listen}};", HAProxy: "bind {{listen}}") and {{servers}} where the backend servers go`);
  }
  return text;
}

/** Comment lines (both proxies use #) may mention the placeholders; only code lines are filled in. */
function withoutComments(text: string): string {
  return text.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n');
}

/** `{{listen}}` and `{{servers}}` filled in on the code lines of a template (its proxy's driver says with what). */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? line : line.replace(/\{\{(listen|servers)\}\}/g, (_, name: string) => values[name])))
    .join('\n');
}
