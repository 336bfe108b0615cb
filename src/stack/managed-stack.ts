import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventPlan, Plan } from '../scenario/plan.js';
import { ManagedBackend } from './backend-supervisor.js';
import { readTemplate, renderTemplate } from './custom-config.js';
import { runExecAction } from './exec-action.js';
import { freePort } from './free-port.js';
import { haproxyCommand, haproxyServerStats } from './haproxy-admin.js';
import { renderHaproxyPreset } from './haproxy-config.js';
import { machineLimits, proxiedPerProcess, sizeHaproxy, sizeNginx } from './limits.js';
import { renderNginxPreset } from './nginx-config.js';
import { findPreset, isChainPreset, type ProxyKind } from '../scenario/presets.js';
import { ProxyError, ProxyProcess } from './proxy-process.js';
import { waitForUpgrade } from './readiness.js';
import { createRuntimeDir, type RuntimeDir } from './runtime-dir.js';
import { makeRunCertificate, type ClientTls, type RunCertificate } from './tls-material.js';
import type { ActionOutcome, RunningStack, ServingListener, ServingSource } from './stack.js';

/** The machine cannot hold the scenario (exit 3 before the run starts, rather than failing halfway). */
export class CapacityError extends Error {}

type AdminState = 'ready' | 'drain' | 'maint';

export interface StackOptions {
  /** Where configs and process logs go (the run's report folder). */
  logDir: string;
  /** HAProxy: also serve the stats page on this port (for `stack up`). */
  statsPort?: number;
}

const READY_TIMEOUT_MS = 15_000;
const DEPLOY_DRAIN_TIMEOUT_MS = 10_000;
const HEALTH_POLL_MS = 500;

/**
 * N reference backends (b1..bN), each its own process, and one nginx or HAProxy in front of them
 * (none for `direct`). Knows every backend's serving state over time, carries out fault actions,
 * and tears everything down on stop.
 */
export class ManagedStack implements RunningStack {
  readonly backends: ManagedBackend[];
  urls: string[] = [];
  proxyPort = 0;
  private proxy: ProxyProcess | null = null;
  /** The layered chain's nginx in front of the HAProxy (nginx-haproxy-cookie). */
  private front: ProxyProcess | null = null;
  private readonly listeners: ServingListener[] = [];
  private readonly admin = new Map<string, AdminState>();
  /** Backends HAProxy's own health checks report DOWN right now. */
  private readonly checkedDown = new Set<string>();
  private healthPoller: NodeJS.Timeout | null = null;
  private readonly workDir: string;
  private renderConfig: (() => string) | null = null;
  /** Short private folder for the admin socket and the records of process groups (see runtime-dir.ts). */
  private runtime: RuntimeDir | null = null;
  private certificate: RunCertificate | null = null;
  clientTls?: ClientTls;

  constructor(
    readonly label: string,
    private readonly proxyKind: ProxyKind | 'none',
    private readonly plan: Plan,
    private readonly options: StackOptions,
  ) {
    const target = plan.target as Extract<Plan['target'], { backends: number }>;
    this.backends = Array.from({ length: target.backends }, (_, i) => new ManagedBackend(`b${i + 1}`, options.logDir));
    for (const backend of this.backends) this.admin.set(backend.id, 'ready');
    // Absolute once and for all: proxies read relative paths against their own prefix, not ours.
    this.workDir = path.resolve(options.logDir, 'stack');
  }

  get backendIds(): string[] {
    return this.backends.map((backend) => backend.id);
  }

  get configFile(): string {
    return path.join(this.workDir, this.proxyKind === 'nginx' ? 'nginx.conf' : 'haproxy.cfg');
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
    const target = this.plan.target as Extract<Plan['target'], { path: string }>;
    if (target.kind === 'preset' && target.tls) {
      // Made for this run and kept in its folder; the run's clients trust it and nothing else.
      this.certificate = makeRunCertificate(this.workDir);
      this.clientTls = { ca: this.certificate.certPem };
    }
    // Render first, so a bad template fails before any process starts.
    if (this.proxyKind !== 'none') {
      this.proxyPort = await freePort();
      this.renderConfig = this.configRenderer(target);
    }
    await Promise.all(this.backends.map((backend) => backend.start()));
    if (this.proxyKind === 'none') {
      this.urls = this.backends.map((backend) => `ws://127.0.0.1:${backend.port}${target.path}`);
      return;
    }
    fs.writeFileSync(this.configFile, this.renderConfig!());
    this.proxy = new ProxyProcess(this.proxyKind, this.configFile, this.workDir, path.resolve(this.options.logDir, `${this.proxyKind}.log`), this.runtime);
    this.proxy.check();
    this.proxy.start();
    const chain = isChainPreset(this.label);
    this.urls = [`${this.certificate && !chain ? 'wss' : 'ws'}://127.0.0.1:${this.proxyPort}${target.path}`];
    try {
      await waitForUpgrade(this.urls[0], READY_TIMEOUT_MS, () => this.proxy?.running ?? false, chain ? undefined : this.clientTls);
    } catch (error) {
      throw new ProxyError(`${this.proxyKind} did not accept WebSocket upgrades: ${(error as Error).message}\n${this.proxy.tail()}`, 'start');
    }
    if (chain) await this.startFront(target.path);
    this.watchHealthChecks();
  }

  private configRenderer(target: Extract<Plan['target'], { path: string }>): () => string {
    const clients = this.plan.clients.count;
    const servers = () => this.backends.map((backend) => ({ id: backend.id, port: backend.port, down: this.admin.get(backend.id) !== 'ready' }));
    // Proxies raise their own soft limit up to the hard one: that is what they can use.
    const files = machineLimits().filesHard;
    const cores = os.availableParallelism();
    const haproxySizing = sizeHaproxy(clients, files, cores);
    if (this.proxyKind === 'haproxy' && !haproxySizing) {
      throw new CapacityError(
        `HAProxy runs as one process and holds at most about ${proxiedPerProcess(files) - 100} proxied connections with this machine's ${files} open files per process; ` +
          `the scenario asks for ${clients}. Lower clients.count, or use an nginx stack (several worker processes).`,
      );
    }
    const nginxSizing = sizeNginx(clients, cores, files);
    if (this.proxyKind === 'nginx' && !nginxSizing) {
      throw new CapacityError(`nginx would need more than 64 worker processes for ${clients} clients with this machine's ${files} open files per process; lower clients.count or raise the limit (ulimit -n)`);
    }
    if (target.kind === 'custom') {
      const template = readTemplate(target.configPath);
      return () => renderTemplate(target.proxy, template, { listenPort: this.proxyPort, servers: servers(), adminSocket: this.adminSocket });
    }
    const preset = findPreset(this.label)!;
    if (preset.proxy === 'nginx') {
      const tls = this.certificate ? { certFile: this.certificate.certFile, keyFile: this.certificate.keyFile } : undefined;
      return () => renderNginxPreset({ preset: preset.name, listenPort: this.proxyPort, servers: servers(), sizing: nginxSizing!, workDir: this.workDir, tls });
    }
    const { maxconn, nbthread } = haproxySizing!;
    return () =>
      renderHaproxyPreset({
        preset: preset.name, listenPort: this.proxyPort, servers: servers(), maxconn, nbthread, adminSocket: this.adminSocket, statsPort: this.options.statsPort,
        ...(target.kind === 'preset' ? { health: target.health, redispatch: target.redispatch } : {}),
        // In the chain, nginx terminates TLS and HAProxy speaks plain HTTP behind it.
        ...(this.certificate && !isChainPreset(preset.name) ? { tls: { pemFile: this.certificate.pemFile } } : {}),
      });
  }

  /** The chain's nginx: TLS (with tls: true) and HTTP/1.1 with the Upgrade/Connection map, in front of the HAProxy. */
  private async startFront(pathPart: string): Promise<void> {
    const frontPort = await freePort();
    const sizing = sizeNginx(this.plan.clients.count, os.availableParallelism(), machineLimits().filesHard)!;
    const tls = this.certificate ? { certFile: this.certificate.certFile, keyFile: this.certificate.keyFile } : undefined;
    const configFile = path.join(this.workDir, 'nginx-front.conf');
    fs.writeFileSync(configFile, renderNginxPreset({
      preset: 'nginx-round-robin', listenPort: frontPort, servers: [{ id: 'haproxy', port: this.proxyPort }], sizing, workDir: this.workDir, tls,
    }));
    this.front = new ProxyProcess('nginx', configFile, this.workDir, path.resolve(this.options.logDir, 'nginx-front.log'), this.runtime);
    this.front.check();
    this.front.start();
    this.urls = [`${tls ? 'wss' : 'ws'}://127.0.0.1:${frontPort}${pathPart}`];
    try {
      await waitForUpgrade(this.urls[0], READY_TIMEOUT_MS, () => this.front?.running ?? false, this.clientTls);
    } catch (error) {
      throw new ProxyError(`nginx in front of HAProxy did not accept WebSocket upgrades: ${(error as Error).message}\n${this.front.tail()}`, 'start');
    }
  }

  onServingChange(listener: ServingListener): void {
    this.listeners.push(listener);
  }

  /** Serving: its process runs and is not paused, the proxy is not told to keep clients off it, and its health checks pass. */
  isServing(id: string): boolean {
    const backend = this.backend(id);
    return backend.state === 'serving' && !backend.wedged && this.admin.get(id) === 'ready' && !this.checkedDown.has(id);
  }

  /** HAProxy: follows what the health checks report, so the verdict knows a server HAProxy took out. */
  private watchHealthChecks(): void {
    if (this.proxyKind !== 'haproxy') return;
    this.healthPoller = setInterval(() => {
      void haproxyServerStats(this.adminSocket)
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
    if (event.action === 'exec') return runExecAction(event.command!, path.join(this.options.logDir, 'events.log'));
    if (event.action === 'reload') return this.reload();
    if (event.action === 'deploy') return this.deploy(event.drain ?? true, event.forMs ?? DEPLOY_DRAIN_TIMEOUT_MS);
    const id = event.backend!;
    const backend = this.backend(id);
    const before = this.isServing(id);
    // Tell the workers before the socket closes, so the reconnects that follow are judged right.
    const markDown = () => {
      for (const listener of this.listeners) if (before) listener(id, false);
    };
    switch (event.action) {
      case 'kill':
        markDown();
        await backend.kill();
        break;
      case 'stop':
        markDown();
        await backend.stop();
        break;
      case 'start':
        await backend.start();
        break;
      case 'restart':
        markDown();
        await backend.kill();
        await backend.start();
        break;
      case 'pause':
        markDown();
        backend.pause();
        setTimeout(() => {
          if (backend.state !== 'paused') return;
          const wasServing = this.isServing(id);
          backend.resume();
          this.notify(id, wasServing);
        }, event.forMs ?? 1000).unref();
        break;
      case 'wedge':
        markDown();
        backend.wedge(true);
        break;
      case 'unwedge':
        backend.wedge(false);
        break;
      case 'ready':
      case 'drain':
      case 'maint':
        if (event.action !== 'ready') markDown();
        await this.setAdminState(id, event.action);
        break;
      default:
        return { ok: false, detail: `unknown action ${event.action}` };
    }
    this.notify(id, before);
    return { ok: true, detail: `${id} ${backend.state}${this.admin.get(id) !== 'ready' ? ` (${this.admin.get(id)})` : ''}` };
  }

  /** HAProxy: the admin socket; nginx has no drain, so the server is marked down and nginx reloaded. */
  private async setAdminState(id: string, state: AdminState): Promise<void> {
    this.admin.set(id, state);
    if (this.proxyKind === 'haproxy') {
      const answer = await haproxyCommand(this.adminSocket, `set server ws_cluster/${id} state ${state}`);
      if (answer.trim()) throw new Error(`HAProxy: ${answer.trim()}`);
    } else if (this.proxyKind === 'nginx') {
      fs.writeFileSync(this.configFile, this.renderConfig!());
      this.proxy?.reload();
    }
  }

  private async reload(): Promise<ActionOutcome> {
    if (!this.proxy) return { ok: false, detail: 'no proxy to reload' };
    this.proxy.reload();
    this.front?.reload();
    return { ok: true, detail: `${this.proxyKind} reloaded` };
  }

  /**
   * Rolling deploy: for each backend in turn, drain it (HAProxy: admin state; nginx: marked down and
   * reloaded), wait until its connections end or `drainMs` passes, stop it (1001), start it, ready it.
   */
  private async deploy(drain: boolean, drainMs: number): Promise<ActionOutcome> {
    for (const backend of this.backends) {
      const before = this.isServing(backend.id);
      for (const listener of this.listeners) if (before) listener(backend.id, false);
      if (drain && this.proxyKind !== 'none') {
        await this.setAdminState(backend.id, 'drain');
        const until = Date.now() + drainMs;
        while (Date.now() < until) {
          const open = await this.openOn(backend);
          if (open === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      await backend.stop();
      await backend.start();
      if (drain && this.proxyKind !== 'none') await this.setAdminState(backend.id, 'ready');
      this.notify(backend.id, false);
    }
    return { ok: true, detail: `${this.backends.length} backends redeployed${drain ? ' with drain' : ' without drain'}` };
  }

  /** Connections a backend holds, as the backend itself counts them. */
  private async openOn(backend: ManagedBackend): Promise<number> {
    const stats = (await backend.stats()) as { open?: number } | null;
    return stats?.open ?? 0;
  }

  async proxyView(): Promise<unknown> {
    if (this.proxyKind !== 'haproxy' || !this.proxy?.running) return undefined;
    const servers = await haproxyServerStats(this.adminSocket);
    return { kind: 'haproxy', servers: servers.filter((row) => row.backend === 'ws_cluster' || this.plan.target.kind === 'custom') };
  }

  async backendStats(): Promise<Record<string, unknown>> {
    const entries = await Promise.all(this.backends.map(async (backend) => [backend.id, await backend.stats()] as const));
    return Object.fromEntries(entries);
  }

  async stop(): Promise<void> {
    if (this.healthPoller) clearInterval(this.healthPoller);
    await this.front?.stop();
    await this.proxy?.stop();
    await Promise.all(this.backends.map((backend) => backend.stop()));
    this.runtime?.remove();
    this.runtime = null;
  }
}
