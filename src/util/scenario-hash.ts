import { createHash } from 'node:crypto';

/** What ties shards of one run together: the scenario's text and the target that replaced its own. */
export function scenarioHash(text: string, override: { url?: string; stack?: string }): string {
  return createHash('sha256')
    .update(JSON.stringify({ text, url: override.url ?? null, stack: override.stack ?? null }))
    .digest('hex');
}
