import YAML from 'yaml';

/**
 * `stickler import FILE.har`: a scenario from a browser's recording of one WebSocket session (Chrome and Firefox
 * keep its frames in the upgrade entry's `_webSocketMessages`). The handshake headers become templates whose values
 * go to a data file (never into the scenario); the client's first messages become on_open steps checked by the
 * server's answers; the message it repeats becomes the traffic template, with {{id}} where its id was; the server's
 * unasked messages become push.match.
 */

interface HarMessage {
  type: 'send' | 'receive';
  time: number;
  opcode: number;
  data: string;
}

interface HarEntry {
  request: { url: string; headers?: { name: string; value: string }[] };
  response?: { status?: number };
  _webSocketMessages?: HarMessage[];
}

export class HarImportError extends Error {}

export interface ImportedScenario {
  yaml: string;
  /** The data file's text (a CSV of the recorded header values), when the handshake had any worth keeping. */
  dataCsv: string | null;
}

/** Request headers a browser sends on every upgrade, or that stickler makes itself. */
const PLAIN_HEADERS = new Set([
  'host',
  'connection',
  'upgrade',
  'pragma',
  'cache-control',
  'user-agent',
  'accept-encoding',
  'accept-language',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** Fields whose value names one request (replaced by {{id}}). */
const ID_FIELDS = ['id', 'requestId', 'request_id', 'msgId', 'messageId', 'message_id', 'correlationId', 'ref'];
/** Fields that say what kind a message is (kept in checks). */
const KIND_FIELDS = ['type', 'event', 'op', 'action', 'kind', 'status'];

export function importHar(
  text: string,
  options: { name: string; dataFile: string; clients: number; duration: string },
): ImportedScenario {
  const entry = webSocketEntry(text);
  const messages = (entry._webSocketMessages ?? []).filter((m) => m.opcode === 1 || m.opcode === undefined);
  const url = entry.request.url.replace(/^http/, 'ws');
  const headers = (entry.request.headers ?? []).filter(({ name }) => !PLAIN_HEADERS.has(name.toLowerCase()));
  const protocol = (entry.request.headers ?? []).find(({ name }) => name.toLowerCase() === 'sec-websocket-protocol');
  const flow = conversationOf(messages);
  const scenario: Record<string, unknown> = {
    name: options.name,
    description: `imported from a browser recording of ${url}`,
    target: { url },
    clients: {
      count: options.clients,
      ramp: '1s',
      ...(headers.length > 0
        ? {
            data: { file: options.dataFile, pick: 'cycle' },
            headers: Object.fromEntries(headers.map(({ name }) => [name, `{{data.${columnOf(name)}}}`])),
          }
        : {}),
    },
    duration: options.duration,
    ...(protocol ? { subprotocol: protocol.value.split(',')[0].trim() } : {}),
    ...(flow.steps.length > 0 ? { on_open: flow.steps } : {}),
    traffic: flow.traffic,
    ...(flow.push ? { push: flow.push } : {}),
  };
  const dataCsv =
    headers.length > 0
      ? [headers.map(({ name }) => columnOf(name)), headers.map(({ value }) => csvField(value))]
          .map((line) => `${line.join(',')}\n`)
          .join('')
      : null;
  return {
    yaml: `# written by stickler import from a browser recording; edit freely\n${YAML.stringify(scenario)}`,
    dataCsv,
  };
}

function webSocketEntry(text: string): HarEntry {
  let har: { log?: { entries?: HarEntry[] } };
  try {
    har = JSON.parse(text) as typeof har;
  } catch (error) {
    throw new HarImportError(
      `is not JSON (${(error as Error).message}): export the HAR from the browser's network panel`,
    );
  }
  const entries = har.log?.entries ?? [];
  const entry =
    entries.find((e) => Array.isArray(e._webSocketMessages)) ?? entries.find((e) => e.response?.status === 101);
  if (!entry)
    throw new HarImportError(
      `holds no WebSocket session (no entry with _webSocketMessages among ${entries.length}): record with the ` +
        "network panel open while the page connects, then 'Save all as HAR with content'",
    );
  return entry;
}

const columnOf = (header: string) => header.toLowerCase().replace(/[^a-z0-9]+/g, '_');
const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A message's kind, for grouping and checks: its kind fields' values, or its text when short and not JSON. */
function kindOf(data: string): Record<string, unknown> | { text: string } | null {
  const json = parse(data);
  if (!json) return data.length <= 40 ? { text: data } : null;
  const kind = Object.fromEntries(KIND_FIELDS.filter((k) => typeof json[k] === 'string').map((k) => [k, json[k]]));
  return Object.keys(kind).length > 0 ? kind : null;
}

const shapeOf = (data: string) =>
  JSON.stringify(kindOf(data)) +
  Object.keys(parse(data) ?? {})
    .sort()
    .join(',');

interface Flow {
  steps: Record<string, unknown>[];
  traffic: Record<string, unknown>;
  push: Record<string, unknown> | null;
}

function conversationOf(messages: readonly HarMessage[]): Flow {
  const sends = messages.filter((m) => m.type === 'send');
  const counts = new Map<string, number>();
  for (const send of sends) counts.set(shapeOf(send.data), (counts.get(shapeOf(send.data)) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const firstRepeat = repeated === null ? sends.length : sends.findIndex((s) => shapeOf(s.data) === repeated);
  const answered = new Set<HarMessage>();
  const steps = sends.slice(0, firstRepeat).map((send, index) => {
    const answer = messages.find((m) => m.type === 'receive' && m.time >= send.time && !answered.has(m));
    const expect = answer ? kindOf(answer.data) : null;
    if (answer && expect) answered.add(answer);
    return { name: `step${index + 1}`, send: send.data, ...(expect ? { expect } : {}) };
  });
  const traffic = trafficOf(
    sends.filter((s) => shapeOf(s.data) === repeated),
    messages,
    answered,
  );
  const unasked = messages.filter((m) => m.type === 'receive' && !answered.has(m)).map((m) => kindOf(m.data));
  const common = mostCommon(unasked.filter((k): k is Record<string, unknown> => k !== null && !('text' in k)));
  return { steps, traffic, push: common ? { match: common } : null };
}

/** The repeated message as a template ({{id}} where its id was), its pace, and how its reply names it. */
function trafficOf(repeats: HarMessage[], messages: readonly HarMessage[], answered: Set<HarMessage>): Flow['traffic'] {
  if (repeats.length === 0) return { interval: 0 };
  const last = repeats.at(-1)!;
  const json = parse(last.data);
  const idField = json ? ID_FIELDS.find((field) => field in json) : undefined;
  const gaps = repeats
    .slice(1)
    .map((m, i) => m.time - repeats[i].time)
    .sort((a, b) => a - b);
  const interval = `${Math.max(50, Math.round((gaps[Math.floor(gaps.length / 2)] ?? 1) * 1000))}ms`;
  if (!json || !idField) return { interval, message: last.data, reply: 'none' };
  const template = JSON.stringify({ ...json, [idField]: '__ID__' }).replace('"__ID__"', '"{{id}}"');
  const ids = new Set(repeats.map((m) => String(parse(m.data)?.[idField])));
  // The reply: a received message carrying one of the sent ids in a field of the same name.
  const reply = messages.find((m) => m.type === 'receive' && ids.has(String(parse(m.data)?.[idField])));
  for (const m of messages) if (m.type === 'receive' && ids.has(String(parse(m.data)?.[idField]))) answered.add(m);
  return { interval, message: template, reply: reply ? { field: idField } : 'none' };
}

function mostCommon(kinds: Record<string, unknown>[]): Record<string, unknown> | null {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(JSON.stringify(kind), (counts.get(JSON.stringify(kind)) ?? 0) + 1);
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  return best ? (JSON.parse(best[0]) as Record<string, unknown>) : null;
}
