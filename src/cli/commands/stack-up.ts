import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { parseScenarioText } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { freePort } from '../../stack/free-port.js';
import { ManagedStack } from '../../stack/managed-stack.js';
import { findPreset, PRESET_NAMES } from '../../scenario/presets.js';
import { EXIT } from '../exit-codes.js';

/** `stickler stack up PRESET`: a managed stack in the foreground for exploring by hand; Ctrl-C tears it down. */
export async function stackUpCommand(args: { preset: string; backends: number; clients: number }): Promise<number> {
  const preset = findPreset(args.preset);
  if (!preset) {
    process.stderr.write(`error: unknown preset "${args.preset}"; choose one of ${PRESET_NAMES.join(', ')}\n`);
    return EXIT.invalidInput;
  }
  const loaded = parseScenarioText(
    'stack up',
    `name: stack-up\ntarget: { stack: ${preset.name}, backends: ${args.backends} }\nclients: ` +
      `{ count: ${args.clients} }\nduration: 1h\n`,
  );
  if (!loaded.ok) {
    for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    return EXIT.invalidInput;
  }
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), `stickler-${preset.name}-`));
  const statsPort = preset.proxy === 'haproxy' ? await freePort() : undefined;
  const stack = new ManagedStack(loaded.plan, { logDir, statsPort });
  try {
    await stack.start();
  } catch (error) {
    await stack.stop();
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.infrastructure;
  }
  const out = process.stdout;
  out.write(`${preset.name} is up: ${preset.summary}\n`);
  for (const url of stack.urls) out.write(`  connect to   ${url}\n`);
  if (statsPort) out.write(`  HAProxy stats http://127.0.0.1:${statsPort}/haproxy_stats\n`);
  for (const backend of stack.backends)
    out.write(
      `  backend ${backend.id}   ws://127.0.0.1:${backend.port}/  (counts: http://127.0.0.1:${backend.port}/stats)\n`,
    );
  out.write(`  config and logs in ${logDir}\nCtrl-C to tear it down.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await stack.stop();
  out.write('stack stopped\n');
  return EXIT.ok;
}
