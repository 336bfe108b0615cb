/**
 * What the package exports to code: the types of a protocol module (docs/protocol-modules.md). stickler itself is
 * a command (bin/stickler.js); nothing here runs.
 */
export type {
  ProtocolClient,
  ProtocolConnection,
  ProtocolEvent,
  ProtocolFrame,
  ProtocolModule,
} from './engine/protocols/protocol-module.js';
