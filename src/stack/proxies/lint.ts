import fs from 'node:fs';
import type { Finding } from '../../findings/finding.js';
import { PROXY_DRIVERS } from './index.js';
import { NginxParseError } from './nginx/parser.js';

export type LintResult =
  { ok: true; proxy: 'nginx' | 'haproxy' | 'caddy'; findings: Finding[] } | { ok: false; problem: string };

/**
 * nginx configs are made of blocks in braces; HAProxy's of sections that start a line; a Caddyfile names reverse_proxy
 * with no semicolons.
 */
export function detectProxy(text: string): 'nginx' | 'haproxy' | 'caddy' {
  if (/^\s*reverse_proxy\b[^;]*$/m.test(text) && !/;\s*$/m.test(text)) return 'caddy';
  return /^\s*(frontend|backend|defaults|global)\b[^{;]*$/m.test(text) ||
    /^\s*listen\s+[A-Za-z_][\w.-]*(\s+[\d.:*]+)?\s*$/m.test(text)
    ? 'haproxy'
    : 'nginx';
}

/** A stickler template's placeholders stand for code: fill them with something that parses. */
function withPlaceholders(text: string, proxy: 'nginx' | 'haproxy' | 'caddy'): string {
  return text.replaceAll('{{listen}}', '127.0.0.1:8080').replaceAll('{{servers}}', PROXY_DRIVERS[proxy].lintServers);
}

export function lintText(file: string, text: string, filesPerProcess: number): LintResult {
  const proxy = detectProxy(text);
  const source = withPlaceholders(text, proxy);
  try {
    return { ok: true, proxy, findings: PROXY_DRIVERS[proxy].lint(file, source, filesPerProcess) };
  } catch (error) {
    if (error instanceof NginxParseError)
      return { ok: false, problem: `${file}:${error.line}: cannot parse: ${error.message}` };
    throw error;
  }
}

export function lintFile(file: string, filesPerProcess: number): LintResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, problem: `${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})` };
  }
  return lintText(file, text, filesPerProcess);
}

const ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Findings grouped by file, most serious first, coloured when `color`. */
export function renderFindings(findings: Finding[], color: boolean): string {
  const paint = (severity: Finding['severity'], text: string) =>
    color
      ? `${severity === 'error' ? '\x1b[31m' : severity === 'warning' ? '\x1b[33m' : '\x1b[36m'}${text}\x1b[0m`
      : text;
  const lines: string[] = [];
  for (const file of [...new Set(findings.map((finding) => finding.file))]) {
    lines.push(color ? `\x1b[1m${file}\x1b[0m` : file);
    const mine = findings
      .filter((finding) => finding.file === file)
      .sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.line - b.line);
    for (const finding of mine) {
      lines.push(
        `  ${String(finding.line).padStart(4)}  ` +
          `${paint(finding.severity, finding.severity.padEnd(7))} ${finding.rule}: ` +
          `${finding.message}`,
      );
      lines.push(`        fix: ${finding.fix}`);
    }
  }
  const count = (severity: Finding['severity']) => findings.filter((finding) => finding.severity === severity).length;
  lines.push(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)`);
  return lines.join('\n');
}
