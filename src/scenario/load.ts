import type { ProxyKind } from './presets.js';
import fs from 'node:fs';
import YAML from 'yaml';
import { bundledScenarioNames, resolveScenarioArgument } from './bundled.js';
import { scenarioSchema, type ScenarioFile } from './schema.js';
import { normalise } from './normalise.js';
import { problemsFromZod, type Problem } from './problems.js';
import type { Plan } from './plan.js';

export interface TargetOverride {
  stack?: string;
  url?: string;
  /** Your own config template instead of the scenario's target (an absolute path). */
  config?: { proxy: ProxyKind; file: string };
}

export type LoadResult = { ok: true; plan: Plan } | { ok: false; problems: Problem[] };

/**
 * Reads, validates and normalises one scenario file (or a bundled scenario named like `quickstart`
 * when no such file exists); `--stack`/`--url` replace the file's target.
 */
export function loadScenario(argument: string, override: TargetOverride = {}): LoadResult {
  const file = resolveScenarioArgument(argument);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const hint =
      code === 'ENOENT'
        ? `: no such file. Give a scenario file, or a bundled scenario by name (` +
          `${bundledScenarioNames().join(', ')}); \`stickler init\` writes a starter file ` +
          `here`
        : '';
    return { ok: false, problems: [{ file, path: '', message: `cannot read the file (${code})${hint}` }] };
  }
  return parseScenarioText(file, text, override);
}

/** Most alias expansions a scenario file may make (the yaml library's own default is 100). */
const MAX_ALIAS_COUNT = 100;

export function parseScenarioText(file: string, text: string, override: TargetOverride = {}): LoadResult {
  const result = parseWithOverride(file, text, override);
  if (result.ok || (!override.stack && !override.url)) return result;
  // A target given on the command line is the flag's problem, not the file's.
  const flag = override.stack ? '--stack' : '--url';
  const field = override.stack ? 'target.stack' : 'target.url';
  return {
    ok: false,
    problems: result.problems.map((problem) =>
      problem.path === field ? { file: flag, path: '', message: problem.message } : problem,
    ),
  };
}

function parseWithOverride(file: string, text: string, override: TargetOverride): LoadResult {
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({ file, path: '', message: `YAML: ${error.message.split('\n')[0]}` })),
    };
  }
  let raw: unknown;
  try {
    // maxAliasCount bounds what aliases may expand to: a "billion laughs" file is an error, not an hour of CPU.
    raw = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          file,
          path: '',
          message: `YAML: ${(error as Error).message} (a scenario needs few aliases; write the values out)`,
        },
      ],
    };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      problems: [{ file, path: '', message: 'expected a mapping with name, target, clients and duration' }],
    };
  }
  applyOverride(raw as Record<string, unknown>, override);
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    // Every problem in one pass: the cross-field checks still run on the fields the schema accepted.
    const fieldProblems = problemsFromZod(file, parsed.error, raw);
    const crossField = normalise(
      file,
      raw as ScenarioFile,
      fieldProblems.map((problem) => problem.path),
    ).problems;
    return { ok: false, problems: [...fieldProblems, ...crossField] };
  }
  const { plan, problems } = normalise(file, parsed.data);
  if (!plan) return { ok: false, problems };
  return { ok: true, plan };
}

function applyOverride(raw: Record<string, unknown>, override: TargetOverride): void {
  if (!override.stack && !override.url && !override.config) return;
  const target = { ...((raw.target as Record<string, unknown>) ?? {}) };
  delete target.stack;
  delete target.url;
  if (override.url) {
    // The scenario's backends (a count or ids), identify, haproxy_stats and a CA stay: they describe the
    // system the url reaches. What only a managed stack means goes: its health checks, redispatch, tls: true.
    delete target.health;
    delete target.redispatch;
    delete target.state;
    if (typeof target.tls === 'boolean') delete target.tls;
    target.url = override.url;
  } else if (override.config) {
    target.stack = { proxy: override.config.proxy, config: override.config.file };
    delete target.health;
    delete target.redispatch;
  } else {
    // `PRESET?field=value&...` sets target fields too: `haproxy-cookie?health=ws`, `haproxy-cookie?redispatch=false`.
    const [preset, query] = override.stack!.split('?');
    target.stack = preset;
    for (const [field, value] of new URLSearchParams(query ?? '')) {
      target[field] = value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value;
    }
  }
  raw.target = target;
}
