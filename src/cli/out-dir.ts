import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** `reports/<UTC time>-<name>-<4 random chars>/`: two runs started in the same second never share a folder. */
export function defaultOutDir(name: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const suffix = crypto
    .randomBytes(3)
    .toString('base64url')
    .slice(0, 4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
  return path.join('reports', `${stamp}-${name}-${suffix}`);
}

/**
 * Why results cannot go to `dir` (a file is in the way, it cannot be written, or it already holds
 * `marker` from an earlier run and --force was not given), or null when they can. Creates it.
 */
export function outDirProblem(dir: string, marker: string, force: boolean): string | null {
  const relative = path.relative(process.cwd(), dir);
  const shown = relative === '' || relative.startsWith('..') ? dir : relative;
  try {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
      return `--out: ${shown} is a file, not a folder; give a folder (it is created if missing)`;
    if (fs.existsSync(path.join(dir, marker)) && !force) {
      return (
        `--out: ${shown} already holds ${marker} of an earlier run; give another ` +
        `folder, or --force to overwrite it`
      );
    }
    makeFolders(dir);
    fs.accessSync(dir, fs.constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return `--out: cannot write to ${shown} (${code}); give a folder you can write to`;
  }
}

/**
 * mkdir -p one folder at a time: Node's recursive mkdir loops for ever where a folder cannot be made
 * in a parent that exists (under /proc it answers ENOENT, and the parent is there), so it is not used.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) missing.unshift(at);
  for (const folder of missing) fs.mkdirSync(folder);
}
