/**
 * Text that came from a target (backend ids, headers, close reasons, error texts) made safe for a
 * terminal, Markdown or XML: control characters are shown as escapes, so a hostile server cannot set
 * the window title, move the cursor or clear the screen. Newlines stay when `keepNewlines` is set.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_AND_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const escape = (char: string) => {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

export function printable(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? CONTROL : CONTROL_AND_NEWLINE, escape);
}
