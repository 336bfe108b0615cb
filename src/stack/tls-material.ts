import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What the clients of a run trust and the proxy presents: a certificate made for this run only. */
export interface ClientTls {
  /** PEM of the only certificate authority the clients trust (the run's own certificate). */
  ca?: string;
  /** Skip verification (url targets with `tls: { insecure: true }`). */
  insecure?: boolean;
}

export interface RunCertificate {
  certFile: string;
  keyFile: string;
  /** Certificate and key in one file, as HAProxy's `crt` wants. */
  pemFile: string;
  certPem: string;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid for two days, made with `openssl` in
 * the run's folder. The run's clients trust it and nothing else; nothing outside the run does.
 */
export function makeRunCertificate(dir: string): RunCertificate {
  fs.mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, 'tls-cert.pem');
  const keyFile = path.join(dir, 'tls-key.pem');
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=stickler run',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8', timeout: 15_000 },
  );
  if (result.error || result.status !== 0) {
    throw new Error(
      `could not make the run's TLS certificate with openssl (apt-get install ` +
        `openssl): ${result.error?.message ?? result.stderr.trim()}`,
    );
  }
  const certPem = fs.readFileSync(certFile, 'utf8');
  const pemFile = path.join(dir, 'tls-haproxy.pem');
  fs.writeFileSync(pemFile, `${certPem}${fs.readFileSync(keyFile, 'utf8')}`, { mode: 0o600 });
  return { certFile, keyFile, pemFile, certPem };
}

/** The ws client options for a run's TLS: trust exactly its CA, or (insecure) nothing at all. */
export function wsTlsOptions(tls: ClientTls | undefined): { ca?: string; rejectUnauthorized?: boolean } {
  if (!tls) return {};
  if (tls.insecure) return { rejectUnauthorized: false };
  return tls.ca ? { ca: tls.ca } : {};
}
