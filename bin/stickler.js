#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm run build`, and before `npm pack`).
import fs from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!fs.existsSync(main)) {
  const root = new URL('..', import.meta.url).pathname;
  process.stderr.write(`stickler: not built yet: run \`npm run build\` in ${root} (npm run quickstart and npm test build it too)\n`);
  process.exit(3);
}
await import(main.href);
