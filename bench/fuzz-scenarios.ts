/**
 * The scenario fuzzer, longer than `npm test` runs it: random mutations of every bundled scenario
 * through the loader, counting crashes (an exception out of the loader is a crash).
 *
 *   npm run build && node dist/bench/fuzz-scenarios.js [cases per scenario] [seed]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenarioText } from '../src/scenario/load.js';
import { mutateScenario } from '../test/hostile/mutate-scenario.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cases = Number(process.argv[2] ?? 5000);
const seed = Number(process.argv[3] ?? 1);
let tried = 0;
let valid = 0;
const crashes: string[] = [];
const started = Date.now();
for (const name of fs.readdirSync(path.join(root, 'scenarios')).filter((file) => file.endsWith('.yaml'))) {
  const text = fs.readFileSync(path.join(root, 'scenarios', name), 'utf8');
  for (let index = 0; index < cases; index++) {
    const mutated = mutateScenario(text, seed, index);
    tried += 1;
    try {
      if (parseScenarioText(name, mutated).ok) valid += 1;
    } catch (error) {
      crashes.push(`${name} #${index}: ${(error as Error).message}`);
    }
  }
}
process.stdout.write(
  `${JSON.stringify({ tried, valid, invalid: tried - valid - crashes.length, crashes: crashes.length, seed, seconds: (Date.now() - started) / 1000, first_crashes: crashes.slice(0, 5) }, null, 2)}\n`,
);
process.exitCode = crashes.length > 0 ? 1 : 0;
