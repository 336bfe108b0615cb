import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/stack/free-port.js';
import { ROOT } from './cli.js';
import { waitForPort } from './seed-stack.js';

/**
 * Real graphql-ws servers (npm's graphql-ws and graphql, not stickler's code), one process each, so a
 * test can kill one. Each names itself in its connection_ack payload and runs a subscription that
 * ticks every `tickMs` with its send time: `subscription { tick { at n server } }`.
 */
const SERVER_CJS = `
const http = require('http');
const { WebSocketServer } = require('ws');
const { useServer } = require('graphql-ws/use/ws');
const { buildSchema } = require('graphql');
const ID = process.env.SERVER_ID, TICK_MS = Number(process.env.TICK_MS);
const schema = buildSchema('type Query { hello: String } type Tick { at: Float! n: Int! server: String! } type Subscription { tick: Tick! }');
const roots = {
  subscription: {
    tick: async function* () {
      for (let n = 0; ; n++) {
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
        yield { tick: { at: Date.now(), n, server: ID } };
      }
    },
  },
};
const server = http.createServer((req, res) => { res.writeHead(req.url === '/health' ? 200 : 404); res.end(); });
useServer({ schema, roots, onConnect: () => ({ server: ID }) }, new WebSocketServer({ server, perMessageDeflate: false }));
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(ID + ' listening'));
`;

export interface GraphqlBackend {
  id: string;
  port: number;
  child: ChildProcess;
}

export async function startGraphqlBackends(dir: string, count: number, tickMs = 250): Promise<GraphqlBackend[]> {
  const script = path.join(dir, 'graphql-server.cjs');
  fs.writeFileSync(script, SERVER_CJS);
  const backends: GraphqlBackend[] = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        SERVER_ID: `g${i}`,
        PORT: String(port),
        TICK_MS: String(tickMs),
        NODE_PATH: path.join(ROOT, 'node_modules'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    backends.push({ id: `g${i}`, port, child });
  }
  for (const backend of backends)
    await waitForPort(backend.port, backend.child, `graphql-ws server ${backend.id}`, script);
  return backends;
}
