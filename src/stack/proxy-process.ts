import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { ProcessLaunch } from './proxies/proxy-driver.js';
import { registerProcess } from './process-registry.js';
import type { RuntimeDir } from './runtime-dir.js';
import { guardProcessGroup } from './watchdog.js';

/** A proxy the proxy itself rejected (bad template) or that would not run. */
export class ProxyError extends Error {
  constructor(
    message: string,
    readonly kind: 'config' | 'start',
  ) {
    super(message);
  }
}

export function findProxyBinary(launch: ProcessLaunch): string | undefined {
  return launch.binaries.find((candidate) => fs.existsSync(candidate));
}

/**
 * One nginx, HAProxy, Caddy or Redis process in the foreground, in its own process group (nginx
 * workers outlive a killed master otherwise), logging into the run's folder.
 */
export class ProxyProcess {
  private child: ChildProcess | null = null;
  private watchdog: { release(): void } | null = null;

  constructor(
    readonly launch: ProcessLaunch,
    readonly configFile: string,
    readonly workDir: string,
    private readonly logFile: string,
    private readonly runtime: RuntimeDir | null = null,
  ) {}

  private get proxy(): string {
    return this.launch.kind;
  }

  private binary(): string {
    const binary = findProxyBinary(this.launch);
    if (!binary)
      throw new ProxyError(
        `${this.proxy} is not installed: install it (apt-get install ` +
          `${this.launch.package ?? this.proxy}) or run \`stickler doctor\``,
        'start',
      );
    return binary;
  }

  /** `nginx -t` / `haproxy -c`: a config the proxy rejects is the user's to fix, with the proxy's own words. */
  check(): void {
    const args = this.launch.checkArgs(this.configFile, this.workDir);
    const result = spawnSync(this.binary(), args, { encoding: 'utf8', timeout: 15_000, env: this.env() });
    if (result.status !== 0) {
      const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim();
      throw new ProxyError(`${this.proxy} rejected the config ${this.configFile}:\n${output}`, 'config');
    }
  }

  start(): void {
    const log = fs.openSync(this.logFile, 'a');
    const child = spawn(this.binary(), this.launch.args(this.configFile, this.workDir), {
      stdio: ['ignore', log, log],
      detached: true,
      env: this.env(),
    });
    fs.closeSync(log);
    registerProcess(child, { group: true });
    this.child = child;
    if (child.pid !== undefined) {
      // Two guards in case stickler dies without stopping it: a watchdog now, and a record for the next run.
      this.watchdog = guardProcessGroup(child.pid);
      this.runtime?.recordGroup(child.pid, this.launch.kind);
    }
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines of the proxy's log, to explain why it stopped. */
  tail(): string {
    const files = [this.logFile, ...this.launch.extraLogs(this.workDir)];
    return files
      .filter((file) => fs.existsSync(file))
      .map((file) => fs.readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n'))
      .join('\n');
  }

  /** Re-reads the config; old workers keep their connections (nginx SIGHUP, HAProxy -W SIGUSR2 to the master). */
  reload(): void {
    if (!this.child) return;
    if (this.launch.reloadSignal) {
      this.child.kill(this.launch.reloadSignal);
      return;
    }
    const result = spawnSync(this.binary(), this.launch.reloadArgs!(this.configFile, this.workDir), {
      encoding: 'utf8',
      timeout: 15_000,
      env: this.env(),
    });
    if (result.status !== 0)
      throw new ProxyError(
        `${this.proxy} did not reload: ` +
          `${`${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-3).join('\n')}`,
        'config',
      );
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.launch.env?.(this.workDir) };
  }

  /** SIGKILL to the whole group, as a crash: resolves when the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child?.pid) {
      const exited =
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child.pid);
      await exited;
    }
    this.watchdog?.release();
    this.watchdog = null;
  }

  /** SIGSTOP / SIGCONT to the group: it holds its sockets and answers nothing meanwhile. */
  pause(on: boolean): void {
    if (this.child?.pid) {
      try {
        process.kill(-this.child.pid, on ? 'SIGSTOP' : 'SIGCONT');
      } catch {
        // gone
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    await this.stopGroup(child);
    this.watchdog?.release();
    this.watchdog = null;
  }

  private async stopGroup(child: ChildProcess | null): Promise<void> {
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) {
      // The master is gone; nginx workers it left may still hold the group.
      if (child?.pid) killGroup(child.pid);
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3000).unref()),
    ]);
    // Whatever is left of the group (old nginx workers still holding WebSockets) goes now.
    killGroup(child.pid);
    if (timedOut) await exited;
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // group already gone
  }
}
