import path from 'node:path';
import { caddyGlobals, caddyUpstreams, renderCaddyPreset } from './config.js';
import { fillPlaceholders } from '../../custom-config.js';
import { proxiedPerProcess } from '../../limits.js';
import type { ProxyDriver } from '../proxy-driver.js';
import { lintCaddy } from './lint-rules.js';

/**
 * Caddy 2: one Go process in the foreground, its admin API on a Unix socket of the run, reloaded with `caddy reload`.
 */
export const caddyDriver: ProxyDriver = {
  lint: (file, source) => lintCaddy(file, source),
  lintServers: '127.0.0.1:9001',
  launch: {
    kind: 'caddy',
    binaries: ['/usr/bin/caddy', '/usr/local/bin/caddy'],
    args: (configFile) => ['run', '--config', configFile, '--adapter', 'caddyfile'],
    checkArgs: (configFile) => ['validate', '--config', configFile, '--adapter', 'caddyfile'],
    // Caddy ignores signals for reloading: `caddy reload` posts the new config to the admin API named in it.
    // --force: a reload of an unchanged config is a reload too (Caddy skips it otherwise).
    reloadArgs: (configFile) => ['reload', '--config', configFile, '--adapter', 'caddyfile', '--force'],
    // Caddy writes its autosave and data under HOME/XDG folders: the run's own.
    env: (workDir) => ({
      HOME: workDir,
      XDG_CONFIG_HOME: path.join(workDir, 'caddy-config'),
      XDG_DATA_HOME: path.join(workDir, 'caddy-data'),
    }),
    versionArgs: ['version'],
    extraLogs: () => [],
  },
  configFileName: 'Caddyfile',
  capacityProblem(clients, files) {
    if (clients <= proxiedPerProcess(files) - 100) return null;
    return (
      `Caddy runs as one process and holds at most about ` +
      `${proxiedPerProcess(files) - 100} proxied connections with this machine's ` +
      `${files} open files per process; ` +
      `the scenario asks for ${clients}. Lower clients.count, or use an nginx stack (several worker processes).`
    );
  },
  renderPreset(preset, context) {
    return renderCaddyPreset({
      preset: preset.name,
      listenPort: context.listenPort,
      servers: context.servers,
      adminSocket: context.adminSocket,
      workDir: context.workDir,
      health: context.health,
      ...(context.tls ? { tls: { certFile: context.tls.certFile, keyFile: context.tls.keyFile } } : {}),
    });
  },
  renderTemplate(template, context) {
    const text = fillPlaceholders(template, {
      listen: `http://127.0.0.1:${context.listenPort}`,
      servers: caddyUpstreams(context.servers),
    });
    // The stack manager reloads through the admin API: put it on the run's socket (in the global block, or a new one).
    const globals = caddyGlobals(context.adminSocket, context.workDir);
    const lines = text.split('\n');
    const first = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    if (first < 0 || lines[first].trim() !== '{') return `{\n${globals}\n}\n\n${text}`;
    // The file's global block: stickler's admin socket, automatic-HTTPS and storage lines instead of the file's own.
    const end = lines.findIndex((line, index) => index > first && line.trim() === '}');
    const block = lines.slice(first + 1, end).filter((line) => !/^\s*(admin|auto_https|storage)\b/.test(line));
    return [...lines.slice(0, first + 1), globals, ...block, ...lines.slice(end)].join('\n');
  },
  async setServerState() {
    throw new Error(
      'Caddy cannot drain or hold one upstream (its admin API replaces the whole ' +
        'list, cutting streams): validation refuses drain, ready and maint',
    );
  },
};
