import { setCookieNames } from '../engine/client/cookie-jar.js';
import type { SessionKey } from '../scenario/plan.js';
import { probeAdvice, type Advice } from './advice.js';
import { probeAffinity, sourcesFor, type AffinityFindings } from './affinity.js';
import { plainGet, type PlainGet } from './balancer-headers.js';
import { probeIdle, type IdleFindings } from './idle.js';
import { land, type ProbeTarget } from './probe-socket.js';
import { probeSocketio, socketioAdvice, type SocketioFindings } from './socketio.js';

/** `stickler probe --json`: what the target does, found from outside. */
export interface ProbeReport {
  url: string;
  started_at: string;
  duration_s: number;
  /** WebSocket connections the probe opened in all. */
  connections: number;
  /** Set when the probe was stopped (Ctrl-C) before it finished: what it found so far. */
  interrupted: boolean;
  balancer: { server: string | null; upgrade_set_cookie: string[]; plain_get: PlainGet | null };
  idle_timeout_s: number | null;
  idle: IdleFindings | null;
  affinity: AffinityFindings | null;
  /** The target answers Engine.IO at /socket.io/: whether its polling sessions survive. */
  socketio?: SocketioFindings | null;
  advice: Advice[];
}

export interface ProbeOptions {
  target: ProbeTarget;
  key: SessionKey;
  maxIdleMs: number;
  /** Trials may vary the client address: bound 127.x sources (URL on loopback), or X-Forwarded-For. */
  varySources: boolean;
  /** The target is on IPv6 loopback ([::1]): the trials vary IPv6 sources, by /128 and /64. */
  family?: 4 | 6;
  log: (line: string) => void;
}

/**
 * Runs the probe's phases in turn (balancer, affinity, idle), filling `report` as it goes so Ctrl-C keeps what is
 * found.
 */
export async function runProbe(options: ProbeOptions, report: ProbeReport): Promise<ProbeReport> {
  const { target, log } = options;
  const source = options.varySources ? sourcesFor(target.via, options.family).home : null;
  report.balancer.plain_get = await plainGet(target.url, target.tlsOptions, target.via === 'socket' ? source : null);
  report.socketio = await probeSocketio(target, source, log);
  // A Socket.IO endpoint may serve no plain WebSocket at the url: what it found of the sessions is the report.
  const first = await land(target, { address: source }).catch((error: Error) => {
    if (!report.socketio) throw error;
    return null;
  });
  if (!first) {
    report.advice = [socketioAdvice(report.socketio!)];
    report.duration_s = elapsedSeconds(report);
    return report;
  }
  report.connections += 1;
  report.balancer.server = first.server ?? report.balancer.plain_get.server;
  report.balancer.upgrade_set_cookie = setCookieNames(first.setCookie);

  report.affinity = await probeAffinity(
    target,
    first,
    { varySources: options.varySources, key: options.key, family: options.family },
    log,
  );
  report.connections += report.affinity.connections;
  if (options.maxIdleMs > 0) {
    report.idle = await probeIdle(target, { address: source }, options.maxIdleMs, log);
    report.idle_timeout_s = report.idle.idle_timeout_s;
    report.connections += report.idle.connections;
  }
  report.advice = [
    ...(report.socketio ? [socketioAdvice(report.socketio)] : []),
    ...probeAdvice(report.idle, report.affinity, report.balancer.server),
  ];
  report.duration_s = elapsedSeconds(report);
  return report;
}

/** Seconds since the probe started, to a tenth. */
export function elapsedSeconds(report: ProbeReport): number {
  return Math.round((Date.now() - Date.parse(report.started_at)) / 100) / 10;
}

export function emptyReport(url: string): ProbeReport {
  return {
    url,
    started_at: new Date().toISOString(),
    duration_s: 0,
    connections: 0,
    interrupted: false,
    balancer: { server: null, upgrade_set_cookie: [], plain_get: null },
    idle_timeout_s: null,
    idle: null,
    affinity: null,
    advice: [],
  };
}

/** The short human summary: three lines of findings, then the advice as lint prints it. */
export function renderProbe(report: ProbeReport, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines = [
    paint('1', `stickler probe ${report.url}`) +
      `  (${report.connections} connections, ${report.duration_s} s${report.interrupted ? ', interrupted' : ''})`,
  ];
  const get = report.balancer.plain_get;
  const getText = get
    ? get.status !== null
      ? `plain GET ${get.status}`
      : `plain GET failed (${get.error})`
    : 'plain GET not tried';
  const cookies =
    report.balancer.upgrade_set_cookie.length > 0
      ? `upgrade sets ${report.balancer.upgrade_set_cookie.join(', ')}`
      : 'upgrade sets no cookie';
  lines.push(
    `  balancer  ` +
      `${report.balancer.server ? `Server: ${report.balancer.server}` : 'no Server header'}; ` +
      `${getText}; ${cookies}`,
  );
  lines.push(idleLine(report.idle));
  const io = report.socketio;
  if (io)
    lines.push(
      `  socket.io ${io.path}: ${io.sessions} polling sessions each way, ` +
        `${io.broken_with_cookies} broke with cookies, ${io.broken_without_cookies} without` +
        `${io.nodes.length > 0 ? ` (nodes ${io.nodes.join(', ')})` : ''}`,
    );
  const affinity = report.affinity;
  if (affinity) {
    const via = affinity.addresses_via === 'x-forwarded-for' ? ' (client addresses sent in X-Forwarded-For)' : '';
    lines.push(`  affinity  ${paint('1', affinity.description)}${via}: ${affinity.reason}`);
    for (const trial of affinity.trials.slice(1)) {
      const spread = Object.entries(trial.backends)
        .map(([backend, n]) => `${backend}×${n}`)
        .join(' ');
      lines.push(
        `            ${trial.description}: ${trial.home}/${trial.connections} home (${spread || 'none identified'})`,
      );
    }
  }
  if (report.advice.length > 0) {
    lines.push('advice');
    for (const item of report.advice) {
      const tone = item.severity === 'error' ? '31' : item.severity === 'warning' ? '33' : '36';
      lines.push(`  ${paint(tone, item.severity.padEnd(7))}  ${item.message}`, `           fix: ${item.fix}`);
    }
  }
  return lines.join('\n');
}

/** What the idle probe found: no cut, or the cut-off and what pings do. */
function idleLine(idle: ProbeReport['idle']): string {
  if (!idle) return '  idle      not probed';
  else if (idle.idle_timeout_s === null)
    return (
      `  idle      no cut up to ${idle.max_idle_s} s of silence` +
      `${idle.server_pings > 0 ? ` (the target pinged ${idle.server_pings} times)` : ''}`
    );
  else {
    const confirmed =
      idle.confirmed === null
        ? ''
        : idle.confirmed
          ? `; ${idle.confirmed_silent_s} s silent survived`
          : `; ${idle.confirmed_silent_s} s silent was cut too (it varies)`;
    const pings = idle.pings_keep_alive
      ? `pings every ${idle.ping_interval_s} s keep it open`
      : `pinged connections are cut too (after ${idle.pinged_cut_after_s} s)`;
    return `  idle      cut after ${idle.idle_timeout_s} s of silence (close ${idle.close_code}${confirmed}); ${pings}`;
  }
}
