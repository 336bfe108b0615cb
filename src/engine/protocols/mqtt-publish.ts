/**
 * The two packets of MQTT's steady state, written and read without mqtt-packet: the client's QoS 0 PUBLISH to its
 * own topic, and the broker's copy of it coming back (and PINGRESP). mqtt-packet's generate and parser make an
 * emitter, a buffer list and a packet object for each (about a third of the CPU of an MQTT message in stickler);
 * every other packet, and any frame that is not exactly one of these, still goes through mqtt-packet.
 * test/unit/mqtt-publish.test.ts holds the bytes against mqtt-packet's, version 4 and 5.
 */

const PUBLISH = 0x30;
const PINGRESP = 0xd0;

/** The bytes of a QoS 0 PUBLISH to `topic` before its payload, less the remaining length. */
export interface PublishHead {
  /** Topic length and topic, then (MQTT 5) an empty property list. */
  readonly variable: Buffer;
  readonly topic: Buffer;
  readonly version: 4 | 5;
}

export function publishHead(topic: string, version: 4 | 5): PublishHead {
  const topicBytes = Buffer.from(topic);
  const variable = Buffer.alloc(2 + topicBytes.length + (version === 5 ? 1 : 0));
  variable.writeUInt16BE(topicBytes.length, 0);
  topicBytes.copy(variable, 2);
  return { variable, topic: topicBytes, version };
}

/** A QoS 0 PUBLISH of `payload` (ASCII or UTF-8 text). */
export function publishPacket(head: PublishHead, payload: string): Buffer {
  const payloadLength = Buffer.byteLength(payload);
  const remaining = head.variable.length + payloadLength;
  const lengthBytes = varintLength(remaining);
  const packet = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  packet[0] = PUBLISH;
  let at = writeVarint(packet, 1, remaining);
  at += head.variable.copy(packet, at);
  packet.write(payload, at, payloadLength, 'utf8');
  return packet;
}

/** read(): a whole PINGRESP. */
export const PINGRESP_READ = Symbol('pingresp');
/** read(): a whole QoS 0 PUBLISH to another topic. */
export const OTHER_TOPIC = Symbol('other topic');

/**
 * A frame that is exactly one QoS 0 PUBLISH to `head.topic`: its payload as text. PINGRESP_READ or OTHER_TOPIC for
 * those; null for anything else (mqtt-packet's parser reads it).
 */
export function readQuick(frame: Buffer, head: PublishHead): string | typeof PINGRESP_READ | typeof OTHER_TOPIC | null {
  if (frame.length === 2 && frame[0] === PINGRESP && frame[1] === 0) return PINGRESP_READ;
  // QoS 0, no DUP, RETAIN either way: the copy a broker forwards of a client's own publish.
  if ((frame[0] & 0xfe) !== PUBLISH || frame.length < 4) return null;
  const { value: remaining, next: topicAt } = readVarint(frame, 1);
  if (remaining < 2 || topicAt + remaining !== frame.length) return null;
  const topicLength = frame.readUInt16BE(topicAt);
  let at = topicAt + 2 + topicLength;
  if (at > frame.length) return null;
  if (topicLength !== head.topic.length || !sameBytes(frame, topicAt + 2, head.topic)) return OTHER_TOPIC;
  if (head.version === 5) {
    const properties = readVarint(frame, at);
    if (properties.value < 0) return null;
    at = properties.next + properties.value;
    if (at > frame.length) return null;
  }
  return frame.toString('utf8', at);
}

/**
 * Whether a frame is whole packets (none cut at its end): then mqtt-packet's parser keeps nothing of it, and the next
 * frame may be read without it.
 */
export function wholePackets(frame: Buffer): boolean {
  let at = 0;
  while (at < frame.length) {
    const { value, next } = readVarint(frame, at + 1);
    if (value < 0) return false;
    at = next + value;
  }
  return at === frame.length;
}

function sameBytes(frame: Buffer, at: number, bytes: Buffer): boolean {
  for (let k = 0; k < bytes.length; k++) if (frame[at + k] !== bytes[k]) return false;
  return true;
}

function varintLength(value: number): number {
  return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}

function writeVarint(into: Buffer, at: number, value: number): number {
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    into[at++] = byte;
  } while (rest > 0);
  return at;
}

/** MQTT's variable byte integer at `at`: its value (-1 when cut short or over four bytes) and where it ends. */
function readVarint(frame: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let multiplier = 1;
  for (let k = 0; k < 4; k++) {
    if (at + k >= frame.length) return { value: -1, next: at };
    const byte = frame[at + k];
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { value, next: at + k + 1 };
    multiplier *= 128;
  }
  return { value: -1, next: at };
}
