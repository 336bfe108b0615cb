import { exec } from 'node:child_process';
import fs from 'node:fs';
import type { ActionOutcome } from './stack.js';

/** `exec` events: a shell command (kubectl, systemctl...), its status and output appended to a log. */
export function runExecAction(command: string, logFile: string | null, timeoutMs = 60_000): Promise<ActionOutcome> {
  return new Promise((resolve) => {
    exec(command, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const status = error ? (error.code ?? error.signal ?? 'error') : 0;
      if (logFile) fs.appendFileSync(logFile, `$ ${command}\n${stdout}${stderr}[exit ${status}]\n`);
      resolve({ ok: !error, detail: `exit ${status}` });
    });
  });
}
