import type { NamedTemplate } from '../../scenario/plan.js';
import { renderTemplate, type DataRow, type TemplateValues } from '../../util/template.js';

/** The scenario's own handshake headers (names in lower case) and query string, rendered for one connect. */
export interface HandshakeExtras {
  headers: Record<string, string> | null;
  query: string | null;
}

/** Renders clients.headers and clients.query for one client (undefined when the scenario has neither). */
export function renderHandshake(
  templates: { headers: readonly NamedTemplate[]; query: readonly NamedTemplate[] },
  values: TemplateValues,
  row: DataRow | null,
): HandshakeExtras | undefined {
  if (templates.headers.length === 0 && templates.query.length === 0) return undefined;
  let headers: Record<string, string> | null = null;
  for (const { name, value } of templates.headers)
    (headers ??= {})[name.toLowerCase()] = renderTemplate(value, values, row);
  const query = templates.query
    .map(({ name, value }) => `${encodeURIComponent(name)}=${encodeURIComponent(renderTemplate(value, values, row))}`)
    .join('&');
  return { headers, query: query || null };
}

/** Adds a query string to a URL that may have one. */
export function withQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const base = hash >= 0 ? url.slice(0, hash) : url;
  return `${base}${base.includes('?') ? '&' : '?'}${query}${hash >= 0 ? url.slice(hash) : ''}`;
}
