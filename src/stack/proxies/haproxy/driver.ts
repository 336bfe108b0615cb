import path from 'node:path';
import { fillPlaceholders } from '../../custom-config.js';
import { haproxyCommand, haproxyServerStats } from './admin.js';
import { haproxyManagementGlobals, renderHaproxyPreset, renderHaproxyServers } from './config.js';
import { proxiedPerProcess, sizeHaproxy } from '../../limits.js';
import type { ProxyDriver } from '../proxy-driver.js';
import { lintHaproxy, parseHaproxy } from './lint-rules.js';

/** HAProxy: one process (-W master-worker), its admin socket for server states and stats. */
export const haproxyDriver: ProxyDriver = {
  lint: (file, source, files) => lintHaproxy(file, parseHaproxy(source), files),
  lintServers: 'server b1 127.0.0.1:9001 check cookie b1',
  launch: {
    kind: 'haproxy',
    binaries: ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', '/usr/bin/haproxy'],
    args: (configFile, workDir) => ['-W', '-db', '-f', configFile, '-p', path.join(workDir, 'haproxy.pid')],
    checkArgs: (configFile) => ['-c', '-f', configFile],
    // -W: SIGUSR2 to the master reloads; old workers keep their connections.
    reloadSignal: 'SIGUSR2',
    extraLogs: () => [],
  },
  configFileName: 'haproxy.cfg',
  capacityProblem(clients, files, cores) {
    if (sizeHaproxy(clients, files, cores)) return null;
    return (
      `HAProxy runs as one process and holds at most about ` +
      `${proxiedPerProcess(files) - 100} proxied connections with this machine's ` +
      `${files} open files per process; ` +
      `the scenario asks for ${clients}. Lower clients.count, or use an nginx stack (several worker processes).`
    );
  },
  renderPreset(preset, context) {
    const { maxconn, nbthread } = sizeHaproxy(context.clients, context.files, context.cores)!;
    return renderHaproxyPreset({
      preset: preset.name,
      listenPort: context.listenPort,
      servers: context.servers,
      maxconn,
      nbthread,
      adminSocket: context.adminSocket,
      statsPort: context.statsPort,
      health: context.health,
      redispatch: context.redispatch,
      ...(context.tls ? { tls: { pemFile: context.tls.pemFile } } : {}),
    });
  },
  renderTemplate(template, context) {
    const checks = /httpchk|tcp-check/.test(template);
    const servers = renderHaproxyServers(context.servers, { checks, cookie: true }, '').trim();
    const text = fillPlaceholders(template, { listen: `127.0.0.1:${context.listenPort}`, servers });
    // The stack manager needs an admin socket: add it to the global section (or add one).
    const management = haproxyManagementGlobals(context.adminSocket);
    return /^global\b.*$/m.test(text)
      ? text.replace(/^global\b.*$/m, (line) => `${line}\n${management}`)
      : `global\n${management}\n\n${text}`;
  },
  async setServerState(handle, server, state) {
    const answer = await haproxyCommand(handle.adminSocket, `set server ws_cluster/${server} state ${state}`);
    if (answer.trim()) throw new Error(`HAProxy: ${answer.trim()}`);
  },
  serverStats: (handle) => haproxyServerStats(handle.adminSocket),
};
