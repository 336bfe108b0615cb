/** One group of reconnects of the affinity probe, and where they landed against the reference backend. */
export interface Trial {
  name: string;
  /** What the connections of this trial carried and where they came from, in words. */
  description: string;
  connections: number;
  /** How many reached the reference backend (the first connection's, or the key's first). */
  home: number;
  backends: Record<string, number>;
  unidentified: number;
}

export type Mechanism = 'none' | 'source_address' | 'cookie' | 'key' | 'unknown';

export interface AffinityVerdict {
  mechanism: Mechanism;
  /** source_address: the whole address, or its /24 (nginx ip_hash); null when addresses could not be varied. */
  /**
   * Source-address affinity: by the address's network (/24 for IPv4: nginx ip_hash; /64 for IPv6) or the whole address.
   */
  by: 'whole' | '/24' | '/64' | null;
  cookie: string | null;
  key: string | null;
  /** The mechanism in words ("cookie SERVERID", "source address by /24"). */
  description: string;
  /** Why the verdict is what it is, from the trials' counts. */
  reason: string;
}

export const TRIAL = {
  sameAddressWithCookies: 'same_address_with_cookies',
  sameAddressWithoutCookies: 'same_address_without_cookies',
  otherSubnetWithCookies: 'other_subnet_with_cookies',
  sameSubnetOtherAddress: 'same_subnet_other_address',
  otherSubnet: 'other_subnet',
  sameKey: 'same_key_other_addresses',
  otherKeys: 'other_keys_same_address',
  cookieAlone: (name: string) => `cookie_${name}_alone`,
} as const;

const count = (trial: Trial) => `${trial.home} of ${trial.connections}`;

/**
 * Names the stickiness mechanism from the trials' counts. A mechanism holds when every connection
 * that carries it lands home and connections without it do not; one stray landing is enough to
 * rule a mechanism out, since each holds without exception when it is there.
 */
/** Sticky cookies whose name tells the balancer that set it. */
const KNOWN_COOKIES: Record<string, string> = {
  lb: "Caddy's lb_policy cookie",
  SERVERID: "HAProxy's cookie insert, as its docs name it",
};

type Trials = Map<string, Trial>;

const allHome = (trial: Trial | undefined) => trial !== undefined && trial.home === trial.connections;
const leaves = (trial: Trial | undefined) => trial !== undefined && trial.home < trial.connections;
const verdict = (
  mechanism: Mechanism,
  description: string,
  reason: string,
  extra: Partial<AffinityVerdict> = {},
): AffinityVerdict => ({ mechanism, by: null, cookie: null, key: null, description, reason, ...extra });

export function judgeAffinity(
  trials: Trial[],
  cookieNames: string[],
  key: string | null,
  subnet: '/24' | '/64' = '/24',
): AffinityVerdict {
  const byName: Trials = new Map(trials.map((trial) => [trial.name, trial]));
  return (
    blindVerdict(trials) ??
    cookieVerdict(byName, cookieNames) ??
    keyVerdict(byName, key) ??
    addressVerdict(byName, subnet) ??
    noneVerdict(byName, cookieNames)
  );
}

/** Nothing can be judged: a connection did not name its backend, or all reached one. */
function blindVerdict(trials: Trial[]): AffinityVerdict | null {
  const unidentified = trials.reduce((sum, trial) => sum + trial.unidentified, 0);
  if (unidentified > 0) {
    return verdict(
      'unknown',
      'unknown',
      `${unidentified} connections did not say which backend they reached: set ` +
        `--identify-header or --message-field to where your backends name themselves`,
    );
  }
  const seen = new Set(trials.flatMap((trial) => Object.keys(trial.backends)));
  if (seen.size < 2) {
    return verdict(
      'unknown',
      'unknown',
      `every connection reached ${[...seen][0] ?? 'the same backend'}: either one backend ` +
        `serves, or the balancer keys on something every probe connection shares (URI, ` +
        `Host)`,
    );
  }
  return null;
}

/** Connections that carry the target's cookies go home, and those without leave. */
function cookieVerdict(byName: Trials, cookieNames: string[]): AffinityVerdict | null {
  const get = (name: string) => byName.get(name);
  const withCookies = get(TRIAL.sameAddressWithCookies);
  const without = get(TRIAL.sameAddressWithoutCookies)!;
  const otherSubnet = get(TRIAL.otherSubnet);
  const otherSubnetWithCookies = get(TRIAL.otherSubnetWithCookies);
  if (
    cookieNames.length > 0 &&
    allHome(withCookies) &&
    (!otherSubnetWithCookies || allHome(otherSubnetWithCookies)) &&
    (leaves(without) || leaves(otherSubnet))
  ) {
    const name =
      cookieNames.length === 1
        ? cookieNames[0]
        : (cookieNames.find((candidate) => allHome(get(TRIAL.cookieAlone(candidate)))) ?? null);
    const reason =
      `with its cookies ${count(withCookies!)} reconnects went home` +
      `${otherSubnetWithCookies ? ` (${count(otherSubnetWithCookies)} from other /24s)` : ''}; without them ` +
      `${count(without)}`;
    const whose = name ? KNOWN_COOKIES[name] : undefined;
    return verdict(
      'cookie',
      name ? `cookie ${name}${whose ? ` (${whose})` : ''}` : `a cookie (one of ${cookieNames.join(', ')})`,
      reason,
      { cookie: name },
    );
  }
  return null;
}

/** One value of the session key reaches one backend from any address, and other values spread. */
function keyVerdict(byName: Trials, key: string | null): AffinityVerdict | null {
  const get = (name: string) => byName.get(name);
  const sameKey = get(TRIAL.sameKey);
  const otherKeys = get(TRIAL.otherKeys);
  if (key && allHome(sameKey) && otherKeys && Object.keys(otherKeys.backends).length > 1) {
    return verdict(
      'key',
      `key ${key}`,
      `the same ${key} reached one backend ${count(sameKey!)} times from different ` +
        `addresses; other values reached ${Object.keys(otherKeys.backends).length} backends`,
      { key },
    );
  }
  return null;
}

/** Without cookies, the same address goes home: by the whole address, or by its /24 (/64). */
function addressVerdict(byName: Trials, subnet: '/24' | '/64'): AffinityVerdict | null {
  const get = (name: string) => byName.get(name);
  const without = get(TRIAL.sameAddressWithoutCookies)!;
  const otherSubnet = get(TRIAL.otherSubnet);
  if (!allHome(without)) return null;
  if (!otherSubnet) {
    return verdict(
      'source_address',
      'source address (whole or /24: not tested)',
      `without cookies ${count(without)} reconnects from one address went home; the ` +
        `URL is not on loopback, so other source addresses could not be tried (--via ` +
        `x-forwarded-for tries them where the balancer trusts that header)`,
    );
  }
  if (!leaves(otherSubnet)) {
    return verdict(
      'unknown',
      'unknown',
      `every address went home without cookies (other /24s: ${count(otherSubnet)}): the balancer ` +
        `keys on something the probe's connections share`,
    );
  }
  const sameSubnet = get(TRIAL.sameSubnetOtherAddress)!;
  const by = allHome(sameSubnet) ? subnet : 'whole';
  const reason =
    `without cookies: same address ${count(without)} home, other addresses of its ` +
    `${subnet} ${count(sameSubnet)}, other ${subnet}s ${count(otherSubnet)}`;
  return verdict('source_address', by === subnet ? `source address by ${subnet}` : 'source address (whole)', reason, {
    by,
  });
}

function noneVerdict(byName: Trials, cookieNames: string[]): AffinityVerdict {
  const withCookies = byName.get(TRIAL.sameAddressWithCookies);
  const without = byName.get(TRIAL.sameAddressWithoutCookies)!;
  const cookieNote =
    cookieNames.length > 0 && withCookies ? `; with its cookies (${cookieNames.join(', ')}) ${count(withCookies)}` : '';
  return verdict(
    'none',
    'none',
    `reconnects from the same address without cookies went home ${count(without)}` +
      `${cookieNote}: nothing keeps a client on its backend`,
  );
}
