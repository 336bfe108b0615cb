import type { Finding } from '../../../findings/finding.js';
import { SHORT_TIMEOUT_S, timeSeconds } from '../../../findings/finding.js';

/** A section of an HAProxy config: `global`, `defaults`, `frontend`, `backend` or `listen`, with its lines. */
interface Line {
  words: string[];
  line: number;
}

interface Section {
  kind: string;
  name: string;
  line: number;
  lines: Line[];
}

const SECTION_KINDS = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'resolvers',
  'peers',
  'userlist',
  'program',
  'http-errors',
  'ring',
  'cache',
  'mailers',
]);

/** HAProxy's config is line-based: a section keyword starts a section, every other line belongs to it. */
export function parseHaproxy(source: string): Section[] {
  const sections: Section[] = [];
  for (const [index, raw] of source.split('\n').entries()) {
    const text = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!text) continue;
    const words = text.split(/\s+/);
    if (SECTION_KINDS.has(words[0]))
      sections.push({ kind: words[0], name: words[1] ?? '', line: index + 1, lines: [] });
    else
      (sections.at(-1) ?? sections[sections.push({ kind: 'global', name: '', line: 1, lines: [] }) - 1]).lines.push({
        words,
        line: index + 1,
      });
  }
  return sections;
}

type Add = (line: number, severity: Finding['severity'], rule: string, message: string, fix: string) => void;
/** The last line of a section (or of the defaults before it) that starts with these words. */
type Setting = (...words: string[]) => Line | undefined;

const get = (section: Section, ...words: string[]) =>
  section.lines.filter((l) => words.every((word, i) => l.words[i] === word)).at(-1);

/**
 * The WebSocket gotchas of an HAProxy config (idle cuts, cookies in tcp mode, no redispatch, no checks). Settings in
 * `defaults` apply to the sections after it.
 */
export function lintHaproxy(file: string, sections: Section[], filesPerProcess: number): Finding[] {
  const findings: Finding[] = [];
  const add: Add = (line, severity, rule, message, fix) => findings.push({ file, line, severity, rule, message, fix });
  let defaults: Section | null = null;
  for (const section of sections) {
    if (section.kind === 'defaults') defaults = section;
    else if (section.kind === 'global') globalFindings(section, filesPerProcess, add);
    else if (['frontend', 'backend', 'listen'].includes(section.kind)) {
      const fallback = defaults;
      const setting: Setting = (...words) => get(section, ...words) ?? (fallback ? get(fallback, ...words) : undefined);
      if (!setting('timeout', 'tunnel')) timeoutFindings(section, setting, add);
      if (section.kind !== 'frontend') backendFindings(section, setting, add);
    }
  }
  return findings;
}

function globalFindings(section: Section, filesPerProcess: number, add: Add): void {
  const maxconn = get(section, 'maxconn');
  if (maxconn && Number(maxconn.words[1]) * 2 > filesPerProcess) {
    add(
      maxconn.line,
      'info',
      'haproxy-maxconn-files',
      `maxconn ${maxconn.words[1]} needs about ${Number(maxconn.words[1]) * 2} open files ` +
        `(two per proxied connection); this machine allows ${filesPerProcess} a process, ` +
        `so HAProxy refuses to start or holds fewer`,
      `maxconn ${Math.floor((filesPerProcess - 200) / 2)} here, or raise the limit (LimitNOFILE)`,
    );
  }
}

/** Client and server timeouts with no timeout tunnel cut an upgraded connection once it is silent that long. */
function timeoutFindings(section: Section, setting: Setting, add: Add): void {
  const sideTimeouts =
    section.kind === 'frontend' ? ['client'] : section.kind === 'backend' ? ['server'] : ['client', 'server'];
  for (const side of sideTimeouts) {
    const timeout = setting('timeout', side);
    const seconds = timeout ? timeSeconds(timeout.words[2] ?? '', 'ms') : null;
    if (timeout && seconds !== null && seconds < SHORT_TIMEOUT_S) {
      add(
        timeout.line,
        'error',
        'haproxy-timeout-tunnel',
        `timeout ${side} ${timeout.words[2]} with no timeout tunnel: once upgraded, a ` +
          `WebSocket silent that long is cut (the client sees 1006), "random ` +
          `disconnections every few minutes"`,
        'timeout tunnel 1h (applies once the connection is upgraded)',
      );
    }
  }
}

/** Balancing, cookie persistence and health checks of a backend (or listen) section. */
function backendFindings(section: Section, setting: Setting, add: Add): void {
  const servers = section.lines.filter((l) => l.words[0] === 'server');
  const balance = setting('balance');
  if (balance?.words[1] === 'roundrobin' && servers.length > 0) {
    add(
      balance.line,
      'warning',
      'haproxy-roundrobin',
      'balance roundrobin counts connections made, not open: long-lived WebSockets ' +
        'pile up unevenly as clients come and go',
      'balance leastconn',
    );
  }
  cookieFindings(servers, setting, add);
  for (const server of servers.filter((s) => !s.words.includes('check'))) {
    add(
      server.line,
      'warning',
      'haproxy-no-check',
      `server ${server.words[1]} has no health check: a dead backend keeps getting clients until connections fail`,
      `server ${server.words[1]} ... check`,
    );
  }
  const httpchk = setting('option', 'httpchk');
  if (httpchk && servers.length > 0) {
    add(
      httpchk.line,
      'info',
      'haproxy-ws-check',
      'option httpchk checks that the process answers HTTP, not that it accepts ' +
        'WebSockets: a wedged backend stays UP',
      'a WebSocket upgrade check: option tcp-check, tcp-check send an upgrade to ' +
        '/ws-health, tcp-check expect string "101"',
    );
  }
}

function cookieFindings(servers: Line[], setting: Setting, add: Add): void {
  const mode = setting('mode')?.words[1] ?? 'tcp';
  const cookie = setting('cookie');
  if (cookie && mode === 'tcp') {
    add(
      cookie.line,
      'error',
      'haproxy-cookie-tcp',
      'cookie persistence in mode tcp: HAProxy never sees the HTTP request, so the cookie does nothing',
      'mode http',
    );
  }
  if (cookie?.words.includes('insert')) {
    if (!setting('option', 'redispatch')) {
      add(
        cookie.line,
        'warning',
        'haproxy-redispatch',
        'cookie insert without option redispatch: when a sticky server dies its clients ' +
          'get 503 until they drop the cookie. With redispatch they move on but lose ' +
          'stickiness for a moment: the trade-off between availability and stickiness',
        'option redispatch (if failing over to another backend is safe for your state)',
      );
    }
    for (const server of servers.filter((s) => !s.words.includes('cookie'))) {
      add(
        server.line,
        'warning',
        'haproxy-server-cookie',
        `server ${server.words[1]} has no cookie value: clients it serves get no sticky cookie`,
        `server ${server.words[1]} ... cookie ${server.words[1]}`,
      );
    }
  }
}
