// Runs the compiled test files (dist/test): the files that share nothing two at a time, then the
// files marked "runs alone" (they change something of the whole machine, such as routes on lo) one at
// a time, and prints the total. `node scripts/test.mjs unit` runs the unit tests only (seconds).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = 'dist/test';
const only = process.argv[2];
const folders = only ? [only] : ['unit', 'hostile', 'integration'];
const files = folders.flatMap((folder) =>
  fs
    .readdirSync(path.join(ROOT, folder))
    .filter((name) => name.endsWith('.test.js'))
    .map((name) => path.join(ROOT, folder, name)),
);
const alone = (file) => /^\/\/ test: runs alone/m.test(fs.readFileSync(file, 'utf8'));
const groups = [
  { files: files.filter((file) => !alone(file)), concurrency: 2 },
  { files: files.filter(alone), concurrency: 1 },
].filter((group) => group.files.length > 0);

let passed = 0;
let failed = 0;
let status = 0;
for (const [index, group] of groups.entries()) {
  const tap = `dist/test-results-${index}.tap`;
  const result = spawnSync(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${group.concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...group.files,
    ],
    { stdio: 'inherit' },
  );
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  passed += Number(/^# pass (\d+)$/m.exec(text)?.[1] ?? 0);
  failed += Number(/^# fail (\d+)$/m.exec(text)?.[1] ?? 0);
  if (result.status !== 0) status = result.status ?? 1;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 ? status || 1 : 0);
