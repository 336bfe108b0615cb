import { pathToFileURL } from 'node:url';
import { plansOf, type AppPlan, type Plan } from '../../scenario/plan.js';
import type { ProtocolModule } from './protocol-module.js';

/** A protocol module that cannot be used: the message names the file and what to fix (exit 2). */
export class ProtocolModuleError extends Error {}

/** Modules by absolute path, loaded once per process (the coordinator checks them, every load worker runs them). */
const loaded = new Map<string, ProtocolModule>();

/** Imports and checks a protocol module; the same module object on every later call. */
export async function loadProtocolModule(file: string): Promise<ProtocolModule> {
  const known = loaded.get(file);
  if (known) return known;
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const why =
      err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(file)
        ? 'no such file (the path is relative to the scenario file)'
        : `it threw while loading: ${firstLine(err)}`;
    throw new ProtocolModuleError(`protocol module ${file}: ${why}`, { cause: error });
  }
  const problem = shapeProblem(exported);
  if (problem) throw new ProtocolModuleError(`protocol module ${file}: ${problem}`);
  const module = exported as ProtocolModule;
  loaded.set(file, module);
  return module;
}

/** A module loadProtocolModule has loaded in this process. */
export function loadedProtocolModule(file: string): ProtocolModule {
  const module = loaded.get(file);
  if (!module) throw new Error(`protocol module ${file} was not loaded before the clients were made`);
  return module;
}

function shapeProblem(exported: unknown): string | null {
  if (exported === undefined) return 'has no default export: end it with `export default { create(client) { ... } }`';
  if (typeof exported !== 'object' || exported === null)
    return `its default export is a ${typeof exported}, not an object with create(client)`;
  const module = exported as Record<string, unknown>;
  if (typeof module.create !== 'function')
    return 'its default export lacks create(client): add create(client) returning { message(id), receive(frame) }';
  if (module.subprotocol !== undefined && (typeof module.subprotocol !== 'string' || module.subprotocol === ''))
    return 'subprotocol must be a non-empty string';
  if (module.binary !== undefined && typeof module.binary !== 'boolean') return 'binary must be true or false';
  return null;
}

/** The error's first line and the first stack frame in the user's code, for a finding. */
export function describeModuleError(error: unknown): string {
  const message = firstLine(error);
  const frame = String((error as Error)?.stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .find((line) => line.startsWith('at '));
  return frame ? `${message} (${frame})` : message;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0].slice(0, 200);
}

/** The protocol modules a plan's clients run (its own and its groups'), by absolute path. */
export function planModules(plan: Plan): string[] {
  const files = plansOf(plan).flatMap((each) => (each.app.module ? [each.app.module.file] : []));
  return [...new Set(files)];
}

/** Loads every module a plan's clients run, before any client is made; throws ProtocolModuleError. */
export async function loadPlanModules(plan: Plan): Promise<string[]> {
  const files = planModules(plan);
  for (const file of files) await loadProtocolModule(file);
  return files;
}

/** Sec-WebSocket-Protocol values a client offers: the scenario's, else its protocol module's own. */
export function offeredSubprotocols(app: AppPlan): readonly string[] {
  if (app.subprotocols.length > 0 || !app.module) return app.subprotocols;
  const offered = loaded.get(app.module.file)?.subprotocol;
  return offered ? [offered] : [];
}
