import fs from 'node:fs';
import YAML from 'yaml';
import { scenarioSchema } from './schema.js';
import { normalise } from './normalise.js';
import { problemsFromZod, type Problem } from './problems.js';
import type { Plan } from './plan.js';

export interface TargetOverride {
  stack?: string;
  url?: string;
}

export type LoadResult = { ok: true; plan: Plan } | { ok: false; problems: Problem[] };

/** Reads, validates and normalises one scenario file; `--stack`/`--url` replace the file's target. */
export function loadScenario(file: string, override: TargetOverride = {}): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ file, path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})` }] };
  }
  return parseScenarioText(file, text, override);
}

export function parseScenarioText(file: string, text: string, override: TargetOverride = {}): LoadResult {
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({ file, path: '', message: `YAML: ${error.message.split('\n')[0]}` })),
    };
  }
  const raw = document.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [{ file, path: '', message: 'expected a mapping with name, target, clients and duration' }] };
  }
  applyOverride(raw as Record<string, unknown>, override);
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: problemsFromZod(file, parsed.error, raw) };
  const { plan, problems } = normalise(file, parsed.data);
  if (!plan) return { ok: false, problems };
  return { ok: true, plan };
}

function applyOverride(raw: Record<string, unknown>, override: TargetOverride): void {
  if (!override.stack && !override.url) return;
  const target = { ...((raw.target as Record<string, unknown>) ?? {}) };
  delete target.stack;
  delete target.url;
  if (override.url) {
    delete target.backends;
    target.url = override.url;
  } else target.stack = override.stack;
  raw.target = target;
}
