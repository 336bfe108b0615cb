import fs from 'node:fs';
import path from 'node:path';
import { ProxyError, ProxyProcess } from '../proxy-process.js';
import { waitForUpgrade, WaitAborted } from '../readiness.js';
import type { RuntimeDir } from '../runtime-dir.js';
import type { ClientTls } from '../tls-material.js';
import type { AdminState, ProxyDriver, ProxyHandle } from './proxy-driver.js';

const READY_TIMEOUT_MS = 15_000;

/**
 * One running proxy of a managed stack: its driver, its config (rendered again whenever a server's
 * state changes, for proxies that have no admin socket), its process. A chain is layers in a row,
 * each one's servers being the next one in.
 */
export class ProxyLayer implements ProxyHandle {
  private process: ProxyProcess | null = null;

  constructor(
    readonly driver: ProxyDriver,
    /** File stem of its config and log: `haproxy`, `nginx`, `nginx-front`. */
    readonly name: string,
    readonly port: number,
    private readonly files: { workDir: string; logDir: string; runtime: RuntimeDir | null; adminSocket: string },
    private readonly render: () => string,
  ) {}

  get adminSocket(): string {
    return this.files.adminSocket;
  }

  get configFile(): string {
    const extension = path.extname(this.driver.configFileName);
    return path.join(
      this.files.workDir,
      this.name === this.driver.launch.kind ? this.driver.configFileName : `${this.name}${extension}`,
    );
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** Writes the config, has the proxy check it, starts it and waits until it takes WebSocket upgrades on `url`. */
  async start(url: string, tls: ClientTls | undefined, signal?: AbortSignal): Promise<void> {
    fs.writeFileSync(this.configFile, this.render());
    this.process = new ProxyProcess(
      this.driver.launch,
      this.configFile,
      this.files.workDir,
      path.resolve(this.files.logDir, `${this.name}.log`),
      this.files.runtime,
    );
    this.process.check();
    this.process.start();
    try {
      await waitForUpgrade(url, READY_TIMEOUT_MS, () => this.running, tls, signal);
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      throw new ProxyError(
        `${this.describe()} did not accept WebSocket upgrades: ${(error as Error).message}\n${this.process.tail()}`,
        'start',
      );
    }
  }

  describe(): string {
    return this.name === 'nginx-front' ? 'nginx in front of HAProxy' : this.driver.launch.kind;
  }

  rewriteAndReload(): void {
    fs.writeFileSync(this.configFile, this.render());
    this.reload();
  }

  reload(): void {
    this.process?.reload();
  }

  setServerState(server: string, state: AdminState): Promise<void> {
    return this.driver.setServerState(this, server, state);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
