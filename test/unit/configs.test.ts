import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readTemplate, renderTemplate, TemplateError } from '../../src/stack/custom-config.js';
import { renderHaproxyPreset } from '../../src/stack/haproxy-config.js';
import { sizeHaproxy, sizeNginx } from '../../src/stack/limits.js';
import { renderNginxPreset } from '../../src/stack/nginx-config.js';
import { tempDir } from '../helpers/cli.js';

const servers = [{ id: 'b1', port: 9001 }, { id: 'b2', port: 9002, down: true }];

test('nginx presets follow the production advice and balance as named', () => {
  const text = renderNginxPreset({ preset: 'nginx-ip-hash', listenPort: 8080, servers, sizing: sizeNginx(1000, 2), workDir: '/w' });
  for (const line of ['ip_hash;', 'proxy_http_version 1.1;', 'proxy_set_header Connection $connection_upgrade;', 'proxy_buffering off;', 'proxy_read_timeout 3600s;', 'zone ws_backends', 'server 127.0.0.1:9002 down;']) {
    assert.ok(text.includes(line), `missing ${line}`);
  }
  assert.ok(renderNginxPreset({ preset: 'nginx-hash-query', listenPort: 1, servers, sizing: sizeNginx(1, 2), workDir: '/w' }).includes('hash $arg_sid consistent;'));
});

test('nginx is sized for the clients; HAProxy refuses what one process cannot hold', () => {
  assert.equal(sizeNginx(1000, 2).workerProcesses, 2);
  assert.ok(sizeNginx(30_000, 2).workerProcesses >= 4);
  assert.equal(sizeHaproxy(5000)?.maxconn, 5100);
  assert.equal(sizeHaproxy(12_000), undefined);
});

test('haproxy-cookie inserts SERVERID, checks health, redispatches', () => {
  const text = renderHaproxyPreset({ preset: 'haproxy-cookie', listenPort: 8080, servers, maxconn: 500, adminSocket: '/w/admin.sock' });
  for (const line of ['cookie SERVERID insert indirect nocache', 'option redispatch', 'server b1 127.0.0.1:9001 cookie b1 check', 'timeout tunnel 1h', 'stats socket /w/admin.sock']) {
    assert.ok(text.includes(line), `missing ${line}`);
  }
});

test('your own config: placeholders filled, a missing one is an error naming the file', () => {
  const dir = tempDir();
  const good = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(good, 'global\n    maxconn 100\nfrontend f\n    bind {{listen}}\n    default_backend b\nbackend b\n{{servers}}\n');
  const text = renderTemplate('haproxy', readTemplate(good), { listenPort: 8088, servers, adminSocket: path.join(dir, 'admin.sock') });
  assert.ok(text.includes('bind 127.0.0.1:8088'));
  assert.ok(text.includes('server b1 127.0.0.1:9001 cookie b1'));
  assert.ok(text.includes(`stats socket ${dir}/admin.sock`));
  const bad = path.join(dir, 'nginx.conf');
  fs.writeFileSync(bad, 'events {}\nhttp { server { listen 8080; } }\n');
  assert.throws(() => readTemplate(bad), (error: Error) => error instanceof TemplateError && error.message.startsWith(`${bad}: missing placeholder {{listen}} and {{servers}}`));
});
