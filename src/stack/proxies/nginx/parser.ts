/**
 * A small nginx config parser: directives (`name args;`) and blocks (`name args { ... }`), with
 * comments, quotes and line numbers. nginx's grammar is this simple; crossplane (Python) is the
 * reference parser, and no well-kept Node package gives line numbers, so this is written here.
 */
export interface NginxDirective {
  name: string;
  args: string[];
  line: number;
  block?: NginxDirective[];
}

export class NginxParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

interface Token {
  text: string;
  line: number;
  quoted: boolean;
}

// A lexer: one loop over the characters with a branch per kind, read top to bottom.
// eslint-disable-next-line complexity -- see above
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\n') {
      line += 1;
      i += 1;
    } else if (/\s/.test(c)) i += 1;
    else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push({ text: c, line, quoted: false });
      i += 1;
    } else if (c === '"' || c === "'") {
      const start = line;
      let text = '';
      i += 1;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && i + 1 < source.length) i += 1;
        if (source[i] === '\n') line += 1;
        text += source[i];
        i += 1;
      }
      if (i >= source.length) throw new NginxParseError(start, 'unterminated quoted string');
      i += 1;
      tokens.push({ text, line: start, quoted: true });
    } else {
      let text = '';
      while (i < source.length && !/[\s;{}]/.test(source[i]) && !(source[i] === '#' && text === '')) {
        text += source[i];
        i += 1;
      }
      tokens.push({ text, line, quoted: false });
    }
  }
  return tokens;
}

export function parseNginx(source: string): NginxDirective[] {
  const tokens = tokenize(source);
  let at = 0;
  const parseBlock = (depth: number): NginxDirective[] => {
    const directives: NginxDirective[] = [];
    while (at < tokens.length) {
      const token = tokens[at];
      if (token.text === '}' && !token.quoted) {
        if (depth === 0) throw new NginxParseError(token.line, 'unexpected "}"');
        at += 1;
        return directives;
      }
      const name = token.text;
      const line = token.line;
      const args: string[] = [];
      at += 1;
      while (at < tokens.length && !(['{', ';', '}'].includes(tokens[at].text) && !tokens[at].quoted))
        args.push(tokens[at++].text);
      const end = tokens[at];
      if (!end) throw new NginxParseError(line, `"${name}" is not terminated by ";"`);
      if (end.text === ';') {
        at += 1;
        directives.push({ name, args, line });
      } else if (end.text === '{') {
        at += 1;
        directives.push({ name, args, line, block: parseBlock(depth + 1) });
      } else throw new NginxParseError(end.line, `"${name}" is not terminated by ";"`);
    }
    if (depth > 0) throw new NginxParseError(tokens.at(-1)?.line ?? 1, 'unexpected end of file, expecting "}"');
    return directives;
  };
  return parseBlock(0);
}
