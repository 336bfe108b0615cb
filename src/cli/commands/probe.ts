import fs from 'node:fs';
import net from 'node:net';
import { ProbeUnreachable } from '../../probe/probe-socket.js';
import { PROBE_IPV6_POOL } from '../../probe/affinity.js';
import { makePoolBindable, PoolNotBindable } from '../../stack/ipv6-binding.js';
import { parseAddressPool, type AddressPool } from '../../util/address-pool.js';
import { elapsedSeconds, emptyReport, renderProbe, runProbe } from '../../probe/probe.js';
import { parseSessionKey } from '../../scenario/normalise.js';
import { DURATION_HINT, parseDurationMs } from '../../util/duration.js';
import { EXIT } from '../exit-codes.js';
import { abortOnSignals } from '../signals.js';
import { logLine } from '../human-log.js';

interface ProbeArgs {
  url: string;
  json?: boolean;
  quiet?: boolean;
  maxIdle: string;
  key?: string;
  identifyHeader: string;
  messageField: string;
  identifyCookie?: string;
  ca?: string;
  insecure?: boolean;
  via: string;
  header?: string[];
}

const KEY_PATTERN = /^(query|header|cookie):[A-Za-z0-9_.-]+$/;

/** True when other 127.x source addresses can reach the URL's host. */
function onIpv4Loopback(hostname: string): boolean {
  return hostname === 'localhost' || (net.isIPv4(hostname) && hostname.startsWith('127.'));
}

/** `stickler probe URL`: the idle cut-off and the stickiness mechanism of a live target, found from outside. */
function fail(message: string): number {
  process.stderr.write(`stickler probe: ${message}\n`);
  return EXIT.invalidInput;
}

/** The URL and the flags, checked; an exit code when one is wrong. */
/** `--header 'Authorization: Bearer T'` (repeatable): names in lower case, as every handshake sends them. */
function parseHeaders(given: readonly string[] | undefined): Record<string, string> | number {
  const headers: Record<string, string> = {};
  for (const header of given ?? []) {
    const match = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/.exec(header);
    if (!match)
      return fail(
        `--header "${header.split(':')[0]}...": expected NAME: VALUE, e.g. --header 'Authorization: Bearer T'`,
      );
    headers[match[1].toLowerCase()] = match[2];
  }
  return headers;
}

function checkedArgs(
  args: ProbeArgs,
): { maxIdleMs: number; via: 'socket' | 'x-forwarded-for'; url: URL; headers: Record<string, string> } | number {
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    return fail(`"${args.url}" is not a URL: give a ws:// or wss:// URL such as ws://127.0.0.1:8080/ws`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    return fail(`"${args.url}" is not a WebSocket URL: use ws:// or wss://`);
  const maxIdleMs = parseDurationMs(args.maxIdle);
  if (maxIdleMs === undefined)
    return fail(`--max-idle "${args.maxIdle}" is not ${DURATION_HINT}; 0 skips the idle probe`);
  if (args.key !== undefined && !KEY_PATTERN.test(args.key))
    return fail(`--key "${args.key}": expected query:NAME, header:NAME or cookie:NAME`);
  if (args.via !== 'socket' && args.via !== 'x-forwarded-for')
    return fail(`--via "${args.via}": expected socket or x-forwarded-for`);
  const headers = parseHeaders(args.header);
  if (typeof headers === 'number') return headers;
  return { maxIdleMs, via: args.via, url, headers };
}

/** --ca's certificate, or an exit code when it cannot be read. */
function readCa(file: string | undefined): string | undefined | number {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    return fail(
      `--ca ${file} cannot be read (${(error as NodeJS.ErrnoException).code}): give the ` +
        `PEM file of the CA that signed the target's certificate`,
    );
  }
}

/** `stickler probe URL`: the idle cut-off and the stickiness mechanism of a live target, found from outside. */
export async function probeCommand(args: ProbeArgs): Promise<number> {
  const checked = checkedArgs(args);
  if (typeof checked === 'number') return checked;
  const { maxIdleMs, via, url, headers } = checked;
  const ca = readCa(args.ca);
  if (typeof ca === 'number') return ca;
  const ipv6 = url.hostname === '[::1]' && via === 'socket';
  // IPv6 trials bind from a range made bindable for the probe (root), else from one address.
  const binding = ipv6
    ? await makePoolBindable(parseAddressPool(PROBE_IPV6_POOL, {}) as AddressPool).catch((error: Error) => {
        if (!(error instanceof PoolNotBindable)) throw error;
        process.stderr.write(`stickler probe: trials from one address only: ${error.message}\n`);
        return null;
      })
    : null;
  const loopback = onIpv4Loopback(url.hostname) || binding !== null;
  const log = args.quiet || args.json ? () => {} : logLine;
  const report = emptyReport(args.url);
  const print = () => {
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${renderProbe(report, process.stdout.isTTY === true)}\n`);
  };
  const controller = abortOnSignals((line) => process.stderr.write(`${line}\n`));
  const interrupted = new Promise<number>((resolve) =>
    controller.signal.addEventListener('abort', () => {
      report.interrupted = true;
      report.duration_s = elapsedSeconds(report);
      print();
      resolve(EXIT.interrupted);
    }),
  );
  const probe = runProbe(
    {
      target: {
        url: args.url,
        identify: {
          header: args.identifyHeader.toLowerCase(),
          messageField: args.messageField,
          cookie: args.identifyCookie ?? null,
        },
        tlsOptions: args.insecure ? { rejectUnauthorized: false } : ca ? { ca } : undefined,
        via,
        headers,
      },
      key: args.key ? parseSessionKey(args.key) : { kind: 'none' },
      maxIdleMs,
      varySources: via === 'x-forwarded-for' || loopback,
      family: ipv6 ? 6 : 4,
      log,
    },
    report,
  )
    .finally(() => binding?.release())
    .then(
      () => {
        print();
        return EXIT.ok;
      },
      (error: Error) => {
        if (!(error instanceof ProbeUnreachable)) throw error;
        process.stderr.write(`stickler probe: cannot probe ${args.url}: ${error.message}\n`);
        return EXIT.infrastructure;
      },
    );
  return Promise.race([probe, interrupted]);
}
