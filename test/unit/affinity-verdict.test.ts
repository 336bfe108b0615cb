import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeAffinity, TRIAL, type Trial } from '../../src/probe/affinity-verdict.js';

const trial = (name: string, home: number, elsewhere: number): Trial => ({
  name,
  description: name,
  connections: home + elsewhere,
  home,
  backends: { b1: home, ...(elsewhere > 0 ? { b2: elsewhere } : {}) },
  unidentified: 0,
});

test('a cookie that keeps every reconnect home, where no cookie does not, is named', () => {
  const verdict = judgeAffinity(
    [
      trial(TRIAL.sameAddressWithCookies, 6, 0),
      trial(TRIAL.sameAddressWithoutCookies, 2, 4),
      trial(TRIAL.otherSubnetWithCookies, 6, 0),
      trial(TRIAL.otherSubnet, 1, 5),
    ],
    ['SERVERID'],
    null,
  );
  assert.equal(verdict.mechanism, 'cookie');
  assert.equal(verdict.cookie, 'SERVERID');
  const caddy = judgeAffinity(
    [trial(TRIAL.sameAddressWithCookies, 6, 0), trial(TRIAL.sameAddressWithoutCookies, 2, 4)],
    ['lb'],
    null,
  );
  assert.equal(caddy.description, "cookie lb (Caddy's lb_policy cookie)");
});

test('a cookie the balancer ignores is not the mechanism: one stray reconnect rules it out', () => {
  const verdict = judgeAffinity(
    [trial(TRIAL.sameAddressWithCookies, 5, 1), trial(TRIAL.sameAddressWithoutCookies, 3, 3)],
    ['session'],
    null,
  );
  assert.equal(verdict.mechanism, 'none');
});

test('source address: by /24 when the rest of the /24 goes home too, whole when it does not', () => {
  const base = [trial(TRIAL.sameAddressWithoutCookies, 6, 0), trial(TRIAL.otherSubnet, 2, 4)];
  assert.equal(judgeAffinity([...base, trial(TRIAL.sameSubnetOtherAddress, 6, 0)], [], null).by, '/24');
  assert.equal(judgeAffinity([...base, trial(TRIAL.sameSubnetOtherAddress, 3, 3)], [], null).by, 'whole');
});

test('one backend for everything, or backends that do not say who they are, is unknown rather than a guess', () => {
  const single = judgeAffinity(
    [trial(TRIAL.sameAddressWithoutCookies, 6, 0), trial(TRIAL.otherSubnet, 6, 0)],
    [],
    null,
  );
  assert.equal(single.mechanism, 'unknown');
  assert.match(single.reason, /every connection reached b1/);
  const anonymous = judgeAffinity(
    [{ ...trial(TRIAL.sameAddressWithoutCookies, 0, 0), connections: 6, unidentified: 6, backends: {} }],
    [],
    null,
  );
  assert.equal(anonymous.mechanism, 'unknown');
  assert.match(anonymous.reason, /--identify-header/);
});
