import { z } from 'zod';
import { duration } from '../schema-fields.js';

/** protocol: the built-in ones by name, or the user's own module. */
export const protocol = z
  .union([
    z.enum(['ws', 'socketio', 'mqtt']),
    z.strictObject({
      module: z
        .string()
        .min(1)
        .describe('an ES module (.mjs/.js) whose default export is a ProtocolModule, relative to the scenario file'),
    }),
  ])
  .optional()
  .describe(
    'ws (default): WebSocket text frames; socketio: Socket.IO v4 sessions (Engine.IO v4); mqtt: MQTT over ' +
      'WebSocket; { module: ./my-protocol.mjs }: your own protocol (see docs/protocol-modules.md)',
  );

export const mqtt = z
  .strictObject({
    version: z
      .union([z.literal(4), z.literal(5)])
      .optional()
      .describe('4 = MQTT 3.1.1 (default), 5 = MQTT 5'),
    client_id: z
      .string()
      .min(1)
      .optional()
      .describe('the CONNECT client id, kept across reconnects (default "stickler-{{client}}")'),
    clean: z
      .boolean()
      .optional()
      .describe(
        'false: persistent sessions (each reconnect expects CONNACK "session present": continuity); ' + 'default true',
      ),
    qos: z
      .union([z.literal(0), z.literal(1)])
      .optional()
      .describe("the subscription's and the messages' QoS (default 0)"),
    topic: z
      .string()
      .min(1)
      .optional()
      .describe(
        'each client subscribes to it and publishes its traffic there: the message back through the broker ' +
          'is its timed reply (default "stickler/{{client}}")',
      ),
    keepalive: duration
      .optional()
      .describe('PINGREQ every keepalive; no PINGRESP within it closes the connection as dead (default 30s)'),
  })
  .optional()
  .describe('protocol: mqtt only');
