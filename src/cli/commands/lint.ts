import { lintFile, renderFindings } from '../../stack/proxies/lint.js';
import type { Finding } from '../../findings/finding.js';
import { machineLimits } from '../../stack/limits.js';
import { EXIT } from '../exit-codes.js';

/** `stickler lint FILE... [--json]`: the WebSocket gotchas of nginx and HAProxy configs, before a run. */
export function lintCommand(args: { files: string[]; json?: boolean }): number {
  const findings: Finding[] = [];
  const problems: string[] = [];
  for (const file of args.files) {
    const result = lintFile(file, machineLimits().filesHard);
    if (result.ok) findings.push(...result.findings);
    else problems.push(result.problem);
  }
  for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
  if (args.json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else process.stdout.write(`${renderFindings(findings, process.stdout.isTTY === true)}\n`);
  if (problems.length > 0) return EXIT.invalidInput;
  return findings.some((finding) => finding.severity === 'error') ? EXIT.thresholdFailed : EXIT.ok;
}
