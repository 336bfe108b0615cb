import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/stack/free-port.js';
import { ROOT, tempDir } from './cli.js';

/**
 * The seed articles' own set-ups, started by the test as a user would start them by hand: their
 * Node `server.js` (verbatim from ../shared/seeds/001_*.txt) and nginx or HAProxy configs written
 * here, not rendered by stickler. stickler then only gets a `--url`.
 */
export const SEED_SERVER_JS = `// server/server.js
const http = require("http");
const { WebSocketServer } = require("ws");
const PORT = process.env.PORT || 8080;
const SERVER_ID = process.env.SERVER_ID || "unknown";
const server = http.createServer((req, res) => {
if (req.url === "/health") {
res.writeHead(200);
res.end("ok");
return;
}
res.writeHead(404);
res.end();
});
const wss = new WebSocketServer({ server });
wss.on("connection", (ws, req) => {
console.log(\`[\${SERVER_ID}] client connected from \${req.socket.remoteAddress}\`);
ws.send(JSON.stringify({ server: SERVER_ID, ts: Date.now() }));
ws.on("message", (data) => {
ws.send(JSON.stringify({ echo: data.toString(), server: SERVER_ID }));
});
ws.on("close", () => {
console.log(\`[\${SERVER_ID}] client disconnected\`);
});
});
server.listen(PORT, () => {
console.log(\`\${SERVER_ID} listening on :\${PORT}\`);
});
`;

export interface SeedBackend {
  id: string;
  port: number;
  child: ChildProcess;
}

export interface SeedSetup {
  dir: string;
  backends: SeedBackend[];
  proxyPort: number;
  url: string;
  stop(): Promise<void>;
}

export async function waitForPort(port: number, child: ChildProcess, what: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `${what} exited with ${child.exitCode}:\n${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''}`,
      );
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on ${port}`);
}

/** The seed's server.js, `count` times: SERVER_ID=backend1..N, each on its own port. */
async function startSeedBackends(dir: string, count: number): Promise<SeedBackend[]> {
  fs.writeFileSync(path.join(dir, 'server.js'), SEED_SERVER_JS);
  const backends: SeedBackend[] = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const logFile = path.join(dir, `backend${i}.log`);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, ['server.js'], {
      cwd: dir,
      env: { ...process.env, SERVER_ID: `backend${i}`, PORT: String(port), NODE_PATH: path.join(ROOT, 'node_modules') },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    backends.push({ id: `backend${i}`, port, child });
    await waitForPort(port, child, `backend${i}`, logFile);
  }
  return backends;
}

export type ProxyConfig = (options: { listen: number; backends: SeedBackend[]; dir: string }) => string;

/** Starts the seed backends and one proxy with a config the test wrote; stop() ends them all. */
export async function startSeedSetup(
  proxy: 'nginx' | 'haproxy' | 'caddy',
  config: ProxyConfig,
  backendCount = 3,
  startBackends: (dir: string, count: number) => Promise<SeedBackend[]> = startSeedBackends,
): Promise<SeedSetup> {
  const dir = tempDir('stickler-seed-');
  const backends = await startBackends(dir, backendCount);
  const proxyPort = await freePort();
  const configFile = path.join(dir, { nginx: 'nginx.conf', haproxy: 'haproxy.cfg', caddy: 'Caddyfile' }[proxy]);
  fs.writeFileSync(configFile, config({ listen: proxyPort, backends, dir }));
  const logFile = path.join(dir, `${proxy}.log`);
  const log = fs.openSync(logFile, 'a');
  const args = {
    nginx: [
      '-p',
      dir,
      '-e',
      path.join(dir, 'error.log'),
      '-c',
      configFile,
      '-g',
      `daemon off; pid ${path.join(dir, 'nginx.pid')};`,
    ],
    haproxy: ['-db', '-f', configFile],
    caddy: ['run', '--config', configFile, '--adapter', 'caddyfile'],
  }[proxy];
  const binary = { nginx: '/usr/sbin/nginx', haproxy: '/usr/sbin/haproxy', caddy: '/usr/bin/caddy' }[proxy];
  // Caddy keeps its autosave and data under HOME/XDG: the test's folder.
  const env =
    proxy === 'caddy'
      ? { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') }
      : process.env;
  const child = spawn(binary, args, { stdio: ['ignore', log, log], detached: true, env });
  fs.closeSync(log);
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    for (const backend of backends) backend.child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
  };
  try {
    await waitForPort(proxyPort, child, proxy, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, backends, proxyPort, url: `ws://127.0.0.1:${proxyPort}/`, stop };
}

/** The second seed article's nginx config (map, HTTP/1.1, timeouts, buffering off) with `ip_hash`, on loopback. */
export const seedNginxIpHash =
  (extra: { readTimeout?: string } = {}): ProxyConfig =>
  ({ listen, backends, dir }) => `
# the article's "nginx worker connections" gotcha, sized to this machine's 20,000 open files
worker_processes 2;
worker_rlimit_nofile 20000;
events { worker_connections 19000; multi_accept on; }
http {
client_body_temp_path ${dir}/client_body;
proxy_temp_path ${dir}/proxy_temp;
access_log off;
map $http_upgrade $connection_upgrade {
default upgrade;
'' close;
}
upstream ws_backends {
ip_hash; # Routes each client IP consistently to the same backend
${backends.map((backend) => `server 127.0.0.1:${backend.port};`).join('\n')}
keepalive 64;
}
server {
listen 127.0.0.1:${listen};
server_name ws.example.com;
location / {
proxy_pass http://ws_backends;
proxy_http_version 1.1;
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection $connection_upgrade;
proxy_set_header Host $host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_read_timeout ${extra.readTimeout ?? '3600s'};
proxy_send_timeout 3600s;
proxy_connect_timeout 10s;
proxy_buffering off;
}
}
}
`;

/**
 * The second seed article's "production-ready" HAProxy config (leastconn, cookie SERVERID insert
 * indirect nocache, httpchk /health), with its gotcha section's `option redispatch` and `retries 3`,
 * on loopback (no TLS bind, no syslog) and with maxconn within this machine's 20,000 open files (the seed says 100000).
 */
export const seedHaproxyCookie: ProxyConfig = ({ listen, backends }) => `
global
maxconn 9000
tune.bufsize 32768
defaults
mode http
option httplog
option dontlognull
timeout connect 5s
timeout client 1h
timeout server 1h
timeout tunnel 1h
option forwardfor
option http-server-close
option redispatch
retries 3
frontend ws_frontend
bind 127.0.0.1:${listen}
acl is_websocket hdr(Upgrade) -i websocket
use_backend ws_cluster if is_websocket
default_backend http_cluster
backend ws_cluster
balance leastconn
cookie SERVERID insert indirect nocache
option httpchk GET /health
http-check expect status 200
${backends.map((b) => `server ${b.id} 127.0.0.1:${b.port} check cookie ${b.id} inter 5s fall 3 rise 2`).join('\n')}
backend http_cluster
balance roundrobin
option httpchk GET /health
http-check expect status 200
${backends.map((b) => `server ${b.id} 127.0.0.1:${b.port} check inter 5s`).join('\n')}
`;
