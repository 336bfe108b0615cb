import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { findProxyBinary } from '../../stack/proxy-process.js';
import { FILES_PER_PROCESS, MAX_PROXIED_PER_PROCESS } from '../../stack/limits.js';
import type { ProxyKind } from '../../stack/preset-catalog.js';

/** What the machine offers a run: proxies, file limits, ephemeral ports, loopback source binding. */
export async function doctorCommand(): Promise<number> {
  let problems = 0;
  const line = (ok: boolean, text: string) => {
    if (!ok) problems += 1;
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'}  ${text}\n`);
  };
  for (const proxy of ['nginx', 'haproxy'] as ProxyKind[]) {
    const binary = findProxyBinary(proxy);
    if (!binary) {
      line(false, `${proxy}: not found (apt-get install ${proxy}); presets on ${proxy} will not run`);
      continue;
    }
    const result = spawnSync(binary, proxy === 'nginx' ? ['-v'] : ['-v'], { encoding: 'utf8' });
    line(true, `${proxy}: ${binary} ${`${result.stdout}${result.stderr}`.split('\n')[0].trim()}`);
  }
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const openFiles = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
  const soft = openFiles ? openFiles[1] : 'unknown';
  const hard = openFiles ? openFiles[2] : 'unknown';
  line(true, `open files per process: soft ${soft}, hard ${hard} (sized for ${FILES_PER_PROCESS}: one HAProxy holds ~${MAX_PROXIED_PER_PROCESS - 100} proxied connections; nginx and the load generator use several processes past that)`);
  const range = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const ports = range[1] - range[0] + 1;
  line(ports >= 20_000, `ephemeral ports: ${range[0]}-${range[1]} (${ports}); a client bound to one source address uses one of them per connection`);
  const bindable = await canBind('127.45.67.89');
  line(bindable, `binding loopback source addresses (127.45.67.89): ${bindable ? 'works' : 'fails; use clients.addresses.pool 127.0.0.1'}`);
  line(true, `node ${process.version}, ${(await import('node:os')).availableParallelism()} cores`);
  return problems > 0 ? 3 : 0;
}

function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}
