import type { ProxyKind } from '../../scenario/presets.js';

/**
 * IPv6 client pools: the outermost proxy listens on [::1] beside 127.0.0.1, at the same port, since an
 * IPv6 source address reaches only an IPv6 destination. Applied to the rendered config (a preset's or
 * the user's template), next to the line that listens on 127.0.0.1:PORT.
 */
export function alsoListenOnIpv6(kind: ProxyKind, config: string, port: number): string {
  switch (kind) {
    case 'nginx':
      return config.replace(
        new RegExp(`^([ \\t]*)listen 127\\.0\\.0\\.1:${port}([^;]*);`, 'm'),
        `$1listen 127.0.0.1:${port}$2;\n$1listen [::1]:${port}$2;`,
      );
    case 'haproxy':
      return config.replace(
        new RegExp(`^([ \\t]*)bind 127\\.0\\.0\\.1:${port}(.*)$`, 'm'),
        `$1bind 127.0.0.1:${port}$2\n$1bind [::1]:${port}$2`,
      );
    case 'caddy':
      return config
        .replace(new RegExp(`(https?)://127\\.0\\.0\\.1:${port} \\{`), `$1://127.0.0.1:${port}, $1://[::1]:${port} {`)
        .replace(/^([ \t]*)bind 127\.0\.0\.1[ \t]*$/m, '$1bind 127.0.0.1 ::1');
    default:
      return config;
  }
}
