import type { Plan } from '../scenario/plan.js';

/**
 * Scenario files travel in repositories and pull requests, and YAML does not look like code: the
 * shell commands of `exec` events run only when the person starting the run says so.
 */
export function execCommands(plan: Plan): string[] {
  return plan.events
    .filter((event) => event.action === 'exec')
    .map((event) => `at ${event.atMs / 1000}s: ${event.command}`);
}

/** The refusal (exit 2) when a scenario has exec events and --allow-exec was not given, else null. */
export function execRefusal(plan: Plan, file: string, allowed: boolean): string | null {
  const commands = execCommands(plan);
  if (commands.length === 0 || allowed) return null;
  return (
    `${file}: events: this scenario runs ${commands.length} shell command${commands.length > 1 ? 's' : ''} (exec):\n` +
    commands.map((command) => `  ${command}`).join('\n') +
    '\nread them, then run again with --allow-exec to let them run'
  );
}
