import { randomFillSync } from 'node:crypto';
import type { Duplex } from 'node:stream';

/**
 * Client text frames written straight to a WebSocket's socket: header, masking key and masked
 * payload in one buffer, one write. This is what `ws.send` puts on the wire for an uncompressed
 * text message, without its per-message option objects, checks and dispatch, which cost about 8%
 * of the CPU of an echo (`node dist/bench/socket-costs.js send`). Frames go uncompressed (compression: true
 * only offers permessage-deflate for what the server sends), and only while the WebSocket is OPEN: `ws` writes
 * its own frames (pings, pongs, close) synchronously, so frames never interleave.
 */

/**
 * Masking keys come from a pool of random bytes, refilled when spent (as `ws` does): a fresh, unpredictable key per
 * frame (RFC 6455, 5.3).
 */
const POOL_BYTES = 8192;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

const OPCODE_TEXT_FIN = 0x81;
const OPCODE_BINARY_FIN = 0x82;
const MASK_BIT = 0x80;

/**
 * The frame of one masked text message: FIN, opcode 1, the length in 7, 16 or 64 bits, the key, the payload XOR the
 * key.
 */
export function maskedTextFrame(payload: Buffer | string, binary = false): Buffer {
  if (typeof payload === 'string') return maskedStringFrame(payload, binary);
  const frame = frameWithKey(payload.length, binary);
  const dataAt = frame.length - payload.length;
  for (let i = 0; i < payload.length; i++) frame[dataAt + i] = payload[i] ^ frame[dataAt - 4 + (i & 3)];
  return frame;
}

/**
 * A string's frame: ASCII (most templates) is written and masked in one pass, with no buffer of its own to allocate
 * and copy; anything else goes as UTF-8.
 */
function maskedStringFrame(text: string, binary: boolean): Buffer {
  const length = text.length;
  const frame = frameWithKey(length, binary);
  const dataAt = frame.length - length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return maskedTextFrame(Buffer.from(text), binary);
    frame[dataAt + i] = code ^ frame[dataAt - 4 + (i & 3)];
  }
  return frame;
}

/** A frame's buffer for `length` payload bytes, its header and masking key written. */
function frameWithKey(length: number, binary: boolean): Buffer {
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const keyAt = 2 + lengthBytes;
  const frame = Buffer.allocUnsafe(keyAt + 4 + length);
  frame[0] = binary ? OPCODE_BINARY_FIN : OPCODE_TEXT_FIN;
  if (lengthBytes === 0) frame[1] = MASK_BIT | length;
  else if (lengthBytes === 2) {
    frame[1] = MASK_BIT | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = MASK_BIT | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  if (poolAt === POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  for (let i = 0; i < 4; i++) frame[keyAt + i] = pool[poolAt++];
  return frame;
}

/**
 * Sends `payload` as one text (or binary) message on the socket of an open client WebSocket. With permessage-deflate
 * negotiated the frame goes uncompressed (RSV1 clear), which RFC 7692 allows.
 */
export function writeTextFrame(socket: Duplex, payload: Buffer | string, binary = false): void {
  socket.write(maskedTextFrame(payload, binary));
}
