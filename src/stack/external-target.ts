import fs from 'node:fs';
import path from 'node:path';
import type { Plan } from '../scenario/plan.js';
import { runExecAction } from './exec-action.js';
import { haproxyStatusServes, readHaproxyStats } from './proxies/haproxy/admin.js';
import type { RunningStack, ServingListener } from './stack.js';

/** How often HAProxy's stats are read: `show stat` on the admin socket costs well under a millisecond. */
const STATS_POLL_MS = 250;

/**
 * An endpoint the user runs: nothing to start or stop, only `exec` events act on it. When the
 * scenario names HAProxy's stats (`target.haproxy_stats`), its UP/DOWN/DRAIN view of each server is
 * followed during the run and its counts kept for the summary.
 */
export function externalTarget(plan: Plan, url: string, logDir: string): RunningStack {
  const statsSource = plan.target.kind === 'url' ? plan.target.haproxyStats : null;
  const listeners: ServingListener[] = [];
  const serves = new Map<string, boolean>();
  let poller: NodeJS.Timeout | null = null;
  let lastError: string | null = null;
  const readStats = async () => {
    try {
      // A server may stand in several sections (a ws_cluster and an http_cluster): it serves
      // WebSockets only while no section holds it down.
      const byServer = new Map<string, boolean>();
      for (const row of await readHaproxyStats(statsSource!)) {
        byServer.set(row.server, (byServer.get(row.server) ?? true) && haproxyStatusServes(row.status));
      }
      for (const [server, now] of byServer) {
        if (serves.get(server) === now) continue;
        // The first reading of a server that serves is no news.
        if (serves.has(server) || !now) for (const listener of listeners) listener(server, now, 'haproxy_stats');
        serves.set(server, now);
      }
      lastError = null;
    } catch (error) {
      lastError = (error as Error).message;
    }
  };
  // One reading at a time: a reading begun before an exec must not land after the one made for it
  // (it would put back a server the exec took out). A poll while one is under way joins it.
  let reading: Promise<void> | null = null;
  const poll = (): Promise<void> => (reading ??= readStats().finally(() => (reading = null)));
  const tls = plan.target.kind === 'url' ? plan.target.tls : null;
  return {
    label: 'url',
    urls: [url],
    clientTls: tls
      ? {
          ...(tls.caFile ? { ca: fs.readFileSync(tls.caFile, 'utf8') } : {}),
          ...(tls.insecure ? { insecure: true } : {}),
        }
      : undefined,
    backendIds: [],
    onServingChange(listener) {
      listeners.push(listener);
      if (statsSource && !poller) {
        void poll();
        poller = setInterval(() => void poll(), STATS_POLL_MS);
      }
    },
    act: async (event) => {
      if (!event.command) return { ok: false, detail: `${event.action} needs a managed stack` };
      const outcome = await runExecAction(event.command, path.join(logDir, 'events.log'));
      // A command is how a user's proxy changes state mid-run: read its view at once rather than at
      // the next poll, so that reconnects in between are not judged against a stale view.
      if (poller) {
        await reading;
        await poll();
      }
      return outcome;
    },
    proxyView: async () => {
      if (!statsSource) return undefined;
      const servers = await readHaproxyStats(statsSource).catch((error: Error) => {
        lastError = error.message;
        return null;
      });
      return servers
        ? { kind: 'haproxy', source: statsSource, servers }
        : { kind: 'haproxy', source: statsSource, error: lastError };
    },
    backendStats: async () => ({}),
    stop: async () => {
      if (poller) clearInterval(poller);
    },
  };
}
