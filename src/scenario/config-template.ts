import fs from 'node:fs';

/**
 * A user's own proxy config as a template (`target.stack: { proxy, config }`): read and checked here,
 * so that `validate` says what `run` would, before anything starts; the stack fills it in.
 */
export function readConfigTemplate(file: string): { text: string } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `cannot read the config template (${(error as NodeJS.ErrnoException).code ?? error})` };
  }
  const code = withoutComments(text);
  const missing = ['{{listen}}', '{{servers}}'].filter((placeholder) => !code.includes(placeholder));
  if (missing.length > 0) {
    return {
      problem:
        `missing placeholder ${missing.join(' and ')}: write {{listen}} where the ` +
        `listening address goes (nginx: "listen {{listen}};", HAProxy: "bind ` +
        `{{listen}}") and {{servers}} where the backend servers go`,
    };
  }
  return { text };
}

/** Comment lines (both proxies use #) may mention the placeholders; only code lines are filled in. */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
}
