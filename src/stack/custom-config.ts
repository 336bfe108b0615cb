import fs from 'node:fs';
import type { ProxyKind } from '../scenario/presets.js';
import { renderHaproxyServers, haproxyManagementGlobals } from './haproxy-config.js';
import { renderNginxServers, type ServerSpec } from './nginx-config.js';

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

function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? line : line.replace(/\{\{(listen|servers)\}\}/g, (_, name: string) => values[name])))
    .join('\n');
}

export function renderTemplate(proxy: ProxyKind, template: string, options: { listenPort: number; servers: readonly ServerSpec[]; adminSocket: string }): string {
  const listen = `127.0.0.1:${options.listenPort}`;
  if (proxy === 'nginx') {
    return fillPlaceholders(template, { listen, servers: renderNginxServers(options.servers, '').trim() });
  }
  const checks = /httpchk|tcp-check/.test(template);
  let text = fillPlaceholders(template, { listen, servers: renderHaproxyServers(options.servers, { checks, cookie: true }, '').trim() });
  // The stack manager needs an admin socket: add it to the global section (or add one).
  const management = haproxyManagementGlobals(options.adminSocket);
  text = /^global\b.*$/m.test(text) ? text.replace(/^global\b.*$/m, (line) => `${line}\n${management}`) : `global\n${management}\n\n${text}`;
  return text;
}
