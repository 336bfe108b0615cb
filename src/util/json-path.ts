/** Dotted paths (`data.id`, `payload.data.tick.at`) and JSON subsets, for replies, steps and pushes. */

export function splitPath(path: string): string[] {
  return path.split('.');
}

/** The value at `path` inside a parsed JSON value, or undefined. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** `value` contains `subset`: every key of the subset is there with an equal value (objects compared the same way). */
export function containsSubset(value: unknown, subset: unknown): boolean {
  if (subset === null || typeof subset !== 'object') return value === subset;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(subset))
    return Array.isArray(value) && subset.every((item, index) => containsSubset(value[index], item));
  return Object.entries(subset as Record<string, unknown>).every(([key, expected]) =>
    containsSubset((value as Record<string, unknown>)[key], expected),
  );
}

/**
 * `value` has every top-level key of `subset` but differs in one: an answer of the kind awaited, with other content
 * (auth_error for auth_ok).
 */
export function sameShapeOtherValue(value: unknown, subset: unknown): boolean {
  if (subset === null || typeof subset !== 'object' || value === null || typeof value !== 'object') return false;
  const keys = Object.keys(subset as object);
  return keys.length > 0 && keys.every((key) => key in (value as object)) && !containsSubset(value, subset);
}

/** Parses a message as JSON, or undefined when it is not JSON. */
export function parseJson(data: Buffer | string): unknown {
  try {
    return JSON.parse(typeof data === 'string' ? data : data.toString());
  } catch {
    return undefined;
  }
}
