import type { Finding } from '../../findings/finding.js';
import type { PresetInfo, ProxyKind } from '../../scenario/presets.js';
import type { HaproxyServerStat } from './haproxy/admin.js';
import type { ServerSpec } from './nginx/config.js';
import type { RunCertificate } from '../tls-material.js';

/** A server's state as the proxy is told it (ready | drain | maint). */
export type AdminState = 'ready' | 'drain' | 'maint';

/** How a server binary (a proxy, Redis) is run in the foreground, checked and reloaded. */
export interface ProcessLaunch {
  /** Names it in messages and in the records of process groups. */
  readonly kind: string;
  /** The Debian package that installs it, when not named as `kind`. */
  readonly package?: string;
  /** Where the binary may be, first found wins. */
  readonly binaries: readonly string[];
  /** Arguments to run it in the foreground on `configFile`, its files under `workDir`. */
  args(configFile: string, workDir: string): string[];
  /** Arguments to check a config without running it. */
  checkArgs(configFile: string, workDir: string): string[];
  /** The signal that makes it re-read its config, or (Caddy) the arguments of a command that reloads it. */
  readonly reloadSignal?: NodeJS.Signals;
  reloadArgs?(configFile: string, workDir: string): string[];
  /** Arguments that print its version (default -v). */
  readonly versionArgs?: readonly string[];
  /** Environment the binary needs (Caddy: its HOME and XDG folders in the run's folder). */
  env?(workDir: string): Record<string, string>;
  /** Logs it writes besides stdout and stderr, whose tails explain why it stopped. */
  extraLogs(workDir: string): string[];
}

/** How a proxy binary is run. */
export interface ProxyLaunch extends ProcessLaunch {
  readonly kind: ProxyKind;
}

/** What a rendering needs to know of the run. */
export interface RenderContext {
  listenPort: number;
  servers: readonly ServerSpec[];
  workDir: string;
  adminSocket: string;
  /** Expected connections through this proxy. */
  clients: number;
  /** Open files a proxy process may use (the hard limit: proxies raise their own soft limit). */
  files: number;
  cores: number;
  /** Terminate TLS on this proxy with the run's certificate. */
  tls?: RunCertificate;
  /** HAProxy: also serve the stats page here (`stack up`). */
  statsPort?: number;
  /** Presets with checks: how servers are checked, and whether a client is sent elsewhere when its server is down. */
  health: 'http' | 'ws' | 'none';
  redispatch: boolean;
}

/** Talks to one running proxy of this kind (its admin socket, its config + reload). */
export interface ProxyHandle {
  readonly adminSocket: string;
  /** Renders the config again (with the servers' current states) and reloads. */
  rewriteAndReload(): void;
}

/**
 * One proxy: how it runs, how its configs are rendered, how it carries out what the actions
 * descriptors ask of a proxy (scenario/actions.ts), and what it reports of its servers.
 */
export interface ProxyDriver {
  readonly launch: ProxyLaunch;
  readonly configFileName: string;
  /** Why this machine cannot carry `clients` through one such proxy, or null when it can. */
  capacityProblem(clients: number, files: number, cores: number): string | null;
  renderPreset(preset: PresetInfo, context: RenderContext): string;
  /** The user's own config with `{{listen}}` and `{{servers}}` filled in and what stickler needs added. */
  renderTemplate(template: string, context: RenderContext): string;
  /** ready / drain / maint on one server. */
  setServerState(handle: ProxyHandle, server: string, state: AdminState): Promise<void>;
  /** The proxy's own view of its servers (HAProxy `show stat`), when it has one. */
  serverStats?(handle: ProxyHandle): Promise<HaproxyServerStat[]>;
  /** `stickler lint`: the WebSocket gotchas of a config of this proxy (lint-rules.ts in its folder). */
  lint(file: string, source: string, filesPerProcess: number): Finding[];
  /** What a template's `{{servers}}` becomes when it is linted: one server in this proxy's syntax. */
  readonly lintServers: string;
}
