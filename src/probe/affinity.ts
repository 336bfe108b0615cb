import { CookieJar } from '../engine/client/cookie-jar.js';
import { bump } from '../metrics/counters.js';
import type { SessionKey } from '../scenario/plan.js';
import { judgeAffinity, TRIAL, type AffinityVerdict, type Trial } from './affinity-verdict.js';
import { land, type Landing, type ProbeIdentity, type ProbeTarget } from './probe-socket.js';

export interface AffinityFindings extends AffinityVerdict {
  /** The backend of the probe's first connection: "home" in the trials. */
  home: string | null;
  backends_seen: string[];
  /** Names of the cookies the first upgrade set. */
  set_cookie: string[];
  trials: Trial[];
  /** How the trials' client addresses reached the balancer (null: they could not be varied). */
  addresses_via: 'socket' | 'x-forwarded-for' | null;
  /** Connections the trials opened after the first. */
  connections: number;
}

/**
 * Reconnects per trial: one stray landing rules a mechanism out, and six all home by chance is unlikely ((1/3)^6 with 3
 * backends).
 */
export const RECONNECTS = 6;
/** A pause between connections, to stay polite and let the balancer count the last one closed. */
const GAP_MS = 20;

/**
 * Client addresses for the trials: one home address, others of its /24, and addresses of other /24s
 * (ip_hash keys on the first three octets). Bound as sources from 127.86.0.0/16 when the URL is on
 * loopback; sent in X-Forwarded-For from 100.64.0.0/16 (carrier-grade NAT space) with that option.
 */
export function sourcesFor(via: 'socket' | 'x-forwarded-for', family: 4 | 6 = 4) {
  if (family === 6) {
    // An IPv6 target: the /64 is the network a phone keeps (PROBE_IPV6_POOL, made bindable for the probe).
    return {
      subnet: '/64',
      home: 'fd00:5:86:1::10',
      sameSubnet: (i: number) => `fd00:5:86:1::${20 + i}`,
      otherSubnet: (i: number) => `fd00:5:86:${2 + i}::10`,
    };
  }
  const base = via === 'socket' ? '127.86' : '100.64';
  return {
    subnet: '/24',
    home: `${base}.1.10`,
    sameSubnet: (i: number) => `${base}.1.${20 + i}`,
    otherSubnet: (i: number) => `${base}.${2 + i}.10`,
  };
}

/** Where the trials of a probe of an IPv6 target bind from. */
export const PROBE_IPV6_POOL = 'fd00:5:86::/48';

const pause = () => new Promise((resolve) => setTimeout(resolve, GAP_MS));

/** Where a trial's connections landed, counted against its reference backend. */
function tally(name: string, description: string, landings: Landing[], reference: string | null): Trial {
  const backends: Record<string, number> = {};
  for (const landing of landings) if (landing.backend !== null) bump(backends, landing.backend);
  return {
    name,
    description,
    connections: landings.length,
    home: landings.filter((landing) => landing.backend !== null && landing.backend === reference).length,
    backends,
    unidentified: landings.filter((landing) => landing.backend === null).length,
  };
}

/** Runs the trials one connection at a time and keeps their tallies. */
class TrialRunner {
  readonly trials: Trial[];
  /** Connections of the trials (the first one is the caller's). */
  connections = 0;

  constructor(
    private readonly target: ProbeTarget,
    private readonly first: Landing,
    private readonly log: (line: string) => void,
  ) {
    this.trials = [tally('first', 'first connection, no cookies', [first], first.backend)];
  }

  async run(
    name: string,
    description: string,
    identities: ProbeIdentity[],
    reference: string | null = this.first.backend,
  ): Promise<void> {
    const landings: Landing[] = [];
    for (const identity of identities) {
      landings.push(await land(this.target, identity));
      this.connections += 1;
      await pause();
    }
    const result = tally(name, description, landings, reference ?? landings[0]?.backend ?? null);
    this.trials.push(result);
    this.log(
      `affinity: ${description}: ${result.home} of ${result.connections} reached ` +
        `${reference ?? landings[0]?.backend ?? 'an unknown backend'}`,
    );
  }
}

const times = (make: (i: number) => ProbeIdentity) => Array.from({ length: RECONNECTS }, (_, i) => make(i));

type AffinityOptions = { varySources: boolean; key: SessionKey; family?: 4 | 6 };

/**
 * Reconnects with and without the cookies the target set, from the same address, other addresses of
 * its /24 and other /24s (when the URL is on loopback), with a session key when one is given, and
 * names what keeps a client on its backend.
 */
export async function probeAffinity(
  target: ProbeTarget,
  first: Landing,
  options: AffinityOptions,
  log: (line: string) => void,
): Promise<AffinityFindings> {
  const sources = sourcesFor(target.via, options.family);
  const home = options.varySources ? sources.home : null;
  const jar = new CookieJar();
  jar.store(first.setCookie);
  const runner = new TrialRunner(target, first, log);
  await addressTrials(runner, sources, home, jar.header(), options.varySources);
  if (jar.names().length > 1) {
    // Which of the cookies does it: each alone, from other /24s where the address cannot help.
    for (const name of jar.names()) {
      const alone = `${name}=${jar.get(name)}`;
      await runner.run(
        TRIAL.cookieAlone(name),
        `only cookie ${name}`,
        times((i) => ({ address: options.varySources ? sources.otherSubnet(i) : home, cookies: alone })).slice(0, 3),
      );
    }
  }
  const keyLabel = await keyTrials(runner, options, sources, home);
  const { trials } = runner;
  const verdict = judgeAffinity(trials, jar.names(), keyLabel, sources.subnet as '/24' | '/64');
  const seen = new Set(trials.flatMap((one) => Object.keys(one.backends)));
  return {
    ...verdict,
    addresses_via: options.varySources ? target.via : null,
    home: first.backend,
    backends_seen: [...seen].sort(),
    set_cookie: jar.names(),
    trials,
    connections: runner.connections,
  };
}

type Sources = ReturnType<typeof sourcesFor>;

/** From the same address with and without the cookies, then (on loopback) from other addresses and /24s. */
async function addressTrials(
  runner: TrialRunner,
  sources: Sources,
  home: string | null,
  cookies: string | undefined,
  varySources: boolean,
): Promise<void> {
  const net = sources.subnet;
  if (cookies)
    await runner.run(
      TRIAL.sameAddressWithCookies,
      'same address, with its cookies',
      times(() => ({ address: home, cookies })),
    );
  await runner.run(
    TRIAL.sameAddressWithoutCookies,
    'same address, without cookies',
    times(() => ({ address: home })),
  );
  if (!varySources) return;
  if (cookies)
    await runner.run(
      TRIAL.otherSubnetWithCookies,
      `other ${net}s, with its cookies`,
      times((i) => ({ address: sources.otherSubnet(i), cookies })),
    );
  await runner.run(
    TRIAL.sameSubnetOtherAddress,
    `other addresses of its ${net}, without cookies`,
    times((i) => ({ address: sources.sameSubnet(i) })),
  );
  await runner.run(
    TRIAL.otherSubnet,
    `other ${net}s, without cookies`,
    times((i) => ({ address: sources.otherSubnet(i) })),
  );
}

/** One value of the session key from other /24s, and a new value each from one address; its label, or null. */
async function keyTrials(
  runner: TrialRunner,
  options: AffinityOptions,
  sources: Sources,
  home: string | null,
): Promise<string | null> {
  const key = options.key;
  if (key.kind === 'none') return null;
  const keyLabel = `${key.kind} ${key.name}`;
  await runner.run(
    TRIAL.sameKey,
    `one ${keyLabel} value from other /24s`,
    times((i) => ({
      address: options.varySources ? sources.otherSubnet(i) : home,
      key,
      keyValue: 'stickler-probe-1',
    })),
    null,
  );
  await runner.run(
    TRIAL.otherKeys,
    `a new ${keyLabel} value each, same address`,
    times((i) => ({ address: home, key, keyValue: `stickler-probe-${i + 2}` })),
    null,
  );
  return keyLabel;
}
