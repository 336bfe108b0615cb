import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError, EXIT } from './exit-codes.js';

/**
 * After the run an endpoint stays up this long, so that a scrape every second (or the live page) sees the final
 * figures.
 */
export const LINGER_MS = 3000;

/** `9464`, `0.0.0.0:9464`, `[::1]:9464`: where to listen (loopback unless told otherwise). */
export function parseListen(spec: string, flag: string): { host: string; port: number } | string {
  const match = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(spec.trim());
  const port = Number(match?.[2]);
  if (!match || port < 0 || port > 65535)
    return `${flag} "${spec}": expected [HOST:]PORT, such as 9464 or 0.0.0.0:9464`;
  return { host: match[1] || '127.0.0.1', port };
}

export interface HttpEndpoint {
  /** http://HOST:PORT */
  readonly base: string;
  close(): Promise<void>;
}

/**
 * An HTTP listener for the length of a run (`--metrics`, `--dashboard`), started before the run so that
 * a port in use stops it (exit 3) before anything starts.
 */
export async function startHttpEndpoint(
  flag: string,
  spec: string,
  handler: http.RequestListener,
): Promise<HttpEndpoint> {
  const listen = parseListen(spec, flag);
  if (typeof listen === 'string') throw new CliError(listen, EXIT.invalidInput);
  const server = http.createServer(handler);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is in use'
          : error.code === 'EADDRNOTAVAIL'
            ? 'is not an address of this machine'
            : `cannot be listened on (${error.code})`;
      reject(
        new CliError(
          `${flag} ${spec}: ${listen.host}:${listen.port} ${why}; choose another port (or host)`,
          EXIT.infrastructure,
        ),
      );
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    base: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** After LINGER_MS (the last scrape, the last page update), the endpoints close. */
export async function lingerThenClose(endpoints: readonly HttpEndpoint[]): Promise<void> {
  if (endpoints.length === 0) return;
  await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
}

/** `GET /metrics`: the Prometheus text of `render()`, read at each scrape. */
export async function startMetricsEndpoint(
  spec: string,
  render: () => string,
): Promise<HttpEndpoint & { url: string }> {
  const endpoint = await startHttpEndpoint('--metrics', spec, (req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(render());
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('stickler serves /metrics\n');
  });
  return { ...endpoint, url: `${endpoint.base}/metrics` };
}
