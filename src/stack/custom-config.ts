import { readConfigTemplate } from '../scenario/config-template.js';

/** A user's own proxy config, with `{{listen}}` and `{{servers}}` filled in by stickler. */
export class TemplateError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export function readTemplate(file: string): string {
  const read = readConfigTemplate(file);
  if ('problem' in read) throw new TemplateError(file, read.problem);
  return read.text;
}

/** `{{listen}}` and `{{servers}}` filled in on the code lines of a template (its proxy's driver says with what). */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text
    .split('\n')
    .map((line) =>
      line.trimStart().startsWith('#')
        ? line
        : line.replace(/\{\{(listen|servers)\}\}/g, (_, name: string) => values[name]),
    )
    .join('\n');
}
