import { fileURLToPath } from 'node:url';

/**
 * The package's root folder. This module sits two folders below it both unbundled (dist/src/util/) and
 * bundled (dist/src/bundle/), so paths made here resolve the same from either, however deep the caller is.
 */
const ROOT = new URL('../../../', import.meta.url);

/** A URL of a file or folder given relative to the package root (for example 'dist/src/bundle/worker.js'). */
export const fromPackageRoot = (relative: string): URL => new URL(relative, ROOT);

/** The same as a path. */
export const packagePath = (relative: string): string => fileURLToPath(fromPackageRoot(relative));
