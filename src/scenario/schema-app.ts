import { z } from 'zod';
import { duration } from './schema-fields.js';

/** The scenario schema's conversation: how the backend is named, replies, on_open steps and pushes. */
export const identify = z.strictObject({
  header: z.string().min(1).optional().describe('101-response header naming the backend (default x-backend-id)'),
  message_field: z
    .string()
    .min(1)
    .optional()
    .describe('field of the first JSON message naming the backend (default server)'),
  cookie: z.string().min(1).optional().describe('cookie whose value names the backend'),
  step: z.string().min(1).optional().describe("look for message_field in this on_open step's answer only"),
});

const STEP_NAME = /^[A-Za-z0-9_-]+$/;
const jsonSubset = z.record(z.string(), z.unknown());

const validRegex = (source: string) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
};
const regex = z.string().refine(validRegex, { message: 'expected a regular expression (JavaScript syntax)' });

/** A check written wrong ({ bytes: { prefix: [] } }) would pass for a JSON subset: it is refused instead. */
function looksLikeCheck(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  if (keys.length === 1 && ['text', 'regex', 'bytes'].includes(keys[0])) return true;
  return keys.includes('path') && keys.every((key) => ['path', 'equals', 'matches'].includes(key));
}

/** A check on one message: a JSON subset, the whole text, a regex, a value at a path, or a binary frame's bytes. */
export const check = z
  .union([
    z.strictObject({ text: z.string().describe('the whole message, exactly') }),
    z.strictObject({ regex: regex.describe('a regular expression the message text matches') }),
    z.strictObject({
      path: z.string().min(1).describe('dotted path into a JSON message'),
      equals: z.unknown().optional().describe('the value there (a JSON subset for objects)'),
      matches: regex.optional().describe('a regular expression the value there matches'),
    }),
    z.strictObject({
      bytes: z
        .strictObject({
          length: z.number().int().nonnegative().optional().describe("the binary frame's length"),
          prefix: z
            .string()
            .regex(/^([0-9a-fA-F]{2})+$/, 'expected hex bytes such as 03ff')
            .optional()
            .describe('its first bytes, in hex'),
        })
        .describe('a binary frame: its length and first bytes'),
    }),
    jsonSubset.refine((value) => !looksLikeCheck(value), {
      message:
        'expected { text: STRING }, { regex: REGEX }, { path: PATH, equals: VALUE | matches: REGEX } or ' +
        '{ bytes: { length: N, prefix: HEX } }',
    }),
  ])
  .describe(
    'a JSON subset, { text }, { regex }, { path, equals | matches } or, for binary frames, ' +
      '{ bytes: { length, prefix } }; string values may hold placeholders ({{data.user}})',
  );

export const reply = z
  .union([
    z.enum(['echo', 'next', 'none', 'ack']),
    z.strictObject({
      field: z.string().min(1).describe("dotted path of the reply field that equals the message's {{id}}"),
    }),
  ])
  .describe(
    'how a reply is matched to its message: echo (default: the message comes back), ' +
      "{ field: PATH } (a JSON reply whose PATH equals the message's {{id}}), next " +
      '(the next server message), none (fire and forget)',
  );

export const step = z.strictObject({
  name: z
    .string()
    .regex(STEP_NAME, 'expected letters, digits, dashes and underscores')
    .describe('names the step in latency.steps.NAME and steps.NAME'),
  send: z.string().describe('the message template the step sends'),
  expect: check.optional().describe("the check that judges the step's answer (omit: no answer awaited)"),
  match: check
    .optional()
    .describe(
      'which message is this client\'s answer (a peer\'s broadcast is not): a check, e.g. { user: "{{data.user}}" }',
    ),
  fail_on: check
    .optional()
    .describe('an answer that fails the step; any message that is neither the answer nor this leaves the step waiting'),
  timeout: duration
    .optional()
    .describe('how long to wait for the expected answer (default 5s); a failed step closes the connection'),
  capture: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a placeholder name'), z.string().min(1))
    .optional()
    .describe('NAME: dotted path of the answer, remembered as {{NAME}} for the templates that follow'),
  continuity: z
    .boolean()
    .optional()
    .describe(
      "true: the step resumes the client's session (send {{session}}, expect the " +
        'app\'s "resumed" answer); it runs on reconnects only; another answer counts as ' +
        'lost state (continuity.lost) and the connection goes on, no answer as lost ' +
        'state and a failed step',
    ),
});

export const push = z.strictObject({
  match: check
    .optional()
    .describe("a JSON subset a push contains (default: every message that is neither a reply nor a step's answer)"),
  sent_at: z
    .string()
    .min(1)
    .optional()
    .describe("dotted path of the server's send time (epoch ms) in a push: it is then timed (latency.push)"),
});

export const closeStep = z.strictObject({
  send: z.string().describe('a message template sent before the client closes'),
});
