import { GENERATED_PLACEHOLDERS, type Template } from '../../util/template.js';
import type { DataPlan } from '../plan.js';

/** What a handshake template may use: the client's own identity, generated values and its data row. */
export const HANDSHAKE_PLACEHOLDERS: ReadonlySet<string> = new Set(['client', 'session']);

const list = (names: Iterable<string>, separator = ' ') => [...names].map((name) => `{{${name}}}`).join(separator);

/**
 * A template's placeholders against what is known where it is used: `known` names, generated values written right,
 * and data columns the file has. Each problem says what is known instead.
 */
export function checkTemplateData(
  template: Template,
  at: string,
  data: DataPlan | null,
  known: ReadonlySet<string>,
  problem: (at: string, message: string) => void,
): void {
  for (const written of template.malformed)
    problem(at, `cannot read ${written}; written as ${GENERATED_PLACEHOLDERS.join(' ')}`);
  const unknown = template.names.filter((name) => !known.has(name));
  if (unknown.length > 0)
    problem(
      at,
      `unknown placeholder${unknown.length > 1 ? 's' : ''} ${list(unknown, ', ')} ` +
        `in ${JSON.stringify(template.text)}; ` +
        `known here: ${list(known)} ${GENERATED_PLACEHOLDERS.join(' ')}` +
        ' (a captured name is known only after the step that captures it)',
    );
  for (const column of template.columns) {
    if (!data)
      problem(
        at,
        `{{data.${column}}} needs clients.data: a CSV (header row) or JSON Lines file with a ${column} column`,
      );
    else if (!data.columns.includes(column))
      problem(at, `{{data.${column}}}: ${data.file} has no column ${column}; its columns: ${data.columns.join(', ')}`);
  }
}
