import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { AddressPool } from '../util/address-pool.js';
import { createRuntimeDir } from './runtime-dir.js';
import { guardUndo } from './watchdog.js';

const NONLOCAL_BIND = '/proc/sys/net/ipv6/ip_nonlocal_bind';

/** An IPv6 pool that cannot be bound here, with the commands that would make it bindable. */
export class PoolNotBindable extends Error {}

/** The commands that make an IPv6 range bindable as client source addresses, and those that undo them. */
export function bindCommands(
  cidr: string,
  previousNonlocal = '0',
): { setup: string[]; manual: string[]; undo: string } {
  return {
    // The sysctl through /proc: procps may be missing where iproute2 is not.
    setup: [`ip -6 route replace local ${cidr} dev lo`, `echo 1 > ${NONLOCAL_BIND}`],
    manual: [`ip -6 route replace local ${cidr} dev lo`, 'sysctl -qw net.ipv6.ip_nonlocal_bind=1'],
    undo: `ip -6 route del local ${cidr} dev lo 2>/dev/null; echo ${previousNonlocal} > ${NONLOCAL_BIND}`,
  };
}

/**
 * Makes an IPv6 pool bindable for the run: a local route for its range on lo (packets to it are
 * delivered here) and net.ipv6.ip_nonlocal_bind (binding an address no interface holds). Nothing is
 * done when the pool binds already (set up by hand) or is not an IPv6 range. Root only: without it,
 * PoolNotBindable says the commands to run. The change is undone by `release`, and by a watchdog or
 * the next run should stickler die first.
 */
export async function makePoolBindable(pool: AddressPool): Promise<{ release(): void }> {
  const none = { release() {} };
  if (!pool.ipv6 || (await canBind(pool.addressAt(0)))) return none;
  const { cidr } = pool.ipv6;
  if (process.getuid?.() !== 0) {
    const { manual } = bindCommands(cidr);
    throw new PoolNotBindable(
      `the IPv6 pool ${cidr} cannot be bound as client addresses here: stickler makes ` +
        `it bindable for the run when it runs as root; otherwise run first: ` +
        `${manual.map((command) => `sudo ${command}`).join(' && ')}`,
    );
  }
  const previous = readNonlocal();
  const { setup, undo } = bindCommands(cidr, previous);
  const runtime = createRuntimeDir();
  runtime.recordUndo(undo);
  const watchdog = guardUndo(undo);
  for (const command of setup) {
    const result = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', timeout: 5000 });
    if (result.status !== 0) {
      spawnSync('/bin/sh', ['-c', undo]);
      watchdog.release();
      runtime.remove();
      throw new PoolNotBindable(
        `could not make the IPv6 pool ${cidr} bindable: \`${command}\` failed: ` +
          `${`${result.stderr}${result.stdout}`.trim()}`,
      );
    }
  }
  if (!(await canBind(pool.addressAt(0)))) {
    spawnSync('/bin/sh', ['-c', undo]);
    watchdog.release();
    runtime.remove();
    throw new PoolNotBindable(
      `the IPv6 pool ${cidr} is still not bindable after ${setup.join(' and ')} (is IPv6 disabled? ` +
        `sysctl net.ipv6.conf.all.disable_ipv6)`,
    );
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      spawnSync('/bin/sh', ['-c', undo], { stdio: 'ignore', timeout: 5000 });
      watchdog.release();
      runtime.remove();
    },
  };
}

function readNonlocal(): string {
  try {
    return fs.readFileSync(NONLOCAL_BIND, 'utf8').trim() || '0';
  } catch {
    return '0';
  }
}

/** Whether a socket can take this address as its own (the test a client's bind makes). */
export function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}
