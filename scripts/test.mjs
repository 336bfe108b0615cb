// Runs the compiled test files (dist/test), two at a time on the machine's two cores, and prints the
// total. A file marked "// test: heavy" (its load or its timings suffer when another heavy file shares
// the machine) never runs beside another heavy one; a file marked "// test: runs alone" (it changes
// something of the whole machine, such as routes on lo) runs with nothing beside it. Each file's report
// is printed whole when it ends. `node scripts/test.mjs unit` runs the unit tests only (seconds).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = 'dist/test';
const SLOTS = 2;
const folders = process.argv[2] ? [process.argv[2]] : ['unit', 'hostile', 'integration'];
const kindOf = (text) =>
  /^\/\/ test: runs alone/m.test(text) ? 'alone' : /^\/\/ test: heavy/m.test(text) ? 'heavy' : 'light';
const queue = folders.flatMap((folder) =>
  fs
    .readdirSync(path.join(ROOT, folder))
    .filter((name) => name.endsWith('.test.js'))
    .map((name) => path.join(ROOT, folder, name))
    .map((file) => ({ file, kind: kindOf(fs.readFileSync(file, 'utf8')) })),
);
// Heavy files first, so that light ones fill the other slot beside them; the files that run alone last.
const order = { heavy: 0, light: 1, alone: 2 };
queue.sort((a, b) => order[a.kind] - order[b.kind]);

let passed = 0;
let failed = 0;
let exitCode = 0;
const running = new Set();

function runFile({ file }) {
  return new Promise((resolve) => {
    const tap = `${file}.tap`;
    const child = spawn(
      process.execPath,
      [
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      process.stdout.write(`\n--- ${file}\n${output}`);
      const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
      passed += Number(/^# pass (\d+)$/m.exec(text)?.[1] ?? 0);
      failed += Number(/^# fail (\d+)$/m.exec(text)?.[1] ?? 0);
      if (code !== 0) exitCode = code ?? 1;
      resolve();
    });
  });
}

/** The next file that may start beside those running now, or null. */
function next() {
  const kinds = [...running].map((entry) => entry.kind);
  if (kinds.includes('alone')) return null;
  const index = queue.findIndex((entry) => {
    if (entry.kind === 'alone') return kinds.length === 0;
    return entry.kind === 'light' || !kinds.includes('heavy');
  });
  return index < 0 ? null : queue.splice(index, 1)[0];
}

await new Promise((done) => {
  const fill = () => {
    if (queue.length === 0 && running.size === 0) return done();
    while (running.size < SLOTS) {
      const entry = next();
      if (!entry) break;
      running.add(entry);
      void runFile(entry).then(() => {
        running.delete(entry);
        fill();
      });
    }
  };
  fill();
});

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(exitCode !== 0 || failed > 0 ? exitCode || 1 : 0);
