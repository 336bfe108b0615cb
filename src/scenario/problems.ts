import type { z } from 'zod';

/** One thing wrong with a scenario file, reported as `FILE: path.to.field: message`. */
export interface Problem {
  file: string;
  path: string;
  message: string;
}

export function formatProblem(problem: Problem): string {
  return problem.path ? `${problem.file}: ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

export function pathToString(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text && text.length > 60 ? `${text.slice(0, 57)}...` : String(text);
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** Turns zod's issues into messages a scenario author can act on. */
export function problemsFromZod(file: string, error: z.ZodError, rawRoot: unknown): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const path = pathToString(issue.path);
    const input = 'input' in issue ? issue.input : valueAt(rawRoot, issue.path);
    switch (issue.code) {
      case 'invalid_type':
        if (input !== undefined && isCustomMessage(issue.message))
          return [{ file, path, message: `${issue.message}, got ${describeValue(input)}` }];
        if (input === undefined)
          return [{ file, path, message: `required: expected ${TYPE_WORDS[issue.expected] ?? issue.expected}` }];
        return [{ file, path, message: `expected ${wordFor(issue)}, got ${describeValue(input)}` }];
      case 'too_small':
      case 'too_big':
      case 'not_multiple_of':
        if (isCustomMessage(issue.message))
          return [{ file, path, message: `${issue.message}, got ${describeValue(input)}` }];
        return [
          { file, path, message: `${issue.message.replace(/^Too (small|big): /, '')}, got ${describeValue(input)}` },
        ];
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({
          file,
          path: path ? `${path}.${key}` : key,
          message:
            'unknown field (check its spelling against docs/scenario-reference.md, or `stickler validate --help`)',
        }));
      case 'invalid_value':
        return [
          {
            file,
            path,
            message:
              `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ` +
              `${describeValue(input)}`,
          },
        ];
      case 'invalid_union': {
        // A union of string|number fails as a whole: say what the field wants.
        return [
          {
            file,
            path,
            message:
              `unexpected value ${describeValue(input)}` +
              `${issue.message && !issue.message.startsWith('Invalid input') ? `: ${issue.message}` : ''}`,
          },
        ];
      }
      default:
        return [
          { file, path, message: `${issue.message}${input !== undefined ? `, got ${describeValue(input)}` : ''}` },
        ];
    }
  });
}

function isCustomMessage(message: string): boolean {
  return !/^(Invalid|Too (small|big)|Unrecognized)/.test(message);
}

function wordFor(issue: { expected: string; message: string }): string {
  if (issue.expected === 'int') return 'an integer';
  return TYPE_WORDS[issue.expected] ?? issue.expected;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}
