import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BUNDLED_DIR, SCHEMA_FILE, bundledScenarioFile, bundledScenarioNames } from '../../scenario/bundled.js';
import { EXIT } from '../exit-codes.js';

export interface InitArgs {
  name?: string;
  from: string;
  force?: boolean;
}

const SCHEMA_COMMENT = /^# yaml-language-server: \$schema=.*\n/;

/**
 * `stickler init [NAME] [--from BUNDLED]`: writes a starter scenario into the current folder, from a
 * bundled one, pointing editors at the installed JSON Schema, and says what to run next.
 */
export function initCommand(args: InitArgs, cwd = process.cwd()): number {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const source = bundledScenarioFile(args.from);
  if (!source) {
    log(`error: --from: no bundled scenario "${args.from}"; choose one of ${bundledScenarioNames().join(', ')}`);
    return EXIT.invalidInput;
  }
  const base = (args.name ?? 'stickler').replace(/\.ya?ml$/, '');
  if (args.name && !/^[A-Za-z0-9-]+$/.test(base)) {
    log(
      `error: NAME "${args.name}": use letters, digits and dashes (it becomes the file name and the scenario's name)`,
    );
    return EXIT.invalidInput;
  }
  const file = path.join(cwd, `${base}.yaml`);
  if (fs.existsSync(file) && !args.force) {
    log(`error: ${path.relative(cwd, file)} exists already; choose another NAME, or pass --force to overwrite it`);
    return EXIT.invalidInput;
  }
  let text = fs.readFileSync(source, 'utf8').replace(SCHEMA_COMMENT, '');
  text = `# yaml-language-server: $schema=${SCHEMA_FILE}\n${text}`;
  if (args.name) text = text.replace(/^name: .*$/m, `name: ${base}`);
  fs.writeFileSync(file, text);
  const copied = copyReferencedConfig(source, cwd);
  const shown = path.relative(cwd, file);
  process.stdout.write(
    `wrote ${shown} (from the bundled ${path.basename(source, '.yaml')} scenario)${copied ? ` and ${copied}` : ''}\n`,
  );
  process.stdout.write(`next: stickler run ${shown}\n`);
  process.stdout.write(`      (or against your own endpoint: stickler run ${shown} --url ws://HOST:PORT/PATH)\n`);
  return EXIT.ok;
}

/** A bundled scenario that runs your-own-config (`stack: { config: FILE }`) needs that file beside it too. */
function copyReferencedConfig(source: string, cwd: string): string | null {
  const scenario = YAML.parse(fs.readFileSync(source, 'utf8')) as { target?: { stack?: { config?: string } } };
  const config = scenario?.target?.stack?.config;
  if (typeof config !== 'string' || path.isAbsolute(config)) return null;
  const target = path.join(cwd, config);
  if (fs.existsSync(target)) return null;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(BUNDLED_DIR, config), target);
  return config;
}
