import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { setCookieNames } from '../engine/client/cookie-jar.js';

/** What a plain HTTP GET of the WebSocket URL gets back: the balancer's own words. */
export interface PlainGet {
  status: number | null;
  server: string | null;
  set_cookie: string[];
  error: string | null;
}

const GET_TIMEOUT_MS = 5000;

/** GET of the URL as plain HTTP (ws: → http:, wss: → https:), no upgrade asked. */
export function plainGet(
  url: string,
  tlsOptions: { ca?: string; rejectUnauthorized?: boolean } = {},
  localAddress?: string | null,
): Promise<PlainGet> {
  const httpUrl = new URL(url);
  httpUrl.protocol = httpUrl.protocol === 'wss:' ? 'https:' : 'http:';
  const client = httpUrl.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.get(
      httpUrl,
      {
        headers: { connection: 'close' },
        timeout: GET_TIMEOUT_MS,
        ...(localAddress ? { localAddress, family: net.isIPv6(localAddress) ? 6 : 4 } : {}),
        ...(httpUrl.protocol === 'https:' ? tlsOptions : {}),
      },
      (response) => {
        response.resume();
        resolve({
          status: response.statusCode ?? null,
          server: typeof response.headers.server === 'string' ? response.headers.server : null,
          set_cookie: setCookieNames(response.headers['set-cookie']),
          error: null,
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${GET_TIMEOUT_MS} ms`)));
    request.on('error', (error) => resolve({ status: null, server: null, set_cookie: [], error: error.message }));
  });
}
