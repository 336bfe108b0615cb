import { z } from 'zod';
import { duration, positiveInt } from '../schema-fields.js';

/** Who connects, how many and when, with what: the clients section of a scenario. */
export const MAX_CLIENTS = 200_000;

export const RATE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m|min)\s*$/;

const stage = z.union([
  z.strictObject({
    to: z.number().int().nonnegative().max(MAX_CLIENTS).describe('connected clients at the end of the stage'),
    over: duration.describe('how long the move takes (linear)'),
  }),
  z.strictObject({ hold: duration.describe('keep the count this long') }),
]);

const arrival = z.strictObject({
  rate: z
    .union([z.string().regex(RATE_PATTERN, 'expected a rate such as 100/s or 600/m'), z.number().positive()])
    .describe('new clients a second (100/s) or a minute (600/m)'),
  for: duration.describe('how long clients keep arriving'),
  session: duration.optional().describe('mean session length (exponential); or give clients.session'),
});

const session = z.strictObject({
  length: duration.describe('how long a client stays connected (from its first connect) before it leaves'),
  shape: z
    .enum(['fixed', 'uniform', 'exponential'])
    .optional()
    .describe('fixed (default), uniform (0.5x to 1.5x the length) or exponential (the length is the mean)'),
});

const data = z.strictObject({
  file: z.string().min(1).describe('a .csv (header row) or .jsonl file, relative to the scenario'),
  pick: z
    .enum(['unique', 'cycle', 'random'])
    .optional()
    .describe('unique (default: client i gets row i; more clients than rows is an error), cycle, random'),
});

export const clients = z.strictObject({
  count: positiveInt
    .max(MAX_CLIENTS, { error: 'at most 200000 clients per run (shard a larger run: stickler run --shard I/N)' })
    .optional()
    .describe('virtual clients; each keeps its identity across reconnects (or give stages, or arrival)'),
  ramp: duration.optional().describe('with count: the clients start evenly over this time'),
  stages: z
    .array(stage)
    .min(1)
    .optional()
    .describe('instead of count: the number of connected clients over time ({ to, over } or { hold })'),
  arrival: arrival.optional().describe('instead of count: an open model, clients arriving at a rate'),
  session: session.optional().describe('how long a client stays before it leaves for good'),
  data: data.optional().describe('per-client data from a CSV (header row) or JSON Lines file: {{data.COLUMN}}'),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name'), z.string())
    .optional()
    .describe('handshake headers (templates: {{data.COLUMN}}, {{client}}, {{uuid}}...), on every connect'),
  query: z
    .record(z.string().min(1), z.string())
    .optional()
    .describe('query parameters (templates) added to the URL of every connect and every Socket.IO poll'),
  connect_concurrency: positiveInt.max(10_000).optional().describe('most handshakes in flight at once (default 256)'),
  addresses: z
    .strictObject({
      pool: z
        .string()
        .optional()
        .describe(
          'source addresses: a CIDR in 127.0.0.0/8, an IPv6 CIDR such as fd00:5::/48 ' +
            '(made bindable for the run; root), ::1, or an address of this machine',
        ),
      prefix: z
        .number()
        .int()
        .min(17)
        .max(128)
        .optional()
        .describe(
          'IPv6 pools: each client (or NAT group) owns one /prefix of the pool (default ' +
            '64); its addresses stay inside it',
        ),
      per_address: positiveInt.optional().describe('clients sharing one address; > 1 models carrier-grade NAT'),
      via: z
        .enum(['socket', 'x-forwarded-for'])
        .optional()
        .describe(
          'socket: bind the address as the source (default); x-forwarded-for: send it in ' +
            'that header, for balancers that take the client address from it',
        ),
    })
    .optional()
    .describe('where the clients connect from'),
  cookies: z.boolean().optional().describe('keep cookies from the 101 response across reconnects (default true)'),
  session_key: z
    .string()
    .regex(/^(none|(query|header|cookie):[A-Za-z0-9_.-]+)$/, 'expected none, query:NAME, header:NAME or cookie:NAME')
    .optional()
    .describe(
      'none (default), or query:NAME / header:NAME / cookie:NAME: a per-client key ' +
        'sent on every connect (pairs with nginx-hash-query, nginx-hash-cookie)',
    ),
});
