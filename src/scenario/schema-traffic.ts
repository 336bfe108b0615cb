import { z } from 'zod';
import { SIZE_HINT, parseSizeBytes } from '../util/size.js';
import { duration, positiveInt, share } from './schema-fields.js';
import { reply } from './schema-app.js';

/** What each open client sends, and how clients drop and come back. */
export const traffic = z.strictObject({
  interval: duration.optional().describe('each open client sends one message per interval (0 = none)'),
  size: positiveInt.max(1_048_576).optional().describe('payload bytes (default 64, at least 32)'),
  pattern: z
    .enum(['fixed', 'poisson'])
    .optional()
    .describe(
      'fixed (default): one message per interval on a grid (sent in batches up to 1% ' +
        'of the interval early, at most 10 ms; the clock starts at the send); poisson: ' +
        'exponential gaps of that mean',
    ),
  ping: duration.optional().describe('client ping interval (0 = none)'),
  message: z
    .string()
    .optional()
    .describe(
      'the message template: placeholders {{client}} {{seq}} {{id}} {{session}} ' +
        "{{now_ms}} {{backend}} {{pad:N}} and captured names (default: stickler's echo " +
        'marker padded to size)',
    ),
  reply: reply.optional(),
  event: z
    .string()
    .min(1)
    .optional()
    .describe(
      'socketio: the event emitted (default message); the message template is its argument (JSON when it parses)',
    ),
  reply_timeout: duration.optional().describe('a message with no reply by then counts as lost (default 10s)'),
  binary: z
    .boolean()
    .optional()
    .describe('true: messages and steps go in binary frames; templates may hold {{hex:..}} {{base64:..}} {{file:F}}'),
  count: positiveInt
    .optional()
    .describe('messages each client sends; then (their replies in) it closes and leaves for good'),
  think: z
    .union([duration, z.string().regex(/^\s*\S+\s*-\s*\S+\s*$/)])
    .optional()
    .describe('after each reply, wait this long before the next message ("1s", or "1s-3s" uniform): a closed loop'),
  max_buffered: z
    .union([z.number(), z.string()])
    .refine((value) => parseSizeBytes(value) !== undefined, { message: `expected ${SIZE_HINT}` })
    .optional()
    .describe(
      'most unsent bytes a connection holds (default 1MiB); above it the next messages are held back ' +
        '(messages.backpressured: not sent, not lost) until the target reads again',
    ),
  ping_timeout: duration
    .optional()
    .describe(
      'a pong missing this long closes the connection as dead: disconnects.by_reason.pong_timeout (default twice ping)',
    ),
  max_message: z
    .union([z.number(), z.string()])
    .refine((value) => parseSizeBytes(value) !== undefined, { message: `expected ${SIZE_HINT}` })
    .optional()
    .describe(
      'the largest message a client accepts (default 1MiB); a larger one closes the ' +
        'connection with 1009 and is counted under ' +
        'disconnects.by_reason.message_too_big',
    ),
});

export const churn = z.strictObject({
  drop_every: duration.optional().describe('mean life of a connection before its client drops it; 0 = never'),
  backoff: z
    .strictObject({
      initial: duration.optional().describe('first reconnect delay (default 100ms)'),
      max: duration.optional().describe('longest delay after repeated failures (default 5s)'),
      jitter: z.boolean().optional().describe('spread each delay at random (default true)'),
    })
    .optional()
    .describe('reconnect delays after a drop or a failed attempt'),
  change_address: share
    .optional()
    .describe(
      'share of reconnects made from a new address of the pool (another network: a new /prefix for IPv6 pools)',
    ),
  rotate_address: share
    .optional()
    .describe(
      "IPv6 pools: share of reconnects made from a new address inside the client's " +
        'own /prefix (temporary addresses, RFC 8981: a phone that did not change ' +
        'networks)',
    ),
});
