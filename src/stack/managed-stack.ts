import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { EventPlan, Plan } from '../scenario/plan.js';
import { ManagedBackend } from './backends/backend-supervisor.js';
import { runExecAction } from './exec-action.js';
import { applyBackendAction, type BackendAction } from './backend-action.js';
import type { AdminState } from './proxies/proxy-driver.js';
import { planLayers, type ManagedTarget } from './proxies/plan-layers.js';
import type { ProxyLayer } from './proxies/proxy-layer.js';
import { ManagedRedis } from './backends/redis-server.js';
import { createRuntimeDir, type RuntimeDir } from './runtime-dir.js';
import { makeRunCertificate, type ClientTls, type RunCertificate } from './tls-material.js';
import type { ActionOutcome, RunningStack, ServingListener, ServingSource, StackOptions } from './stack.js';

export { CapacityError } from './proxies/plan-layers.js';

const DEPLOY_DRAIN_TIMEOUT_MS = 10_000;
const HEALTH_POLL_MS = 500;

/**
 * N reference backends (b1..bN), each its own process, and the proxies in front of them, outermost
 * first (none for `direct`; two for the layered chain). Knows every backend's serving state over
 * time, carries out fault actions through the backends and the balancing proxy's driver, and tears
 * everything down on stop.
 */
export class ManagedStack implements RunningStack {
  readonly label: string;
  readonly backends: ManagedBackend[];
  urls: string[] = [];
  /** Outermost first; the last one balances over the backends. */
  private layers: ProxyLayer[] = [];
  private readonly listeners: ServingListener[] = [];
  private readonly admin = new Map<string, AdminState>();
  /** Backends the balancing proxy's own health checks report DOWN right now. */
  private readonly checkedDown = new Set<string>();
  private healthPoller: NodeJS.Timeout | null = null;
  private readonly workDir: string;
  private readonly target: ManagedTarget;
  /** Short private folder for the admin socket and the records of process groups (see runtime-dir.ts). */
  private runtime: RuntimeDir | null = null;
  private certificate: RunCertificate | null = null;
  /** The clients come from IPv6 addresses: they connect to [::1]. */
  private readonly ipv6: boolean;
  /** target.state: redis: the backends' shared session store. */
  private redis: ManagedRedis | null = null;
  clientTls?: ClientTls;

  constructor(
    private readonly plan: Plan,
    private readonly options: StackOptions,
  ) {
    if (plan.target.kind === 'url') throw new Error('a url target is not a managed stack');
    this.target = plan.target;
    this.label = this.target.kind === 'preset' ? this.target.preset : `custom-${this.target.proxy}`;
    this.backends = Array.from(
      { length: this.target.backends },
      (_, i) => new ManagedBackend(`b${i + 1}`, options.logDir, plan.managedBackend),
    );
    for (const backend of this.backends) this.admin.set(backend.id, 'ready');
    // Absolute once and for all: proxies read relative paths against their own prefix, not ours.
    this.workDir = path.resolve(options.logDir, 'stack');
    this.ipv6 = net.isIPv6(plan.clients.pool.split('/')[0]) && plan.clients.via === 'socket';
  }

  get backendIds(): string[] {
    return this.backends.map((backend) => backend.id);
  }

  private get balancer(): ProxyLayer | undefined {
    return this.layers.at(-1);
  }

  get adminSocket(): string {
    return path.join(this.runtime?.path ?? this.workDir, 'admin.sock');
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.workDir, { recursive: true });
    this.runtime = createRuntimeDir();
    fs.writeFileSync(
      path.join(this.workDir, 'runtime-dir.txt'),
      `The admin socket and the process-group records of this run were in ${this.runtime.path}\n` +
        '(a short private folder: a Unix socket path must stay under ~107 bytes); it is removed when the run ends.\n',
    );
    if (this.target.kind === 'preset' && this.target.tls) {
      // Made for this run and kept in its folder; the run's clients trust it and nothing else.
      this.certificate = makeRunCertificate(this.workDir);
      this.clientTls = { ca: this.certificate.certPem };
    }
    // Render first, so a bad template or a machine too small fails before any process starts.
    this.layers = await planLayers(this.target, {
      clients: this.plan.clients.count,
      workDir: this.workDir,
      logDir: this.options.logDir,
      runtime: this.runtime,
      adminSocket: this.adminSocket,
      certificate: this.certificate,
      statsPort: this.options.statsPort,
      ipv6: this.ipv6,
      servers: () =>
        this.backends.map((backend) => ({
          id: backend.id,
          port: backend.port,
          down: this.admin.get(backend.id) !== 'ready',
        })),
    });
    if (this.plan.state === 'redis') {
      this.redis = new ManagedRedis(this.workDir, this.options.logDir, this.runtime);
      await this.redis.start();
      for (const backend of this.backends) backend.redisUrl = this.redis.url;
    }
    await Promise.all(this.backends.map((backend) => backend.start()));
    if (this.layers.length === 0) {
      this.urls = this.backends.map((backend) => `ws://127.0.0.1:${backend.port}${this.target.path}`);
      return;
    }
    // Inside out: each proxy takes upgrades before the one in front of it starts.
    for (const [index, layer] of [...this.layers.entries()].reverse()) {
      const tls = index === 0 && this.certificate ? this.clientTls : undefined;
      this.urls = [
        `${tls ? 'wss' : 'ws'}://${index === 0 && this.ipv6 ? '[::1]' : '127.0.0.1'}:${layer.port}${this.target.path}`,
      ];
      await layer.start(this.urls[0], tls, this.options.signal);
    }
    this.watchHealthChecks();
  }

  onServingChange(listener: ServingListener): void {
    this.listeners.push(listener);
  }

  /**
   * Serving: its process runs and is not paused, the proxy is not told to keep clients off it, and its health checks
   * pass.
   */
  isServing(id: string): boolean {
    const backend = this.backend(id);
    return (
      backend.state === 'serving' && !backend.wedged && this.admin.get(id) === 'ready' && !this.checkedDown.has(id)
    );
  }

  /**
   * A proxy that reports its servers (HAProxy): follow its health checks, so the verdict knows a server it took out.
   */
  private watchHealthChecks(): void {
    const balancer = this.balancer;
    const stats = balancer?.driver.serverStats;
    if (!balancer || !stats) return;
    this.healthPoller = setInterval(() => {
      void stats(balancer)
        .then((rows) => {
          for (const row of rows) {
            if (!this.admin.has(row.server)) continue;
            const before = this.isServing(row.server);
            if (row.status === 'DOWN') this.checkedDown.add(row.server);
            else this.checkedDown.delete(row.server);
            this.notify(row.server, before, 'haproxy_checks');
          }
        })
        .catch(() => {});
    }, HEALTH_POLL_MS);
  }

  private notify(id: string, before: boolean, source: ServingSource = 'stickler'): void {
    const after = this.isServing(id);
    if (after !== before) for (const listener of this.listeners) listener(id, after, source);
  }

  private backend(id: string): ManagedBackend {
    const backend = this.backends.find((candidate) => candidate.id === id);
    if (!backend) throw new Error(`no backend ${id} (this stack has ${this.backendIds.join(', ')})`);
    return backend;
  }

  async act(event: EventPlan): Promise<ActionOutcome> {
    switch (event.action) {
      case 'exec':
        return runExecAction(event.command!, path.join(this.options.logDir, 'events.log'));
      case 'reload':
        return this.reload();
      case 'deploy':
        return this.deploy(event.drain ?? true, event.forMs ?? DEPLOY_DRAIN_TIMEOUT_MS);
      case 'drop_all':
        return { ok: false, detail: 'drop_all is carried out by the clients, not the stack' };
      default:
        if (event.backend === 'redis') return this.actOnRedis(event);
        return this.actOnBackend(event.action, event.backend!, event.forMs);
    }
  }

  private async actOnBackend(action: BackendAction, id: string, forMs = 1000): Promise<ActionOutcome> {
    const backend = this.backend(id);
    const before = this.isServing(id);
    // Tell the workers before the socket closes, so the reconnects that follow are judged right.
    const markDown = () => {
      for (const listener of this.listeners) if (before) listener(id, false);
    };
    await applyBackendAction(backend, action, forMs, {
      markDown,
      resumed: (wasServing) => this.notify(id, wasServing),
      isServing: () => this.isServing(id),
      setAdminState: (state) => this.setAdminState(id, state),
    });
    this.notify(id, before);
    return {
      ok: true,
      detail: `${id} ${backend.state}${this.admin.get(id) !== 'ready' ? ` (${this.admin.get(id)})` : ''}`,
    };
  }

  /** The shared session store: no proxy sees it, so no backend's serving state changes. */
  private async actOnRedis(event: EventPlan): Promise<ActionOutcome> {
    const redis = this.redis!;
    const detail = await redis.act(event.action);
    if (event.action === 'pause') setTimeout(() => redis.resume(), event.forMs ?? 1000).unref();
    return { ok: true, detail };
  }

  /** Through the balancing proxy's driver (HAProxy: the admin socket; nginx: marked down and reloaded). */
  private async setAdminState(id: string, state: AdminState): Promise<void> {
    this.admin.set(id, state);
    await this.balancer?.setServerState(id, state);
  }

  private async reload(): Promise<ActionOutcome> {
    if (this.layers.length === 0) return { ok: false, detail: 'no proxy to reload' };
    // The balancing proxy first, then the ones in front of it.
    for (const layer of [...this.layers].reverse()) layer.reload();
    return { ok: true, detail: `${this.balancer!.driver.launch.kind} reloaded` };
  }

  /**
   * Rolling deploy: for each backend in turn, drain it (through the balancing proxy), wait until its
   * connections end or `drainMs` passes, stop it (1001), start it, ready it.
   */
  private async deploy(drain: boolean, drainMs: number): Promise<ActionOutcome> {
    const throughProxy = drain && this.layers.length > 0;
    for (const backend of this.backends) {
      const before = this.isServing(backend.id);
      for (const listener of this.listeners) if (before) listener(backend.id, false);
      if (throughProxy) {
        await this.setAdminState(backend.id, 'drain');
        const until = Date.now() + drainMs;
        while (Date.now() < until) {
          const open = ((await backend.stats()) as { open?: number } | null)?.open ?? 0;
          if (open === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      await backend.stop();
      await backend.start();
      if (throughProxy) await this.setAdminState(backend.id, 'ready');
      this.notify(backend.id, false);
    }
    return {
      ok: true,
      detail: `${this.backends.length} backends redeployed${drain ? ' with drain' : ' without drain'}`,
    };
  }

  async proxyView(): Promise<unknown> {
    const balancer = this.balancer;
    const stats = balancer?.driver.serverStats;
    if (!balancer || !stats || !balancer.running) return undefined;
    const servers = await stats(balancer);
    return {
      kind: balancer.driver.launch.kind,
      servers: servers.filter((row) => row.backend === 'ws_cluster' || this.target.kind === 'custom'),
    };
  }

  async backendStats(): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      this.backends.map(async (backend) => [backend.id, await backend.stats()] as const),
    );
    return Object.fromEntries(entries);
  }

  async stop(): Promise<void> {
    if (this.healthPoller) clearInterval(this.healthPoller);
    for (const layer of this.layers) await layer.stop();
    await Promise.all(this.backends.map((backend) => backend.stop()));
    await this.redis?.stop();
    this.runtime?.remove();
    this.runtime = null;
  }
}
