/** Per-process open-file limit of this machine, and what it means for proxies and the load generator. */
export const FILES_PER_PROCESS = 20_000;
/** Descriptors a proxy process keeps for itself (listeners, logs, health checks, admin socket). */
const PROXY_RESERVED_FILES = 200;

/** Most proxied WebSocket connections one proxy process holds: each costs two descriptors. */
export const MAX_PROXIED_PER_PROCESS = Math.floor((FILES_PER_PROCESS - PROXY_RESERVED_FILES) / 2);

export interface NginxSizing {
  workerProcesses: number;
  workerConnections: number;
  rlimitNofile: number;
}

/** nginx: enough workers that each holds its share of proxied connections within the file limit. */
export function sizeNginx(clients: number, cores: number): NginxSizing {
  const perWorker = MAX_PROXIED_PER_PROCESS * 0.8; // reuseport spreads by hash, not exactly evenly
  return {
    workerProcesses: Math.max(cores, Math.ceil(clients / perWorker)),
    workerConnections: FILES_PER_PROCESS - PROXY_RESERVED_FILES,
    rlimitNofile: FILES_PER_PROCESS,
  };
}

/** HAProxy: one process; undefined when the scenario needs more than it can hold here. */
export function sizeHaproxy(clients: number): { maxconn: number } | undefined {
  if (clients > MAX_PROXIED_PER_PROCESS - 100) return undefined;
  return { maxconn: Math.max(256, clients + 100) };
}
