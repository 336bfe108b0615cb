import { FIXES, idleCutFix } from '../../findings/fixes.js';
import type { Plan } from '../../scenario/plan.js';
import { findPreset } from '../../scenario/presets.js';
import { parseAddressPool } from '../../util/address-pool.js';
import { connectionFindings } from './connection-findings.js';
import { continuityFindings } from './continuity-findings.js';
import { protocolFindings } from './protocol-findings.js';
import type { Finding, Judged, RawFinding } from '../summary-types.js';

export type { Judged, RawFinding };

/** What a finding is computed from: the summary's figures (before the verdict) and the scenario. */

/**
 * Why the run looks as it does and what to change: each finding names a cause from what was
 * measured, the evidence, and the fix (from the catalogue lint and probe share). A finding that
 * explains a failed threshold is an error.
 */
export function diagnose(summary: Judged, plan: Plan): Finding[] {
  const all = [
    ...stickinessFindings(summary, plan),
    ...distributionFindings(summary, plan),
    ...idleFindings(summary, plan),
    ...connectionFindings(summary, plan),
    ...continuityFindings(summary, plan),
    ...protocolFindings(summary, plan),
  ];
  // The backends' own 503s while their shared store was down are not a proxy without a server.
  const findings = all.some((f) => f.rule === 'state-store-down') ? all.filter((f) => f.rule !== 'refused-503') : all;
  const failed = summary.thresholds.filter((t) => !t.passed).map((t) => t.metric);
  const settled = findings.map(({ explains, ...finding }): Finding => {
    const failedHere =
      finding.severity === 'info'
        ? []
        : failed.filter((metric) => explains.some((prefix) => metric.startsWith(prefix)));
    return failedHere.length > 0 ? { ...finding, severity: 'error', explains: failedHere } : finding;
  });
  // Errors first: what failed the run is what a reader needs first.
  const rank = { error: 0, warning: 1, info: 2 };
  return settled.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

/** A finding before its severity is settled: the threshold metrics (prefixes) it may explain. */

const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : '0%');

/** Names the balancing of a preset, or what the scenario says of the user's own. */
function balancing(plan: Plan): string | null {
  if (plan.target.kind === 'preset') return `${plan.target.preset} (${findPreset(plan.target.preset)?.balance ?? '?'})`;
  if (plan.target.kind === 'custom') return `your ${plan.target.proxy} config`;
  return null;
}

function stickinessFindings(summary: Judged, plan: Plan): RawFinding[] {
  const s = summary.stickiness;
  const findings: RawFinding[] = [];
  const judged = s.sticky + s.violations;
  const by = balancing(plan);
  const addressChanged = s.violations_by_cause.address_changed ?? 0;
  if (addressChanged > 0) {
    findings.push({
      severity: 'warning',
      rule: 'affinity-by-address',
      explains: ['stickiness.violation', 'stickiness.sticky'],
      cause:
        `reconnects from a new address landed on another backend: ` +
        `${by ?? 'the balancer'} keeps clients by their address, and a phone that ` +
        `changes network loses its backend`,
      evidence:
        `${addressChanged} of the ${s.address_changes} reconnects from a new address (` +
        `${pct(addressChanged, s.address_changes)}) left their backend` +
        (s.violations > addressChanged
          ? `, and ${s.violations - addressChanged} reconnects from an unchanged address did too`
          : ', none from an unchanged address did') +
        `; violation ` +
        `rate ${pct(s.violations, judged)} of ${judged} judged reconnects`,
      fix: FIXES.stickOnClientKey,
    });
  }
  const cookieAbsent = s.violations_by_cause.cookie_absent ?? 0;
  if (cookieAbsent > 0) {
    findings.push({
      severity: 'warning',
      rule: 'cookie-not-sent',
      explains: ['stickiness.violation', 'stickiness.sticky'],
      cause: 'the target set a sticky cookie, and reconnects that did not send it back landed elsewhere',
      evidence: `${cookieAbsent} violations without the cookie (clients.cookies: ${plan.clients.cookies})`,
      fix: FIXES.sendCookieBack,
    });
  }
  const balancer = s.violations_by_cause.balancer ?? 0;
  // Sessions that survived every reconnect: the violations cost nothing (shared session state is the answer
  // to broken stickiness).
  const stateKept = summary.continuity && summary.continuity.resumes > 0 && summary.continuity.lost === 0;
  if (balancer > 0) {
    findings.push({
      severity: stateKept ? 'info' : 'warning',
      rule: 'no-affinity',
      explains: ['stickiness.violation', 'stickiness.sticky'],
      cause:
        `reconnects from the same address` +
        `${plan.clients.cookies ? ' (with any cookie the target set sent back)' : ''} landed on ` +
        `another backend while their home was serving: ${by ?? 'the balancer'} does not keep ` +
        `clients` +
        (stateKept ? `; the session state is shared (${storeWords(summary)}), so no reconnect lost it` : ''),
      evidence:
        `${balancer} of ${s.violations} violations; violation rate ` +
        `${pct(s.violations, judged)} of ${judged} judged reconnects`,
      fix: FIXES.makeSticky,
    });
  }
  return findings;
}

/** Distinct client addresses and /24 networks the scenario's clients come from. */
export function addressSpread(plan: Plan): { addresses: number; networks: number } {
  const pool = parseAddressPool(plan.clients.pool, { bound: false, prefix: plan.clients.prefix });
  if (typeof pool === 'string') return { addresses: 1, networks: 1 };
  const addresses = Math.min(Math.ceil(plan.clients.count / plan.clients.perAddress), pool.size);
  const prefix = Number(plan.clients.pool.split('/')[1] ?? 32);
  const networks = Math.min(addresses, prefix >= 24 ? 1 : 2 ** (24 - prefix));
  return { addresses, networks };
}

/** Why clients from few addresses (or /24s) land on few backends, in this plan's words. */
function addressAffinity(plan: Plan, spread: { addresses: number; networks: number }) {
  const what =
    `${plan.clients.count} clients came from ${spread.addresses} address` +
    `${spread.addresses === 1 ? '' : 'es'} in ` +
    `${spread.networks === 1 ? 'one /24' : `${spread.networks} /24 networks`} (` +
    `${plan.clients.pool}, ${plan.clients.perAddress} per address)`;
  const balance = plan.target.kind === 'preset' ? (findPreset(plan.target.preset)?.balance ?? '') : '';
  const how =
    /ip_hash/.test(balance) && proxyOf(plan) === 'nginx'
      ? `nginx ip_hash keys on the first three octets only, so each /24 is one key on one backend`
      : /source|x-forwarded-for/.test(balance)
        ? 'the balancer hashes the whole client address, so each address is one key on one backend'
        : `a balancer that keys on the client address (nginx ip_hash takes only the first ` +
          `three octets; HAProxy balance source the whole address) puts each address` +
          `${spread.networks < spread.addresses ? ', or each /24,' : ''} on one backend`;
  return { what, how };
}

function distributionFindings(summary: Judged, plan: Plan): RawFinding[] {
  const { backends, imbalance } = summary.distribution;
  const total = backends.reduce((sum, b) => sum + b.connections, 0);
  if (backends.length < 2 || total === 0 || imbalance < 1.5) return [];
  const busiest = [...backends].sort((a, b) => b.connections - a.connections);
  const idle = backends.filter((b) => b.connections === 0).map((b) => b.id);
  const evidence =
    `imbalance ${imbalance}: ${busiest[0].id} took ` +
    `${pct(busiest[0].connections, total)} of ${total} connections` +
    `${idle.length > 0 ? `, ${idle.join(', ')} none` : ''}`;
  const spread = addressSpread(plan);
  const hashesAddress =
    plan.target.kind === 'preset' &&
    /ip_hash|source|x-forwarded-for/i.test(findPreset(plan.target.preset)?.balance ?? '');
  if (spread.networks < backends.length || (hashesAddress && spread.addresses < backends.length * 4)) {
    const { what, how } = addressAffinity(plan, spread);
    return [
      {
        severity: 'warning',
        rule: 'affinity-by-subnet',
        explains: ['distribution.'],
        cause: `${what}: ${how}, so carrier NAT and office proxies load one server`,
        evidence: `${evidence}${balancing(plan) ? `; balancing: ${balancing(plan)}` : ''}`,
        fix: FIXES.stickOnClientKey,
      },
    ];
  }
  if (summary.recovery.outages > 0) {
    return [
      {
        severity: 'info',
        rule: 'imbalance-after-outage',
        explains: [],
        cause: 'an outage moved clients onto the other backends',
        evidence,
        fix:
          'nothing to change if the moved clients may stay; otherwise rebalance after ' +
          'recovery (HAProxy leastconn spreads new clients only)',
      },
    ];
  }
  return [
    {
      severity: 'warning',
      rule: 'imbalance',
      explains: ['distribution.'],
      cause:
        'connections were spread unevenly although they came from many addresses: the ' +
        'balancing counts connections made, not open ones, or a backend was slow to ' +
        'take connections',
      evidence,
      fix: FIXES.balanceByOpenCount,
    },
  ];
}

function idleFindings(summary: Judged, plan: Plan): RawFinding[] {
  const cuts = summary.disconnects.idle_timeouts;
  if (cuts === 0) return [];
  const cutS = summary.disconnects.idle_cut_after_s ?? null;
  const server = plan.target.kind === 'preset' || plan.target.kind === 'custom' ? proxyOf(plan) : null;
  return [
    {
      severity: 'warning',
      rule: 'idle-cut',
      explains: ['disconnects.', 'messages.lost'],
      cause:
        `connections were cut while their clients were silent in an idle window: a ` +
        `proxy idle timeout (nginx proxy_read_timeout, 60 s by default; HAProxy timeout ` +
        `tunnel)` +
        `${plan.traffic.pingMs > 0 ? '' : ', and the clients send no keepalive ping'}`,
      evidence: `${cuts} idle-window closes (close codes: ${
        Object.entries(summary.disconnects.by_close_code)
          .map(([code, n]) => `${code} ×${n}`)
          .join(', ') || 'none'
      })${cutS !== null ? `, after about ${cutS} s of silence` : ''}; traffic.ping ${pingWords(plan)}`,
      fix: `${idleCutFix(cutS, server)}; \`stickler probe URL\` measures the cut-off`,
    },
  ];
}

function proxyOf(plan: Plan): 'nginx' | 'haproxy' | null {
  const proxy =
    plan.target.kind === 'custom'
      ? plan.target.proxy
      : plan.target.kind === 'preset'
        ? findPreset(plan.target.preset)?.proxy
        : null;
  return proxy === 'nginx' || proxy === 'haproxy' ? proxy : null;
}

const storeWords = (summary: Judged) =>
  summary.continuity?.store === 'app' ? 'the app resumed every session' : `state: ${summary.continuity?.store}`;

const pingWords = (plan: Plan) => (plan.traffic.pingMs > 0 ? `${plan.traffic.pingMs / 1000}s` : 'off');
