import fs from 'node:fs';
import path from 'node:path';
import { HarImportError, importHar } from '../../scenario/har-import.js';
import { loadScenario } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { EXIT } from '../exit-codes.js';

interface ImportArgs {
  file: string;
  out?: string;
  clients: number;
  duration: string;
  force?: boolean;
}

/** `stickler import FILE.har`: writes a scenario (and a data file for the header values) and validates it. */
export function importCommand(args: ImportArgs): number {
  const fail = (message: string) => {
    process.stderr.write(`stickler import: ${message}\n`);
    return EXIT.invalidInput;
  };
  let text: string;
  try {
    text = fs.readFileSync(args.file, 'utf8');
  } catch (error) {
    return fail(`${args.file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const out = args.out ?? `${path.basename(args.file).replace(/\.har$/i, '')}.yaml`;
  const name =
    path
      .basename(out)
      .replace(/\.ya?ml$/i, '')
      .replace(/[^A-Za-z0-9-]+/g, '-') || 'imported';
  const dataFile = `${name}-headers.csv`;
  if (!args.force && fs.existsSync(out)) return fail(`${out} exists: give --out NAME.yaml, or --force to overwrite it`);
  let imported;
  try {
    imported = importHar(text, { name, dataFile, clients: args.clients, duration: args.duration });
  } catch (error) {
    if (error instanceof HarImportError) return fail(`${args.file} ${error.message}`);
    throw error;
  }
  fs.writeFileSync(out, imported.yaml);
  if (imported.dataCsv) fs.writeFileSync(path.join(path.dirname(out), dataFile), imported.dataCsv, { mode: 0o600 });
  const loaded = loadScenario(out);
  if (!loaded.ok) {
    for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    return fail(`${out} was written but does not validate: edit it (the problems are above)`);
  }
  process.stdout.write(
    `wrote ${out}` +
      `${imported.dataCsv ? ` and ${dataFile} (the recorded header values: keep it out of version control)` : ''}\n` +
      `run it: stickler run ${out}\n`,
  );
  return EXIT.ok;
}
