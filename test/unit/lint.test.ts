import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintText } from '../../src/stack/proxies/lint.js';
import type { Finding } from '../../src/findings/finding.js';

const lint = (text: string): Finding[] => {
  const result = lintText('proxy.conf', text, 20_000);
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.findings;
};
const at = (findings: Finding[], rule: string) =>
  findings.filter((finding) => finding.rule === rule).map((finding) => [finding.line, finding.severity]);

// The seed articles' configs as they are written there.
const SEED_NGINX_IP_HASH = `# nginx.conf
http {
upstream websocket_backend {
ip_hash; # This is key for sticky sessions based on client IP
server 192.168.1.100:8765;
server 192.168.1.101:8765;
server 192.168.1.102:8765;
}
server {
listen 80;
server_name your.domain.com;
location / {
proxy_pass http://websocket_backend;
proxy_http_version 1.1; # Important for HTTP/1.1 upgrade
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection "upgrade";
proxy_set_header Host $host;
proxy_read_timeout 86400; # Keep connection open for a long time
proxy_connect_timeout 60s;
}
}
}
`;

const SEED_NGINX_MAP = `map $http_upgrade $connection_upgrade {
default upgrade;
'' close;
}
upstream ws_backends {
server backend1:8080;
server backend2:8080;
server backend3:8080;
keepalive 64;
}
server {
listen 80;
server_name ws.example.com;
location / {
proxy_pass http://ws_backends;
proxy_http_version 1.1;
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection $connection_upgrade;
proxy_set_header Host $host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_read_timeout 3600s;
proxy_send_timeout 3600s;
proxy_connect_timeout 10s;
proxy_buffering off;
}
}
`;

const SEED_HAPROXY = `# /etc/haproxy/haproxy.cfg
global
log /dev/log local0
maxconn 100000
tune.bufsize 32768
defaults
log global
mode http
option httplog
option dontlognull
timeout connect 5s
timeout client 1h
timeout server 1h
timeout tunnel 1h
option forwardfor
option http-server-close
frontend ws_frontend
bind *:80
bind *:443 ssl crt /etc/ssl/certs/example.pem alpn h2,http/1.1
acl is_websocket hdr(Upgrade) -i websocket
use_backend ws_cluster if is_websocket
default_backend http_cluster
backend ws_cluster
balance leastconn
cookie SERVERID insert indirect nocache
option httpchk GET /health
http-check expect status 200
server backend1 10.0.0.1:8080 check cookie backend1 inter 5s fall 3 rise 2
server backend2 10.0.0.2:8080 check cookie backend2 inter 5s fall 3 rise 2
server backend3 10.0.0.3:8080 check cookie backend3 inter 5s fall 3 rise 2
backend http_cluster
balance roundrobin
option httpchk GET /health
http-check expect status 200
server backend1 10.0.0.1:8080 check inter 5s
server backend2 10.0.0.2:8080 check inter 5s
server backend3 10.0.0.3:8080 check inter 5s
`;

test("the seed articles' configs as written: no error; their real gotchas as warnings on their lines", () => {
  const ipHash = lint(SEED_NGINX_IP_HASH);
  assert.deepEqual(
    ipHash.filter((f) => f.severity === 'error'),
    [],
  );
  assert.deepEqual(at(ipHash, 'nginx-ip-hash'), [[4, 'warning']]);
  assert.deepEqual(at(ipHash, 'nginx-connection-literal'), [[16, 'warning']]);
  assert.deepEqual(at(ipHash, 'nginx-short-timeout'), [[13, 'warning']], 'proxy_send_timeout is absent (60 s)');
  const map = lint(SEED_NGINX_MAP);
  assert.deepEqual(
    map.filter((f) => f.severity !== 'info'),
    [],
  );
  assert.deepEqual(at(map, 'nginx-round-robin'), [[5, 'info']]);
  const haproxy = lint(SEED_HAPROXY);
  assert.deepEqual(
    haproxy.filter((f) => f.severity === 'error'),
    [],
  );
  assert.deepEqual(
    at(haproxy, 'haproxy-redispatch'),
    [[25, 'warning']],
    'the article adds redispatch only in its gotcha section',
  );
  assert.deepEqual(at(haproxy, 'haproxy-maxconn-files'), [[4, 'info']]);
  assert.deepEqual(at(haproxy, 'haproxy-roundrobin'), [[32, 'warning']]);
  assert.deepEqual(at(haproxy, 'haproxy-ws-check'), [
    [26, 'info'],
    [33, 'info'],
  ]);
});

test('each gotcha is found on its line', () => {
  const nginx = lint(`events {
    worker_connections 30000;
}
http {
    upstream app {
        hash $remote_addr;
        server 127.0.0.1:9001;
    }
    server {
        listen 80;
        proxy_read_timeout 30s;
        location /ws {
            proxy_pass http://app;
        }
        location /chat {
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_send_timeout 1h;
            proxy_buffering on;
            proxy_pass http://app;
        }
    }
}
`);
  assert.deepEqual(at(nginx, 'nginx-websocket-upgrade'), [[13, 'error']]);
  assert.deepEqual(at(nginx, 'nginx-hash-address'), [[6, 'warning']]);
  assert.deepEqual(
    at(nginx, 'nginx-short-timeout'),
    [
      [11, 'warning'],
      [13, 'warning'],
      [11, 'warning'],
    ],
    'inherited from the server block',
  );
  assert.deepEqual(at(nginx, 'nginx-buffering'), [[20, 'warning']]);
  assert.deepEqual(at(nginx, 'nginx-rlimit'), [[2, 'warning']]);

  const haproxy = lint(`global
    maxconn 5000
defaults
    mode tcp
    timeout client 30s
    timeout server 30s
backend ws
    balance roundrobin
    cookie SERVERID insert indirect nocache
    server a 127.0.0.1:9001 cookie a check
    server b 127.0.0.1:9002
`);
  assert.deepEqual(at(haproxy, 'haproxy-timeout-tunnel'), [[6, 'error']]);
  assert.deepEqual(at(haproxy, 'haproxy-roundrobin'), [[8, 'warning']]);
  assert.deepEqual(at(haproxy, 'haproxy-cookie-tcp'), [[9, 'error']]);
  assert.deepEqual(at(haproxy, 'haproxy-redispatch'), [[9, 'warning']]);
  assert.deepEqual(at(haproxy, 'haproxy-server-cookie'), [[11, 'warning']]);
  assert.deepEqual(at(haproxy, 'haproxy-no-check'), [[11, 'warning']]);
});

test('a config that does not parse is a problem, not findings', () => {
  const result = lintText('broken.conf', 'http {\n  server {\n    listen 80\n  }\n', 20_000);
  assert.equal(result.ok, false);
});

test('lint learns Caddyfiles: ip_hash behind NAT, sticky with no health check, no retry, reloads that close WebSockets', async () => {
  const { lintText } = await import('../../src/stack/proxies/lint.js');
  const result = lintText(
    'Caddyfile',
    '{\n\tauto_https off\n}\n{{listen}} {\n\treverse_proxy {{servers}} {\n\t\tlb_policy ip_hash\n\t}\n}\n',
    20000,
  );
  assert.ok(result.ok);
  assert.equal(result.proxy, 'caddy');
  const rules = result.findings.map((f) => `${f.line} ${f.rule}`);
  assert.deepEqual(rules, [
    '6 caddy-ip-hash',
    '6 caddy-sticky-no-health',
    '5 caddy-no-retry',
    '5 caddy-reload-closes-websockets',
  ]);
  const healthy = lintText(
    'Caddyfile',
    ':80 {\n\treverse_proxy a:1 b:2 {\n\t\tlb_policy cookie\n\t\thealth_uri /health\n\t\tlb_try_duration 2s\n\t}\n}\n',
    20000,
  );
  assert.ok(healthy.ok);
  assert.deepEqual(
    healthy.findings.map((f) => f.rule),
    ['caddy-reload-closes-websockets'],
  );
});
