import { printable } from '../report/printable.js';

/** One line of human output on stderr; what a target sent (headers, close reasons, ids) is escaped on the way. */
export function logLine(line: string): void {
  process.stderr.write(`${printable(line, true)}\n`);
}
