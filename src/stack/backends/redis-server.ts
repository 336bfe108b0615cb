import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../free-port.js';
import type { ProcessLaunch } from '../proxies/proxy-driver.js';
import { ProxyProcess } from '../proxy-process.js';
import type { RuntimeDir } from '../runtime-dir.js';

const READY_TIMEOUT_MS = 10_000;

export type RedisState = 'serving' | 'killed' | 'stopped' | 'paused';

export const REDIS_LAUNCH: ProcessLaunch = {
  kind: 'redis',
  package: 'redis-server',
  binaries: ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server'],
  args: (configFile) => [configFile],
  checkArgs: () => ['--version'],
  extraLogs: () => [],
};

/** Nothing on disk: a restarted store is an empty one, as a cache-only Redis after a crash. */
export function renderRedisConfig(port: number, dir: string): string {
  return [
    '# Written by stickler for this run: the shared session store of target.state: redis.',
    `port ${port}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    `dir ${dir}`,
    'save ""',
    'appendonly no',
    'daemonize no',
    'databases 1',
    '',
  ].join('\n');
}

/**
 * The run's one Redis server (target.state: redis), on loopback on a private port and folder, in its
 * own process group watched like the proxies (a watchdog and the run's records), so that it never
 * outlives stickler. Kept on the same port across kill, stop and restart, as the backends' clients
 * reconnect to it there.
 */
export class ManagedRedis {
  state: RedisState = 'stopped';
  port = 0;
  private process: ProxyProcess | null = null;

  constructor(
    private readonly workDir: string,
    private readonly logDir: string,
    private readonly runtime: RuntimeDir | null,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const dir = path.join(this.workDir, 'redis');
    fs.mkdirSync(dir, { recursive: true });
    const configFile = path.join(this.workDir, 'redis.conf');
    fs.writeFileSync(configFile, renderRedisConfig(this.port, dir));
    const process = new ProxyProcess(
      REDIS_LAUNCH,
      configFile,
      this.workDir,
      path.resolve(this.logDir, 'redis.log'),
      this.runtime,
    );
    this.process = process;
    process.start();
    const until = Date.now() + READY_TIMEOUT_MS;
    while (!(await answersPing(this.port))) {
      if (!process.running || Date.now() > until) {
        await process.kill();
        throw new Error(
          `redis-server did not answer on 127.0.0.1:${this.port}` +
            `${process.running ? ` within ${READY_TIMEOUT_MS} ms` : ' (it exited)'}:\n` +
            `${process.tail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.state = 'serving';
  }

  async act(action: string): Promise<string> {
    switch (action) {
      case 'kill':
        await this.process?.kill();
        this.state = 'killed';
        break;
      case 'stop':
        await this.stop();
        break;
      case 'start':
        if (this.state !== 'serving') await this.start();
        break;
      case 'restart':
        await this.process?.kill();
        await this.start();
        break;
      case 'pause':
        this.process?.pause(true);
        this.state = 'paused';
        break;
      default:
        throw new Error(`redis takes no ${action}`);
    }
    return `redis ${this.state}`;
  }

  /** Ends a pause (pause's `for`). */
  resume(): void {
    if (this.state !== 'paused') return;
    this.process?.pause(false);
    this.state = 'serving';
  }

  async stop(): Promise<void> {
    this.process?.pause(false);
    await this.process?.stop();
    this.process = null;
    this.state = 'stopped';
  }
}

/** One PING over a fresh connection: the server is up and answering. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
