import { PRESETS } from '../../scenario/presets.js';

export function stacksCommand(): number {
  const width = Math.max(...PRESETS.map((preset) => preset.name.length));
  for (const preset of PRESETS) process.stdout.write(`${preset.name.padEnd(width)}  ${preset.summary}\n`);
  return 0;
}
