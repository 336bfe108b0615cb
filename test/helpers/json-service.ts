import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * A JSON request/acknowledge service of the shape most real WebSocket APIs have, written here and
 * not by stickler: it never echoes. `{"type":"auth","token":T}` -> `{"type":"auth_ok","user":{"id":...},"server":NAME}`
 * (tokens starting with "slow" get no answer, "bad" gets auth_error); `{"type":"ping","id":X}` ->
 * `{"type":"ack","id":X,"server":NAME}`; `{"type":"subscribe"}` -> a tick every `tickMs` with its send time.
 */
export async function startJsonService(name = 'app1', tickMs = 200): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const timers = new Set<NodeJS.Timeout>();
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      let message: { type?: string; id?: unknown; token?: string };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (message.type === 'auth') {
        if (message.token?.startsWith('slow')) return;
        ws.send(
          JSON.stringify(
            message.token?.startsWith('bad')
              ? { type: 'auth_error' }
              : { type: 'auth_ok', user: { id: `u-${message.token}` }, server: name },
          ),
        );
      } else if (message.type === 'ping') {
        ws.send(JSON.stringify({ type: 'ack', id: message.id, server: name }));
      } else if (message.type === 'subscribe') {
        const timer = setInterval(() => ws.send(JSON.stringify({ type: 'tick', at: Date.now() })), tickMs);
        timers.add(timer);
        ws.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
