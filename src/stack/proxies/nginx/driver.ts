import path from 'node:path';
import { fillPlaceholders } from '../../custom-config.js';
import { sizeNginx } from '../../limits.js';
import { renderNginxPreset, renderNginxServers } from './config.js';
import type { ProxyDriver } from '../proxy-driver.js';
import { lintNginx } from './lint-rules.js';
import { parseNginx } from './parser.js';

/** nginx: workers sized to the load; no admin socket, so a server state is a `down` mark in the config and a reload. */
export const nginxDriver: ProxyDriver = {
  lint: (file, source, files) => lintNginx(file, parseNginx(source), files),
  lintServers: 'server 127.0.0.1:9001;',
  launch: {
    kind: 'nginx',
    binaries: ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'],
    args: (configFile, workDir) => [
      '-p',
      workDir,
      '-e',
      path.join(workDir, 'nginx-error.log'),
      '-c',
      configFile,
      '-g',
      `daemon off; pid ${path.join(workDir, 'nginx.pid')};`,
    ],
    checkArgs(configFile, workDir) {
      return ['-t', ...this.args(configFile, workDir)];
    },
    // SIGHUP re-reads the config; old workers keep their connections.
    reloadSignal: 'SIGHUP',
    extraLogs: (workDir) => [path.join(workDir, 'nginx-error.log')],
  },
  configFileName: 'nginx.conf',
  capacityProblem(clients, files, cores) {
    if (sizeNginx(clients, cores, files)) return null;
    return (
      `nginx would need more than 64 worker processes for ${clients} clients with this ` +
      `machine's ${files} open files per process; lower clients.count or raise the ` +
      `limit (ulimit -n)`
    );
  },
  renderPreset(preset, context) {
    const tls = context.tls ? { certFile: context.tls.certFile, keyFile: context.tls.keyFile } : undefined;
    const sizing = sizeNginx(context.clients, context.cores, context.files)!;
    return renderNginxPreset({
      preset: preset.name,
      listenPort: context.listenPort,
      servers: context.servers,
      sizing,
      workDir: context.workDir,
      tls,
    });
  },
  renderTemplate: (template, context) =>
    fillPlaceholders(template, {
      listen: `127.0.0.1:${context.listenPort}`,
      servers: renderNginxServers(context.servers, '').trim(),
    }),
  async setServerState(handle) {
    handle.rewriteAndReload();
  },
};
