import { Writable } from 'node:stream';
import type WebSocket from 'ws';

/**
 * The receive side's fast path: complete, small, unfragmented data frames are read straight out of
 * the socket's chunk and emitted as ws's Receiver emits them ('message', data, isBinary); anything
 * else (a control frame, a fragment, a frame cut by the chunk's end, a 64-bit length, a masked or
 * oversized frame, an RSV bit) and all that follows it in the chunk goes to ws's own parser, as does
 * every chunk that arrives while that parser is mid-frame. A message on the fast path skips the
 * Writable stream under the Receiver (its bookkeeping and a nextTick per chunk) and ws's slicing of
 * its buffers (four Buffer views and an array per message).
 *
 * It reads fields private to ws 8's Receiver, checked when it is installed (`looksLikeWsReceiver`);
 * test/unit/frame-receiver.test.ts holds its events against ws's own parser, chunk for chunk.
 */

/** The fields of ws 8's Receiver the fast path reads. */
export interface WsReceiver extends Writable {
  _state: number;
  _bufferedBytes: number;
  _fragmented: number;
  _errored: boolean;
  _maxPayload: number;
  _binaryType: string;
  _skipUTF8Validation: boolean;
  _allowSynchronousEvents: boolean;
}

/** ws's Receiver state between frames. */
const GET_INFO = 0;
const TEXT_FIN = 0x81;
const BINARY_FIN = 0x82;
const writeToWs = Writable.prototype.write as (this: Writable, chunk: Buffer) => boolean;

function looksLikeWsReceiver(receiver: Partial<WsReceiver> | undefined): receiver is WsReceiver {
  return (
    receiver instanceof Writable &&
    typeof receiver._state === 'number' &&
    typeof receiver._bufferedBytes === 'number' &&
    typeof receiver._fragmented === 'number' &&
    typeof receiver._maxPayload === 'number'
  );
}

/**
 * Puts the fast path in front of a Receiver, when it is one this module knows and its messages
 * need nothing the fast path skips (UTF-8 validation, another binary type, deferred events).
 */
export function readSmallFramesDirectly(receiver: Partial<WsReceiver> | undefined): boolean {
  if (!looksLikeWsReceiver(receiver)) return false;
  if (receiver._binaryType !== 'nodebuffer' || !receiver._skipUTF8Validation || receiver._allowSynchronousEvents === false) return false;
  receiver.write = receiveFrames as WsReceiver['write'];
  return true;
}

/** The fast path for an open client WebSocket's Receiver. */
export function readFramesDirectly(ws: WebSocket): boolean {
  return readSmallFramesDirectly((ws as unknown as { _receiver?: Partial<WsReceiver> })._receiver);
}

/** Receiver.write with the fast path: ws's socket 'data' listener calls it with each chunk. */
function receiveFrames(this: WsReceiver, chunk: Buffer): boolean {
  if (this._state !== GET_INFO || this._bufferedBytes !== 0 || this._fragmented !== 0 || this._errored || this.writableEnded) {
    return writeToWs.call(this, chunk);
  }
  const end = chunk.length;
  const maxPayload = this._maxPayload;
  let at = 0;
  while (end - at >= 2) {
    const first = chunk[at];
    if (first !== TEXT_FIN && first !== BINARY_FIN) break;
    // A server's frames are unmasked: a set mask bit (and 127, a 64-bit length) is ws's to judge.
    let length = chunk[at + 1];
    let dataAt = at + 2;
    if (length === 126) {
      if (end - at < 4) break;
      length = (chunk[at + 2] << 8) | chunk[at + 3];
      dataAt = at + 4;
    } else if (length > 126) break;
    if ((maxPayload > 0 && length > maxPayload) || dataAt + length > end) break;
    at = dataAt + length;
    this.emit('message', chunk.subarray(dataAt, at), first === BINARY_FIN);
  }
  if (at === end) return true;
  return writeToWs.call(this, at === 0 ? chunk : chunk.subarray(at));
}
