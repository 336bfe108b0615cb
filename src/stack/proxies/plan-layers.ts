import os from 'node:os';
import type { Plan } from '../../scenario/plan.js';
import { findPreset, type PresetInfo, type ProxyKind } from '../../scenario/presets.js';
import { readTemplate } from '../custom-config.js';
import { freePort } from '../free-port.js';
import { machineLimits } from '../limits.js';
import type { ServerSpec } from './nginx/config.js';
import type { RuntimeDir } from '../runtime-dir.js';
import type { RunCertificate } from '../tls-material.js';
import { PROXY_DRIVERS } from './index.js';
import { alsoListenOnIpv6 } from './ipv6-listen.js';
import type { RenderContext } from './proxy-driver.js';
import { ProxyLayer } from './proxy-layer.js';

/** The machine cannot hold the scenario (exit 3 before the run starts, rather than failing halfway). */
export class CapacityError extends Error {}

export type ManagedTarget = Exclude<Plan['target'], { kind: 'url' }>;

export interface LayerSetting {
  clients: number;
  workDir: string;
  logDir: string;
  runtime: RuntimeDir | null;
  adminSocket: string;
  certificate: RunCertificate | null;
  statsPort?: number;
  /** IPv6 client pools: the outermost proxy listens on [::1] as well. */
  ipv6?: boolean;
  /** The backends as the balancing proxy is to see them now (ports, down marks). */
  servers(): ServerSpec[];
}

/** The proxies from the client inwards: the preset's front (if any), then the balancing one. */
export function proxyKinds(target: ManagedTarget): ProxyKind[] {
  if (target.kind === 'custom') return [target.proxy];
  const preset = findPreset(target.preset)!;
  return preset.proxy === 'none' ? [] : [...(preset.front ? [preset.front] : []), preset.proxy];
}

/**
 * One layer per proxy, outermost first, each rendering its config against the next one in (the last:
 * the backends). Reads the template and checks the machine's capacity now, before any process starts.
 */
export async function planLayers(target: ManagedTarget, setting: LayerSetting): Promise<ProxyLayer[]> {
  const kinds = proxyKinds(target);
  const files = machineLimits().filesHard;
  const cores = os.availableParallelism();
  const ports = await Promise.all(kinds.map(() => freePort()));
  const template = target.kind === 'custom' ? readTemplate(target.configPath) : null;
  const preset: PresetInfo | undefined = target.kind === 'preset' ? findPreset(target.preset) : undefined;
  return kinds.map((kind, index) => {
    const driver = PROXY_DRIVERS[kind];
    const problem = driver.capacityProblem(setting.clients, files, cores);
    if (problem) throw new CapacityError(problem);
    const innermost = index === kinds.length - 1;
    const context = (): RenderContext => ({
      listenPort: ports[index],
      servers: innermost ? setting.servers() : [{ id: kinds[index + 1], port: ports[index + 1] }],
      workDir: setting.workDir,
      adminSocket: setting.adminSocket,
      clients: setting.clients,
      files,
      cores,
      // The outermost proxy terminates TLS; the ones behind it speak plain HTTP.
      tls: index === 0 ? (setting.certificate ?? undefined) : undefined,
      statsPort: innermost ? setting.statsPort : undefined,
      health: target.kind === 'preset' ? target.health : 'http',
      redispatch: target.kind === 'preset' ? target.redispatch : true,
    });
    const rendered =
      template !== null
        ? () => driver.renderTemplate(template, context())
        : // A proxy in front of another balances over one server: round robin.
          () => driver.renderPreset(innermost ? preset! : findPreset(`${kind}-round-robin`)!, context());
    const render = setting.ipv6 && index === 0 ? () => alsoListenOnIpv6(kind, rendered(), ports[index]) : rendered;
    const name = innermost ? kind : `${kind}-front`;
    return new ProxyLayer(
      driver,
      name,
      ports[index],
      { workDir: setting.workDir, logDir: setting.logDir, runtime: setting.runtime, adminSocket: setting.adminSocket },
      render,
    );
  });
}
