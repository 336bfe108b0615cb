import { spawnSync } from 'node:child_process';
import { findProxyBinary } from '../../stack/proxy-process.js';
import {
  machineLimits,
  proxiedPerProcess,
  readMachineLimits,
  sizeNginx,
  socketsPerWorker,
} from '../../stack/limits.js';
import { PROXY_DRIVERS } from '../../stack/proxies/index.js';
import { REDIS_LAUNCH } from '../../stack/backends/redis-server.js';
import { bindCommands, canBind } from '../../stack/ipv6-binding.js';

/** What the machine offers a run: proxies, file limits, ephemeral ports, loopback source binding. */
export async function doctorCommand(): Promise<number> {
  let problems = 0;
  const line = (ok: boolean, text: string) => {
    if (!ok) problems += 1;
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'}  ${text}\n`);
  };
  for (const driver of Object.values(PROXY_DRIVERS)) {
    const proxy = driver.launch.kind;
    const binary = findProxyBinary(driver.launch);
    if (!binary) {
      line(false, `${proxy}: not found (apt-get install ${proxy}); presets on ${proxy} will not run`);
      continue;
    }
    const result = spawnSync(binary, [...(driver.launch.versionArgs ?? ['-v'])], { encoding: 'utf8' });
    line(true, `${proxy}: ${binary} ${`${result.stdout}${result.stderr}`.split('\n')[0].trim()}`);
  }
  const redis = findProxyBinary(REDIS_LAUNCH);
  const redisVersion = redis ? spawnSync(redis, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
  line(
    redis !== undefined,
    redis
      ? `redis: ${redis} ${redisVersion}`
      : 'redis: not found (apt-get install redis-server); target.state: redis will not run',
  );
  const before = readMachineLimits();
  const limits = machineLimits();
  const cores = (await import('node:os')).availableParallelism();
  const raised = limits.filesSoft > before.filesSoft ? ` (soft raised from ${before.filesSoft})` : '';
  line(true, `open files per process: soft ${limits.filesSoft}${raised}, hard ${limits.filesHard}`);
  line(
    true,
    `  so: one HAProxy holds ~${proxiedPerProcess(limits.filesHard) - 100} proxied connections; ` +
      `nginx runs ` +
      `${sizeNginx(10_000, cores, limits.filesHard)?.workerProcesses ?? '-'} workers for ` +
      `10,000; a load worker holds ${socketsPerWorker(limits.filesSoft)} sockets`,
  );
  const ports = limits.ports.count;
  line(
    ports >= 20_000,
    `ephemeral ports: ${limits.ports.low}-${limits.ports.high} (${ports}); one per connection ` +
      `from one source address to one destination, so spread clients over a pool past ` +
      `${ports}`,
  );
  const bindable = await canBind('127.45.67.89');
  line(
    bindable,
    `binding loopback source addresses (127.45.67.89): ` +
      `${bindable ? 'works' : 'fails; use clients.addresses.pool 127.0.0.1'}`,
  );
  line(
    true,
    `IPv6 client pools (fd00:5::/48): ${
      process.getuid?.() === 0
        ? 'made bindable for each run (root: a local route on lo and net.ipv6.ip_nonlocal_bind, undone after)'
        : `need root, or first: ${bindCommands('fd00:5::/48')
            .manual.map((c) => `sudo ${c}`)
            .join(' && ')}`
    }`,
  );
  line(true, `node ${process.version}, ${(await import('node:os')).availableParallelism()} cores`);
  return problems > 0 ? 3 : 0;
}
