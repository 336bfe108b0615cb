import { ACTION_NAMES } from './actions.js';
import { PROXY_KINDS } from './presets.js';
import { z } from 'zod';
import { duration, positiveInt, share } from './schema-fields.js';
import { closeStep, identify, push, step } from './schema-app.js';
import { clients } from './population/schema.js';
import { churn, traffic } from './schema-traffic.js';
import { mqtt, protocol } from './protocol/schema.js';

const clientsShape = clients.shape;

/**
 * The scenario file schema (contract v1). It checks the shape of what users write; `normalise.ts`
 * turns a valid file into the frozen plan the engine runs. Durations and shares stay as written here
 * so the published JSON Schema describes the file as users see it.
 */
const customStack = z.strictObject({
  proxy: z.enum(PROXY_KINDS).describe('which proxy runs your config'),
  config: z
    .string()
    .min(1)
    .describe('your config file with {{listen}} and {{servers}} placeholders, relative to the scenario file'),
});

const target = z
  .strictObject({
    stack: z
      .union([z.string().min(1), customStack])
      .optional()
      .describe('a managed preset (see `stickler stacks`) or { proxy, config }'),
    url: z.string().optional().describe('an endpoint you run yourself, ws:// or wss://'),
    backends: z
      .union([positiveInt.max(1000), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        'managed: how many reference backends to start (default 3; direct: 1). url: the ' +
          'backends expected to serve, as ids (as identify sees them) or a count; unused ' +
          'ones count as 0',
      ),
    path: z.string().startsWith('/').optional().describe('request path (default /)'),
    backend: z
      .enum(['reference', 'socketio'])
      .optional()
      .describe(
        "managed stacks: reference (default: stickler's WebSocket backend) or socketio " +
          '(real Socket.IO 4 servers, which also answer plain WebSocket)',
      ),
    state: z
      .enum(['memory', 'redis'])
      .optional()
      .describe(
        "managed stacks: where the reference backends keep each client's session, which " +
          "every reconnect resumes: memory (default: each backend's own, lost on another " +
          'backend or a restart) or redis (one real Redis server stickler starts for the ' +
          'run)',
      ),
    tls: z
      .union([
        z.boolean(),
        z.strictObject({
          ca: z.string().min(1).optional().describe('a CA certificate (PEM) to trust, relative to the scenario file'),
          insecure: z.boolean().optional().describe('skip certificate verification'),
        }),
      ])
      .optional()
      .describe(
        'managed stacks: true = the proxy terminates TLS with a certificate made for ' +
          'the run (wss://). url targets: { ca: FILE } or { insecure: true }',
      ),
    health: z
      .enum(['http', 'ws', 'none'])
      .optional()
      .describe(
        'HAProxy presets with checks: http (GET /health, 200; default), ws (a WebSocket ' +
          'upgrade to /ws-health, expect 101: a tcp-check that asks for a WebSocket upgrade) or none',
      ),
    redispatch: z.boolean().optional().describe('haproxy-cookie / haproxy-stick-src: option redispatch (default true)'),
    haproxy_stats: z
      .string()
      .min(1)
      .optional()
      .describe(
        'url targets behind HAProxy: its admin socket (a path) or stats page ' +
          '(http://...), whose UP/DOWN/DRAIN view decides failovers too',
      ),
  })
  .describe('exactly one of stack or url');

const idleWindow = z.strictObject({ at: duration, for: duration, clients: share });

const group = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, dashes and underscores')
    .describe('names the group in summary.json (groups.NAME) and the reports'),
  share: share.optional().describe('a share of the clients (80%); or give count'),
  count: positiveInt.optional().describe('this many of the clients; or give share'),
  traffic: traffic.optional().describe("the group's own traffic (instead of the scenario's)"),
  churn: churn.optional().describe("the group's own churn"),
  idle: z.array(idleWindow).optional().describe("the group's own idle windows (shares of the group's clients)"),
  on_open: z.array(step).optional().describe("the group's own steps after every open"),
  push: push.optional().describe("the group's own pushes"),
  headers: clientsShape.headers.describe("the group's own handshake headers (templates)"),
  query: clientsShape.query.describe("the group's own query parameters (templates)"),
  data: clientsShape.data.describe("the group's own data file (rows picked among the group's clients)"),
});

const populationWithGroups = clients.extend({
  groups: z
    .array(group)
    .min(1)
    .max(50)
    .optional()
    .describe(
      'personas: each a share or a count of the clients, with its own traffic, churn, idle, on_open, push, ' +
        "headers, query and data (fields not given are the scenario's)",
    ),
});

export const EVENT_ACTIONS = ACTION_NAMES;

const event = z.strictObject({
  at: duration,
  action: z.enum(EVENT_ACTIONS).describe('what happens (see the fault actions below, or `stickler stacks`)'),
  backend: z
    .string()
    .regex(/^(b\d+|redis)$/, 'expected a backend name b1..bN, or redis (target.state: redis)')
    .optional()
    .describe(
      'the backend it acts on (b1..bN, or redis: the shared session store of ' +
        'target.state: redis), for the actions that name one',
    ),
  for: duration.optional().describe('pause: how long; deploy: the drain timeout'),
  command: z.string().min(1).optional().describe('exec: the shell command (runs only with --allow-exec)'),
  drain: z
    .boolean()
    .optional()
    .describe(
      'deploy: drain each backend before stopping it (default true); for: how long to wait for its connections to end',
    ),
});

export const CONDITION_PATTERN = /^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$/;

const condition = z
  .union([z.string(), z.number()])
  .refine((value) => typeof value === 'number' || CONDITION_PATTERN.test(value), {
    message: 'expected a condition such as "< 50", ">= 0.99", "== 0" or "< 0.1%"',
  });

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional().describe('the JSON Schema, for editors (stickler init writes it)'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'expected letters, digits and dashes only')
      .describe('required: letters, digits, dashes; names the report folder'),
    description: z.string().optional().describe('free text, shown in the reports'),
    target: target.optional(),
    identify: identify
      .optional()
      .describe(
        'how a connection learns which backend it reached: a 101 header, else a first JSON message, or a cookie',
      ),
    clients: populationWithGroups.describe('required: who connects, how many, from where, when, with what'),
    compression: z
      .boolean()
      .optional()
      .describe('offer permessage-deflate on every handshake (default false); what the server chose is counted'),
    duration,
    seed: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('fixes every random choice (addresses, phases, churn); default 1'),
    protocol,
    mqtt,
    socketio: z
      .strictObject({
        path: z.string().startsWith('/').optional().describe('the Socket.IO path (default /socket.io/)'),
        namespace: z.string().startsWith('/').optional().describe('the namespace to connect (default /)'),
        transports: z
          .array(z.enum(['polling', 'websocket']))
          .min(1)
          .optional()
          .describe(
            '[polling, websocket] (default, as socket.io-client: long-polling first, then ' +
              'the upgrade), [websocket] (no polling, so no session to break) or [polling] ' +
              '(long-polling only, never upgraded: every request of the session must reach ' +
              'its node)',
          ),
      })
      .optional()
      .describe('protocol: socketio only'),
    subprotocol: z
      .union([z.string().min(1), z.array(z.string().min(1))])
      .optional()
      .describe(
        'the Sec-WebSocket-Protocol the clients offer, e.g. graphql-transport-ws for a ' +
          'graphql-ws server (one or a list)',
      ),
    on_close: z
      .array(closeStep)
      .optional()
      .describe('messages sent before the client closes (its count reached, a stage or session ending, churn)'),
    close: z
      .strictObject({
        code: z.number().int().min(1000).max(4999).optional().describe('the close code (default 1000)'),
        reason: z.string().max(123).optional().describe('the close reason (default client)'),
      })
      .optional()
      .describe("the code and reason of the client's own closes"),
    on_open: z
      .array(step)
      .optional()
      .describe('steps after every open connection (the first and each reconnect), before traffic'),
    push: push
      .optional()
      .describe('server messages that answer nothing: counted, and timed when they carry their send time'),
    traffic: traffic.optional().describe('what each open client sends'),
    churn: churn.optional().describe('how clients drop and reconnect'),
    idle: z.array(idleWindow).optional().describe('windows in which a share of clients send nothing (pings go on)'),
    events: z.array(event).optional().describe('the fault timeline'),
    thresholds: z
      .record(z.string(), condition)
      .optional()
      .describe('metric (dotted path into summary.json): condition'),
  })
  .describe('stickler scenario file (contract v1)');

export type ScenarioFile = z.infer<typeof scenarioSchema>;
