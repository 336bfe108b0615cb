// Bundles the CLI (dist/src/cli/main.js and the commands it loads lazily) into dist/src/bundle/:
// one file per command instead of ~370 modules (zod and yaml alone are 170), which takes about
// 0.2 s off every start. The load worker is bundled too, on its own (dist/src/bundle/worker.js):
// its ~120 modules in one file hold about 3 MB less a process (60.4 against 63.4 MB with 100
// connections), six processes at 100,000 connections. Reference backends load dist/src/ unbundled.
// The bundle sits at the same depth as dist/src/util/, so paths made by util/package-root.ts
// (package.json, scenarios/, worker.js) resolve the same from either.
import fs from 'node:fs';
import { build } from 'esbuild';

const outdir = 'dist/src/bundle';
fs.rmSync(outdir, { recursive: true, force: true });
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS dependencies (ws, hdr-histogram-js, cli-table3) call require() for Node's own modules.
  banner: {
    js:
      "import { createRequire as __createRequire } from 'node:module'; " +
      'const require = __createRequire(import.meta.url);',
  },
};
await build({ ...common, entryPoints: ['dist/src/cli/main.js'], outdir, splitting: true });
// No splitting: the worker shares no chunk with the CLI, so it loads nothing of the CLI's.
await build({ ...common, entryPoints: { worker: 'dist/src/engine/run/worker.js' }, outdir });
