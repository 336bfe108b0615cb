import { loadScenario } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { execCommands } from '../exec-consent.js';
import { EXIT } from '../exit-codes.js';

/** Checks every file and prints every problem as `FILE: path.to.field: message`. */
export function validateCommand(files: string[]): number {
  let bad = 0;
  for (const file of files) {
    const result = loadScenario(file);
    if (result.ok) {
      process.stdout.write(
        `${file}: ok (${result.plan.name}: ${result.plan.clients.count} clients, ${result.plan.durationMs / 1000}s)\n`,
      );
      const commands = execCommands(result.plan);
      if (commands.length > 0) {
        process.stdout.write(
          `${file}: runs shell commands (exec), only with run --allow-exec:\n` +
            `${commands.map((command) => `  ${command}`).join('\n')}\n`,
        );
      }
    } else {
      bad += 1;
      for (const problem of result.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    }
  }
  return bad > 0 ? EXIT.invalidInput : EXIT.ok;
}
