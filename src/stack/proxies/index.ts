import type { ProxyKind } from '../../scenario/presets.js';
import { caddyDriver } from './caddy/driver.js';
import { haproxyDriver } from './haproxy/driver.js';
import { nginxDriver } from './nginx/driver.js';
import type { ProxyDriver } from './proxy-driver.js';

/** One driver per proxy a scenario can name (presets' `proxy` and `front`, `{ proxy, config }`). */
export const PROXY_DRIVERS: Record<ProxyKind, ProxyDriver> = {
  nginx: nginxDriver,
  haproxy: haproxyDriver,
  caddy: caddyDriver,
};
