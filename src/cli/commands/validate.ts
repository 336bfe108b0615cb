import { ProtocolModuleError } from '../../engine/protocols/module-registry.js';
import { loadPlanProtocols } from '../../engine/protocols/index.js';
import type { Plan } from '../../scenario/plan.js';
import { loadScenario } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/problems.js';
import { execCommands } from '../exec-consent.js';
import { EXIT } from '../exit-codes.js';

/** Checks every file and prints every problem as `FILE: path.to.field: message`. */
export async function validateCommand(files: string[]): Promise<number> {
  let bad = 0;
  for (const file of files) {
    const result = loadScenario(file);
    const moduleProblem = result.ok ? await moduleProblemOf(file, result.plan) : null;
    if (moduleProblem) {
      bad += 1;
      process.stderr.write(`${moduleProblem}\n`);
    } else if (result.ok) {
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

/** A protocol module is code: validate says which one a scenario loads, and loads it (exit 2 if it cannot be used). */
async function moduleProblemOf(file: string, plan: Plan): Promise<string | null> {
  try {
    for (const module of await loadPlanProtocols(plan))
      process.stdout.write(`${file}: loads protocol module ${module} (its code runs in every load worker)\n`);
    return null;
  } catch (error) {
    if (error instanceof ProtocolModuleError) return `${file}: protocol.module: ${error.message}`;
    throw error;
  }
}
