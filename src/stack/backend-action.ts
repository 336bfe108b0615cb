import type { EventPlan } from '../scenario/plan.js';
import type { ManagedBackend } from './backends/backend-supervisor.js';
import type { AdminState } from './proxies/proxy-driver.js';

/** The actions of a timeline event on one managed backend. */
export type BackendAction = Exclude<EventPlan['action'], 'exec' | 'reload' | 'deploy' | 'drop_all'>;

/** What an action needs of the stack around the backend. */
export interface BackendActionHooks {
  /** Tells the workers the backend stops serving, before its socket closes (the reconnects are judged right). */
  markDown(): void;
  /** A paused backend came back on its own: `wasServing` as it was just before. */
  resumed(wasServing: boolean): void;
  isServing(): boolean;
  /** Through the balancing proxy's driver. */
  setAdminState(state: AdminState): Promise<void>;
}

/** Carries out `action` on one backend; `forMs`: how long a pause lasts. */
export async function applyBackendAction(
  backend: ManagedBackend,
  action: BackendAction,
  forMs: number,
  hooks: BackendActionHooks,
): Promise<void> {
  switch (action) {
    case 'kill':
      hooks.markDown();
      await backend.kill();
      break;
    case 'stop':
      hooks.markDown();
      await backend.stop();
      break;
    case 'start':
      await backend.start();
      break;
    case 'restart':
      hooks.markDown();
      await backend.kill();
      await backend.start();
      break;
    case 'pause':
      hooks.markDown();
      backend.pause();
      setTimeout(() => {
        if (backend.state !== 'paused') return;
        const wasServing = hooks.isServing();
        backend.resume();
        hooks.resumed(wasServing);
      }, forMs).unref();
      break;
    case 'wedge':
      hooks.markDown();
      backend.wedge(true);
      break;
    case 'unwedge':
      backend.wedge(false);
      break;
    case 'ready':
    case 'drain':
    case 'maint':
      if (action !== 'ready') hooks.markDown();
      await hooks.setAdminState(action);
      break;
  }
}
