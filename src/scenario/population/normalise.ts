import path from 'node:path';
import { parseDurationMs } from '../../util/duration.js';
import { compileTemplate, type Template } from '../../util/template.js';
import type { DataPlan, LoadPlan, NamedTemplate, Plan, SessionPlan, StagePlan } from '../plan.js';
import type { Checks } from '../normalise-timeline.js';
import type { ScenarioFile } from '../schema.js';
import { readDataFile, DataFileError } from './data-file.js';
import { MAX_CLIENTS, RATE_PATTERN } from './schema.js';
import { stagedClients } from './schedule.js';
import { checkTemplateData, HANDSHAKE_PLACEHOLDERS } from './template-check.js';

/** The clients' fields that say who they are, how many, and when. */
export type PopulationPlan = Pick<
  Plan['clients'],
  'count' | 'rampMs' | 'load' | 'session' | 'data' | 'headers' | 'query'
>;

const ms = (value: unknown): number => parseDurationMs(value)!;

/** Headers ws writes itself (or that have a field of their own): a scenario setting them would be overwritten. */
const RESERVED_HEADERS: Record<string, string> = {
  'sec-websocket-protocol': 'give the subprotocol field instead',
  'sec-websocket-extensions': 'give compression: true instead',
  'sec-websocket-key': 'ws makes it for every handshake',
  'sec-websocket-version': 'ws sends 13',
  upgrade: 'every handshake sends Upgrade: websocket',
  connection: 'every handshake sends Connection: Upgrade',
  host: 'it is taken from the target URL',
};

/**
 * Who connects, how many, and when: one load model (count, stages or an arrival rate), session lengths, the data
 * file and the handshake's templates. Every problem names its field; the data file's name its line.
 */
export function normalisePopulation(
  file: string,
  scenario: ScenarioFile,
  durationMs: number | undefined,
  checks: Checks,
): PopulationPlan | undefined {
  const { problem, ok } = checks;
  if (!ok('clients')) return undefined;
  const load = loadOf(scenario, durationMs, checks);
  const session = sessionOf(scenario, checks);
  if (!load) return undefined;
  const data = ok('clients.data') ? dataOf(file, scenario, load.count, problem) : null;
  if (data === undefined) return undefined;
  const headers = namedTemplates(scenario.clients.headers, 'clients.headers', data, checks);
  const query = namedTemplates(scenario.clients.query, 'clients.query', data, checks);
  for (const { name } of headers) {
    const why = RESERVED_HEADERS[name.toLowerCase()];
    if (why) problem(`clients.headers.${name}`, `is not a header a scenario sets: ${why}`);
  }
  return { count: load.count, rampMs: load.rampMs, load: load.plan, session, data, headers, query };
}

interface LoadChoice {
  count: number;
  rampMs: number;
  plan: LoadPlan;
}

function loadOf(scenario: ScenarioFile, durationMs: number | undefined, { problem }: Checks): LoadChoice | undefined {
  const { count, ramp, stages, arrival } = scenario.clients;
  const given = [count !== undefined && 'count', stages && 'stages', arrival && 'arrival'].filter(Boolean);
  if (given.length !== 1) {
    problem(
      'clients',
      given.length === 0
        ? 'say how many clients: count (with ramp), stages, or arrival'
        : `give one of count, stages and arrival, not ${given.join(' and ')}`,
    );
    return undefined;
  }
  if (ramp !== undefined && count === undefined)
    problem('clients.ramp', 'applies to clients.count only: stages and arrival set their own pace');
  if (count !== undefined) {
    const rampMs = ramp === undefined ? 0 : ms(ramp);
    if (durationMs !== undefined && rampMs > durationMs)
      problem('clients.ramp', `the ramp (${rampMs} ms) is longer than the run (${durationMs} ms)`);
    return { count, rampMs, plan: { model: 'count' } };
  }
  if (stages) return stagesOf(stages, durationMs, problem);
  return arrivalOf(scenario, durationMs, problem);
}

function stagesOf(
  stages: NonNullable<ScenarioFile['clients']['stages']>,
  durationMs: number | undefined,
  problem: Checks['problem'],
): LoadChoice | undefined {
  const plans: StagePlan[] = stages.map((stage) =>
    'hold' in stage ? { holdMs: ms(stage.hold) } : { to: stage.to, overMs: ms(stage.over) },
  );
  const totalMs = plans.reduce((sum, stage) => sum + ('holdMs' in stage ? stage.holdMs : stage.overMs), 0);
  const count = stagedClients(plans);
  if (count === 0) {
    problem('clients.stages', 'no stage brings a client: start with a stage such as { to: 100, over: 10s }');
    return undefined;
  }
  if (count > MAX_CLIENTS)
    problem('clients.stages', `the stages bring ${count} clients in all, more than ${MAX_CLIENTS}: shard the run`);
  if (durationMs !== undefined && totalMs > durationMs)
    problem(
      'clients.stages',
      `the stages last ${totalMs / 1000} s, longer than the run (${durationMs / 1000} s): ` +
        'lengthen duration or shorten a stage (after the last stage, its count holds to the end)',
    );
  return { count, rampMs: 0, plan: { model: 'stages', stages: plans } };
}

function arrivalOf(
  scenario: ScenarioFile,
  durationMs: number | undefined,
  problem: Checks['problem'],
): LoadChoice | undefined {
  const arrival = scenario.clients.arrival!;
  const ratePerS = parseRate(arrival.rate);
  const forMs = ms(arrival.for);
  const count = Math.floor((ratePerS * forMs) / 1000);
  if (durationMs !== undefined && forMs > durationMs)
    problem(
      'clients.arrival.for',
      `clients arrive for ${forMs / 1000} s, longer than the run (${durationMs / 1000} s)`,
    );
  if (count < 1 || count > MAX_CLIENTS) {
    problem(
      'clients.arrival',
      `${ratePerS}/s for ${forMs / 1000} s brings ${count} clients: give between 1 and ${MAX_CLIENTS} ` +
        '(shard a larger run)',
    );
    return undefined;
  }
  if (arrival.session === undefined && scenario.clients.session === undefined)
    problem(
      'clients.arrival.session',
      'an arrival rate needs a session length, or the count only grows: give session: 30s ' +
        '(the mean, exponential) or clients.session { length: 30s }',
    );
  if (arrival.session !== undefined && scenario.clients.session !== undefined)
    problem('clients.arrival.session', 'give the session length once: here or in clients.session, not both');
  return { count, rampMs: 0, plan: { model: 'arrival', ratePerS, forMs } };
}

export function parseRate(rate: string | number): number {
  if (typeof rate === 'number') return rate;
  const [, value, unit] = RATE_PATTERN.exec(rate)!;
  return unit === 's' ? Number(value) : Number(value) / 60;
}

function sessionOf(scenario: ScenarioFile, { ok }: Checks): SessionPlan | null {
  const { session, arrival } = scenario.clients;
  if (session && ok('clients.session')) return { lengthMs: ms(session.length), shape: session.shape ?? 'fixed' };
  if (arrival?.session !== undefined && ok('clients.arrival'))
    return { lengthMs: ms(arrival.session), shape: 'exponential' };
  return null;
}

/** The data file, read now (then again once in each worker); undefined when it cannot be used. */
function dataOf(
  file: string,
  scenario: ScenarioFile,
  count: number,
  problem: Checks['problem'],
): DataPlan | null | undefined {
  const data = scenario.clients.data;
  if (!data) return null;
  const resolved = path.resolve(path.dirname(file), data.file);
  const pick = data.pick ?? 'unique';
  try {
    const table = readDataFile(resolved);
    if (pick === 'unique' && count > table.rows.length)
      problem(
        'clients.data.pick',
        `${resolved} has ${table.rows.length} rows for ${count} clients: with pick: unique each client needs its own ` +
          'row; add rows, lower the count, or give pick: cycle (clients share rows in turn) or random',
      );
    return { file: resolved, pick, columns: table.columns, rows: table.rows.length };
  } catch (error) {
    if (!(error instanceof DataFileError)) throw error;
    const where = error.line === undefined ? resolved : `${resolved}:${error.line}`;
    problem('clients.data.file', `${where} ${error.message} (read relative to the scenario file)`);
    return undefined;
  }
}

function namedTemplates(
  values: Record<string, string> | undefined,
  at: string,
  data: DataPlan | null,
  { problem }: Checks,
): NamedTemplate[] {
  return Object.entries(values ?? {}).map(([name, text]) => {
    const value: Template = compileTemplate(text);
    checkTemplateData(value, `${at}.${name}`, data, HANDSHAKE_PLACEHOLDERS, problem);
    return { name, value };
  });
}
