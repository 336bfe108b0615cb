import { ACTIONS, NEEDS_WORDS } from '../../scenario/actions.js';
import { PRESETS } from '../../scenario/presets.js';

/** The presets, then the fault actions and what each needs: both read from their descriptors. */
export function stacksCommand(): number {
  const width = Math.max(...PRESETS.map((preset) => preset.name.length));
  for (const preset of PRESETS) process.stdout.write(`${preset.name.padEnd(width)}  ${preset.summary}\n`);
  process.stdout.write('\nfault actions (events[].action):\n');
  const actionWidth = Math.max(...Object.keys(ACTIONS).map((name) => name.length));
  for (const [name, info] of Object.entries(ACTIONS)) {
    process.stdout.write(
      `  ${name.padEnd(actionWidth)}  ${info.summary}; ${NEEDS_WORDS[info.needs]}` +
        `${info.backend ? ', names a backend' : ''}\n`,
    );
  }
  return 0;
}
