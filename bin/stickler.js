#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm run build`, and before `npm pack`): the bundle
// (one file per command, faster to start) when it is there, else the modules tsc wrote.
import fs from 'node:fs';

const bundle = new URL('../dist/src/bundle/main.js', import.meta.url);
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (fs.existsSync(bundle)) await import(bundle.href);
else if (fs.existsSync(main)) await import(main.href);
else {
  const root = new URL('..', import.meta.url).pathname;
  process.stderr.write(
    `stickler: not built yet: run \`npm run build\` in ${root} (npm run quickstart and npm test build it too)\n`,
  );
  process.exit(3);
}
