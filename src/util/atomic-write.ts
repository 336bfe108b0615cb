import fs from 'node:fs';

/** Written aside and renamed: a reader, an interrupt or a full disk never leaves half a file under `file`. */
export function writeFileAtomically(file: string, text: string, mode?: number): void {
  const partial = `${file}.partial`;
  try {
    fs.writeFileSync(partial, text, mode === undefined ? undefined : { mode });
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
}
