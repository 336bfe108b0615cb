/**
 * The two packets of Socket.IO's steady state, written and read without socket.io-parser: the client's EVENT with
 * its ack id, and the server's ACK of it. socket.io-parser's Encoder walks the data for binaries and stringifies it
 * again, and its Decoder is an emitter per client that parses the ack's data, which stickler never reads. Everything
 * else (CONNECT, server emits, binary packets) still goes through socket.io-parser. test/unit/socketio-codec.test.ts
 * holds both against it.
 */

const ACK = 0x33;
const SLASH = 0x2f;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;

/**
 * The WebSocket text of an emit: Engine.IO message "4", Socket.IO EVENT "2", the namespace unless "/", the ack id, and
 * `[event, argument]` with `argumentJson` (already JSON) as it is.
 */
export function eventFrame(namespace: string, ackId: number | undefined, event: string, argumentJson: string): string {
  return `42${namespace === '/' ? '' : `${namespace},`}${ackId ?? ''}[${JSON.stringify(event)},${argumentJson}]`;
}

/** The argument of an emit as JSON: a template that renders JSON goes as that value, anything else as a string. */
export function argumentJson(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

/** The id of a Socket.IO ACK packet ("3", a namespace and a comma unless "/", the id, its data), else -1. */
export function ackIdOf(packet: string): number {
  if (packet.charCodeAt(0) !== ACK) return -1;
  let at = 1;
  if (packet.charCodeAt(at) === SLASH) {
    at = packet.indexOf(String.fromCharCode(COMMA), at) + 1;
    if (at === 0) return -1;
  }
  const start = at;
  let id = 0;
  for (; at < packet.length && at - start < 15; at++) {
    const digit = packet.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) break;
    id = id * 10 + digit;
  }
  return at > start && packet.charCodeAt(at) === OPEN_BRACKET ? id : -1;
}
