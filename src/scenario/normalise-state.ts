import type { ScenarioFile } from './schema.js';
import type { TargetPlan } from './plan.js';

/** Where managed reference backends keep sessions (memory by default); undefined where stickler runs none. */
export function normaliseState(
  scenario: ScenarioFile,
  target: TargetPlan | undefined,
  problem: (at: string, message: string) => void,
): 'memory' | 'redis' | undefined {
  const asked = scenario.target?.state;
  if (target?.kind === 'url') {
    if (asked)
      problem(
        'target.state',
        'stickler keeps sessions only on the backends it starts (stack:); for your own ' +
          "service, add an on_open step with continuity: true that sends the client's " +
          'resume ({{session}}) and expects your app\'s "resumed" answer',
      );
    return undefined;
  }
  if (scenario.target?.backend === 'socketio') {
    if (asked)
      problem(
        'target.state',
        'sessions are kept by the reference backend only: remove state, or use backend: reference',
      );
    return undefined;
  }
  return target ? (asked ?? 'memory') : undefined;
}

const REDIS_ACTIONS = ['kill', 'stop', 'start', 'restart', 'pause'];

/**
 * `backend: redis` names the shared session store: only with state: redis, and only for the actions a process takes.
 */
export function whyRedisCannot(
  action: string,
  state: 'memory' | 'redis' | undefined,
): { field: string; message: string } | null {
  if (state !== 'redis')
    return {
      field: 'backend',
      message:
        'redis is the shared session store of target.state: redis, and this scenario ' +
        'has none: add state: redis to target, or name a backend b1..bN',
    };
  if (!REDIS_ACTIONS.includes(action))
    return {
      field: 'action',
      message: `redis takes ${REDIS_ACTIONS.join(', ')}; ${action} is for backends behind the proxy`,
    };
  return null;
}
