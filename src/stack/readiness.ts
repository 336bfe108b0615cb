import WebSocket from 'ws';
import { wsTlsOptions, type ClientTls } from './tls-material.js';

/** Resolves once a WebSocket upgrade through `url` succeeds; rejects after `timeoutMs`. */
export async function waitForUpgrade(url: string, timeoutMs: number, isAlive: () => boolean = () => true, tls?: ClientTls): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('the process exited');
    try {
      await tryUpgrade(url, tls);
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no WebSocket upgrade through ${url} within ${timeoutMs} ms (last error: ${lastError})`);
}

function tryUpgrade(url: string, tls?: ClientTls): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 2000, ...wsTlsOptions(tls) });
    ws.on('open', () => {
      ws.terminate();
      resolve();
    });
    ws.on('error', reject);
  });
}
