import path from 'node:path';
import type { TargetOverride } from '../scenario/load.js';
import { PROXY_KINDS } from '../scenario/presets.js';

/** One column of `stickler compare`: what it runs against, and the label every output names it by. */
export interface CompareTarget {
  label: string;
  override: TargetOverride;
}

/**
 * `--stack PRESET[?field=value]`, `--stack PROXY:FILE` (your own config template, relative to the
 * current folder) and `--url [LABEL=]URL`, in the order given. Labels must differ: they name the
 * columns and the folders.
 */
export function compareTargets(
  stacks: readonly string[],
  urls: readonly string[],
  cwd = process.cwd(),
): CompareTarget[] | string {
  const targets: CompareTarget[] = [];
  for (const value of stacks) {
    const template = /^([a-z]+):(.+)$/.exec(value);
    if (template && (PROXY_KINDS as readonly string[]).includes(template[1])) {
      const file = path.resolve(cwd, template[2]);
      targets.push({
        label: value,
        override: { config: { proxy: template[1] as (typeof PROXY_KINDS)[number], file } },
      });
    } else targets.push({ label: value, override: { stack: value } });
  }
  for (const value of urls) {
    const labelled = /^([A-Za-z0-9_.-]+)=(wss?:\/\/.+)$/.exec(value);
    targets.push(
      labelled ? { label: labelled[1], override: { url: labelled[2] } } : { label: value, override: { url: value } },
    );
  }
  const labels = targets.map((target) => target.label);
  const doubled = labels.filter((label, index) => labels.indexOf(label) !== index);
  if (doubled.length > 0)
    return (
      `--stack/--url: ${doubled[0]} is given twice; each column needs its own target ` +
      `(label a url: --url staging=wss://...)`
    );
  if (targets.length < 2) {
    return (
      '--stack/--url: give at least two targets to compare, e.g. --stack ' +
      'nginx-ip-hash --stack haproxy-cookie, --stack nginx:./my.conf --stack ' +
      'haproxy:./my.cfg, or --url a=ws://... --url b=ws://...'
    );
  }
  return targets;
}

/** `haproxy-cookie?health=ws` -> `haproxy-cookie-health-ws`, `nginx:./my.conf` -> `nginx-my.conf`: a folder name. */
export function folderFor(label: string): string {
  return (
    label
      .replace(/^[a-z]+:\/\//, '')
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '') || 'target'
  );
}
