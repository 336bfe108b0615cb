import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ResumeAnswer } from '../../util/session-resume.js';

/**
 * Where a reference backend keeps its clients' sessions (target.state): a message counter and a
 * generation per session, keyed by the client's session value. A reconnect resumes the session: the
 * backend says in its 101 what it holds, and the client checks it is the state it left (same
 * generation, a counter that did not go backwards). `memory` is the backend's own (gone with the process,
 * unknown to the others); `redis` is one Redis server every backend of the run shares.
 */
export interface SessionStore {
  /** Resumes the session, or opens a new one (a new generation) when this store holds none. */
  resume(session: string): Promise<ResumeAnswer>;
  /** One more message of the session: void when stored at once (memory), a promise when stored remotely. */
  record(session: string): void | Promise<unknown>;
  close(): void;
}

const newGeneration = (): string => randomBytes(6).toString('hex');

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, { gen: string; count: number }>();

  async resume(session: string): Promise<ResumeAnswer> {
    const held = this.sessions.get(session);
    if (held) return { state: 'resumed', gen: held.gen, count: held.count };
    const gen = newGeneration();
    this.sessions.set(session, { gen, count: 0 });
    return { state: 'new', gen };
  }

  record(session: string): void {
    const held = this.sessions.get(session);
    if (held) held.count += 1;
  }

  close(): void {}
}

/** A command that gets no answer within this long fails (a paused Redis), as a real app's would. */
const COMMAND_TIMEOUT_MS = 1000;

export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis;

  constructor(url: string) {
    // No offline queue: while Redis is away a command fails at once, as the backend must know.
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: () => 200,
      enableAutoPipelining: true,
    });
    this.redis.on('error', () => {});
  }

  async resume(session: string): Promise<ResumeAnswer> {
    const key = `session:${session}`;
    const [gen, count] = await this.redis.hmget(key, 'gen', 'count');
    if (gen !== null) return { state: 'resumed', gen, count: Number(count ?? 0) };
    const fresh = newGeneration();
    await this.redis.hset(key, 'gen', fresh, 'count', 0);
    return { state: 'new', gen: fresh };
  }

  record(session: string): Promise<unknown> {
    return this.redis.hincrby(`session:${session}`, 'count', 1);
  }

  close(): void {
    this.redis.disconnect();
  }
}

export function openSessionStore(redisUrl: string | undefined): SessionStore {
  return redisUrl ? new RedisSessionStore(redisUrl) : new MemorySessionStore();
}
