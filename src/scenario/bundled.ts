import fs from 'node:fs';
import path from 'node:path';
import { packagePath } from '../util/package-root.js';

/** The scenarios shipped with stickler (the package's scenarios/ folder), usable by name anywhere. */
export const BUNDLED_DIR = packagePath('scenarios/');
export const SCHEMA_FILE = path.join(BUNDLED_DIR, 'schema.json');

export function bundledScenarioNames(): string[] {
  return fs
    .readdirSync(BUNDLED_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

/** The bundled scenario of that name (`quickstart` or `quickstart.yaml`), if there is one. */
export function bundledScenarioFile(name: string): string | undefined {
  if (name.includes('/') || name.includes(path.sep)) return undefined;
  const file = path.join(BUNDLED_DIR, name.endsWith('.yaml') ? name : `${name}.yaml`);
  return fs.existsSync(file) ? file : undefined;
}

/** A file argument: the file when it exists, else the bundled scenario of that name, else the argument as given. */
export function resolveScenarioArgument(argument: string): string {
  if (fs.existsSync(argument)) return argument;
  return bundledScenarioFile(argument) ?? argument;
}
