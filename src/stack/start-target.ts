import type { Plan } from '../scenario/plan.js';
import { ManagedStack } from './managed-stack.js';
import type { StackOptions } from './stack.js';
import { RefusedUpgrade, waitForUpgrade, WaitAborted } from './readiness.js';
import { externalTarget } from './external-target.js';
import { makePoolBindable } from './ipv6-binding.js';
import { parseAddressPool, type AddressPool } from '../util/address-pool.js';
import { waitForSocketio } from './socketio-readiness.js';
import type { RunningStack } from './stack.js';

const URL_PREFLIGHT_MS = 5000;

export class UnreachableError extends Error {}

/** Starts what the plan's target names (nothing for a URL) and returns it ready for clients. */
export async function startTarget(plan: Plan, options: StackOptions): Promise<RunningStack> {
  const pool = parseAddressPool(plan.clients.pool, {
    bound: plan.clients.via === 'socket',
    prefix: plan.clients.prefix,
  }) as AddressPool;
  const binding = plan.clients.via === 'socket' ? await makePoolBindable(pool) : { release() {} };
  try {
    const stack = await startPlanned(plan, options);
    // What was added to the machine for the pool goes when the target stops.
    const stop = stack.stop.bind(stack);
    stack.stop = async () => {
      await stop();
      binding.release();
    };
    return stack;
  } catch (error) {
    binding.release();
    throw error;
  }
}

async function startPlanned(plan: Plan, options: StackOptions): Promise<RunningStack> {
  const target = plan.target;
  if (target.kind === 'url') {
    const external = externalTarget(plan, target.url, options.logDir);
    const ready = plan.app.socketio
      ? waitForSocketio(
          target.url,
          plan.app.socketio,
          URL_PREFLIGHT_MS,
          external.clientTls,
          options.signal,
          options.clientHandshake?.(target.url),
        )
      : waitForUpgrade(
          target.url,
          URL_PREFLIGHT_MS,
          undefined,
          external.clientTls,
          options.signal,
          options.clientHandshake?.(target.url),
        );
    await ready.catch((error: Error) => {
      if (error instanceof WaitAborted) throw error;
      if (error instanceof RefusedUpgrade)
        throw new UnreachableError(`the target ${target.url} refused the start-up check: ${error.message}`);
      throw new UnreachableError(`the target ${target.url} is unreachable: ${error.message}`);
    });
    return external;
  }
  const stack = new ManagedStack(plan, options);
  try {
    await stack.start();
  } catch (error) {
    await stack.stop().catch(() => {});
    throw error;
  }
  return stack;
}
