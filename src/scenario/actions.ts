/**
 * The fault actions a scenario's `events` can name: one descriptor each, read by the schema (the
 * names), validation (fields, what the target must be able to do), `stickler stacks` and the docs.
 */

/** What a target must be for the action to be carried out. */
export type ActionNeeds =
  /** any target: the clients or a shell do it */
  | 'any'
  /** a managed stack (stickler runs the backends) */
  | 'managed'
  /** a managed stack with a proxy (not `direct`) */
  | 'proxy';

/** A capability a proxy driver may lack; an action that needs one is refused at validation on a proxy without it. */
export type ProxyCapability = 'admin_state' | 'reload';

export interface ActionInfo {
  readonly summary: string;
  /** Names a backend b1..bN. */
  readonly backend: boolean;
  readonly needs: ActionNeeds;
  /** Who carries it out: a backend process, the proxy, every client, or a shell. */
  readonly by: 'backend' | 'proxy' | 'stack' | 'clients' | 'shell';
  readonly capability?: ProxyCapability;
  /** `for` is required (pause) or optional (deploy: the drain timeout). */
  readonly forField?: 'required' | 'optional';
  readonly command?: boolean;
}

export const ACTIONS = {
  kill: {
    summary: 'SIGKILL the backend: its clients see 1006 within milliseconds',
    backend: true,
    needs: 'managed',
    by: 'backend',
  },
  stop: {
    summary: 'graceful: the backend closes its sockets with 1001, then exits',
    backend: true,
    needs: 'managed',
    by: 'backend',
  },
  start: { summary: 'start a stopped backend again', backend: true, needs: 'managed', by: 'backend' },
  restart: { summary: 'SIGKILL, then start again', backend: true, needs: 'managed', by: 'backend' },
  pause: {
    summary: 'SIGSTOP for `for`, then SIGCONT',
    backend: true,
    needs: 'managed',
    by: 'backend',
    forField: 'required',
  },
  wedge: {
    summary: 'answers /health with 200 but refuses upgrades and closes its sockets with 1011',
    backend: true,
    needs: 'managed',
    by: 'backend',
  },
  unwedge: { summary: 'takes upgrades again', backend: true, needs: 'managed', by: 'backend' },
  ready: {
    summary: 'the proxy sends new clients to the backend again',
    backend: true,
    needs: 'proxy',
    by: 'proxy',
    capability: 'admin_state',
  },
  drain: {
    summary: 'the proxy sends no new clients to the backend (HAProxy: admin socket; nginx: down + reload)',
    backend: true,
    needs: 'proxy',
    by: 'proxy',
    capability: 'admin_state',
  },
  maint: {
    summary: 'the backend is out of the proxy entirely',
    backend: true,
    needs: 'proxy',
    by: 'proxy',
    capability: 'admin_state',
  },
  reload: { summary: 'reload the proxy', backend: false, needs: 'proxy', by: 'proxy', capability: 'reload' },
  deploy: {
    summary: 'rolling: each backend drained, stopped, started, readied in turn (for: the drain timeout)',
    backend: false,
    needs: 'managed',
    by: 'stack',
    forField: 'optional',
  },
  drop_all: { summary: 'every client drops at once (a reconnect storm)', backend: false, needs: 'any', by: 'clients' },
  exec: { summary: 'run a shell command (any target)', backend: false, needs: 'any', by: 'shell', command: true },
} as const satisfies Record<string, ActionInfo>;

export type ActionName = keyof typeof ACTIONS;

/** What `needs` says, in words (stickler stacks, the scenario reference). */
export const NEEDS_WORDS: Record<ActionNeeds, string> = {
  any: 'any target',
  managed: 'needs a managed stack',
  proxy: 'needs a managed stack with a proxy',
};

export const ACTION_NAMES = Object.keys(ACTIONS) as [ActionName, ...ActionName[]];

export function actionInfo(name: ActionName): ActionInfo {
  return ACTIONS[name];
}
