import { parseShare } from '../../util/share.js';
import type { GroupPlan, Plan } from '../plan.js';
import type { Problem } from '../problems.js';
import type { ScenarioFile } from '../schema.js';

type Normalise = (file: string, scenario: ScenarioFile) => { plan?: Plan; problems: Problem[] };
type GroupFile = NonNullable<ScenarioFile['clients']['groups']>[number];

/** Scenario fields a group may give for itself, and where they sit in the scenario. */
const OWN_TOP = ['traffic', 'churn', 'idle', 'on_open', 'push'] as const;
const OWN_CLIENTS = ['headers', 'query', 'data'] as const;

/**
 * clients.groups: each group's count (a share of the clients, or a count; the last group given by share takes what
 * rounding leaves) and its plan, the scenario's with the group's own fields. Problems in a group's fields are named at
 * the group (clients.groups[1].traffic.interval).
 */
export function normaliseGroups(
  file: string,
  scenario: ScenarioFile,
  total: number,
  normalise: Normalise,
  problem: (at: string, message: string) => void,
): GroupPlan[] | null {
  const groups = scenario.clients.groups;
  if (!groups) return null;
  const counts = groupCounts(groups, total, problem);
  if (!counts) return null;
  const plans: GroupPlan[] = [];
  groups.forEach((group, index) => {
    const at = `clients.groups[${index}]`;
    if (groups.findIndex((other) => other.name === group.name) !== index)
      problem(`${at}.name`, `group "${group.name}" is named twice: group names must differ`);
    const result = normalise(file, mergedScenario(scenario, group, counts[index]));
    for (const found of result.problems) {
      const own = ownField(group, found.path);
      if (own) problem(`${at}.${found.path.replace(/^clients\./, '')}`, found.message);
    }
    if (result.plan) plans.push({ name: group.name, count: counts[index], plan: result.plan });
  });
  return plans.length === groups.length ? plans : null;
}

function groupCounts(
  groups: GroupFile[],
  total: number,
  problem: (at: string, message: string) => void,
): number[] | null {
  let ok = true;
  const counts = groups.map((group, index) => {
    if ((group.share === undefined) === (group.count === undefined)) {
      problem(`clients.groups[${index}]`, 'give the group a share (80%) or a count, one of the two');
      ok = false;
    }
    return group.count ?? Math.round(parseShare(group.share ?? 0)! * total);
  });
  if (!ok) return null;
  const lastShared = groups.map((group) => group.share !== undefined).lastIndexOf(true);
  const sum = counts.reduce((a, b) => a + b, 0);
  if (lastShared >= 0 && sum !== total && Math.abs(sum - total) <= groups.length) counts[lastShared] += total - sum;
  const given = counts.reduce((a, b) => a + b, 0);
  if (given !== total) {
    problem(
      'clients.groups',
      `the groups hold ${given} clients, the scenario ${total}: shares must add up to 100% ` +
        '(counts to the number of clients)',
    );
    return null;
  }
  if (counts.some((count) => count === 0)) {
    problem('clients.groups', `a group would get no client (counts ${counts.join(', ')} of ${total}): raise its share`);
    return null;
  }
  return counts;
}

/** The scenario as the group's clients run it: its own fields in, the load and the other groups out. */
function mergedScenario(scenario: ScenarioFile, group: GroupFile, count: number): ScenarioFile {
  const merged: ScenarioFile = { ...scenario, clients: { ...scenario.clients, count, groups: undefined } };
  delete merged.clients.stages;
  delete merged.clients.arrival;
  delete merged.clients.ramp;
  for (const key of OWN_TOP) if (group[key] !== undefined) Object.assign(merged, { [key]: group[key] });
  for (const key of OWN_CLIENTS) if (group[key] !== undefined) Object.assign(merged.clients, { [key]: group[key] });
  return merged;
}

/** A problem in a field the group gave itself (others are the scenario's, reported once there). */
function ownField(group: GroupFile, path: string): boolean {
  const [top, next] = path.split(/[.[]/);
  if ((OWN_TOP as readonly string[]).includes(top)) return group[top as (typeof OWN_TOP)[number]] !== undefined;
  return top === 'clients' && (OWN_CLIENTS as readonly string[]).includes(next) && group[next as 'data'] !== undefined;
}
