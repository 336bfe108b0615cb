import type { GroupSlice } from '../../metrics/counters.js';
import type { GroupPlan, Plan } from '../../scenario/plan.js';
import type { GroupMembership } from '../../scenario/population/schedule.js';
import type { ClientContext } from '../client/context.js';
import { SendWheel } from '../client/send-wheel.js';
import { WorkerRecorder } from './worker-recorder.js';

/** The worker's send wheels for a plan's traffic: one timer per interval, shared by the clients that run it. */
export function wheelsFor(plan: Plan, clock: () => number): Pick<ClientContext, 'wheel' | 'pingWheel'> {
  const { intervalMs, pattern, pingMs } = plan.traffic;
  return {
    wheel: intervalMs > 0 && pattern === 'fixed' ? new SendWheel(intervalMs, clock) : null,
    pingWheel: pingMs > 0 ? new SendWheel(pingMs, clock) : null,
  };
}

/**
 * clients.groups in a worker: each group's clients run its plan through a context of their own, with their own
 * recorder and wheels; at each snapshot the groups' recorders are folded into the worker's, which reports the totals,
 * and each group's slice travels beside them.
 */
export class WorkerGroups {
  private readonly recorders: WorkerRecorder[];
  private readonly contexts: ClientContext[];

  constructor(
    base: ClientContext,
    private readonly groups: readonly GroupPlan[],
    private readonly membership: GroupMembership,
    sharesMemory: boolean,
  ) {
    this.recorders = groups.map(() => new WorkerRecorder(sharesMemory));
    this.contexts = groups.map((group, index) => groupContext(base, group.plan, this.recorders[index]));
  }

  contextOf(index: number): ClientContext {
    return this.contexts[this.membership.group[index]];
  }

  /** The data row a client of a group reads: its rank in the group when the group has a data file of its own. */
  rowIndexOf(index: number, plan: Plan): number {
    const group = this.groups[this.membership.group[index]];
    return group.plan.clients.data?.file !== plan.clients.data?.file ? this.membership.rank[index] : index;
  }

  fold(main: WorkerRecorder): Record<string, GroupSlice> {
    main.sumGauges(this.recorders);
    const slices: Record<string, GroupSlice> = {};
    this.groups.forEach((group, index) => (slices[group.name] = this.recorders[index].foldInto(main)));
    return slices;
  }
}

/** The worker's context as a group's clients see it: the group's plan, recorder and wheels; the rest shared. */
function groupContext(base: ClientContext, plan: Plan, recorder: WorkerRecorder): ClientContext {
  const protocolRecorder: ClientContext['protocolRecorder'] = {
    get counters() {
      return recorder.counters;
    },
    nowMs: () => base.nowMs(),
    stepLatency: (step, ms) => recorder.stepLatency(step, ms),
    pushLatency: (ms) => recorder.pushLatency(ms),
    pushGap: (ms) => recorder.pushGap(ms),
  };
  const own = { plan, recorder, protocolRecorder, ...wheelsFor(plan, () => base.nowMs()) };
  // The base's getters (stopping) stay live through the prototype.
  return Object.assign(Object.create(base) as ClientContext, own);
}
