import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/stack/free-port.js';
import { tempDir } from './cli.js';

/** A real Prometheus (Debian's), on loopback with a private data folder, scraping `targets` every second. */
export async function startPrometheus(targets: string[]): Promise<{
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}> {
  const dir = tempDir('stickler-prometheus-');
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: stickler\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
  );
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'prometheus.log'), 'a')] },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (
    !(await fetch(`${base}/-/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(
        `prometheus did not start: ${fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8').slice(-500)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const query = async (expr: string) => {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${JSON.stringify(body)}`);
    return body.data.result;
  };
  // Its discovery hands targets to the scrapers a few seconds after start: wait for the first scrape (up, 0 or 1).
  while ((await query('up')).length < targets.length) {
    if (Date.now() > deadline) throw new Error('prometheus did not scrape its targets within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    query,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
