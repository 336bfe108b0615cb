import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import {
  CONCLUDED,
  internals,
  looksLikeWsInternals,
  looksLikeWsReceiver,
  PARKED,
  symbolFields,
  wsSocketListeners,
  type Listener,
  type WsInternals,
  type WsReceiver,
} from './ws-internals.js';

/**
 * The receive side of an open client WebSocket, with ws's Receiver only while a frame needs it.
 *
 * Complete, small, unfragmented data frames are read straight out of the socket's chunk and emitted
 * as ws emits them (the WebSocket's 'message', data, isBinary). Anything else (a control frame, a
 * fragment, a frame cut by the chunk's end, a 64-bit length, a masked or oversized frame, an RSV bit)
 * and all that follows it in the chunk goes to ws's own Receiver, and so does every chunk while that
 * Receiver is mid-frame. Between such frames the connection holds no Receiver of its own ("parked"):
 * a Receiver is a Writable stream with its state, a bound `onwrite`, two arrays and six listeners,
 * about 0.8 KB a connection that an idle or echoing client never uses (80 MB at 100,000). One shared
 * stand-in (PARKED) answers where ws reads the Receiver's state without a check (`close()`,
 * `resume()`). A Receiver is made again, with the options and listeners ws gave the first one, when a
 * frame needs it (a pong, a fragment), and before the socket's 'end' and 'close' reach ws. A whole close frame
 * with a valid code (or none) is read here too, as ws's Receiver reads it (its 'conclude'), and the connection ends
 * with a finished stand-in (CONCLUDED): at a run's end every connection closes, and a Receiver made again for each
 * close frame was 0.1 s of CPU at 5,000 connections.
 *
 * The fields of ws it reads are in ws-internals.ts, checked on the first connection (`kitFrom`), and
 * ws's socket listeners are found by identity; a connection that looks otherwise is left to ws whole
 * and counted (summary.json's engine.receivers_kept). test/unit/frame-receiver.test.ts holds its
 * events against ws's own, chunk for chunk.
 */

/** What it takes to make a connection's Receiver again: ws's class, its options, its listeners. */
interface ReceiverKit {
  Receiver: new (options: object) => WsReceiver;
  options: {
    allowSynchronousEvents: boolean;
    binaryType: string;
    isServer: boolean;
    maxBufferedChunks?: number;
    maxFragments?: number;
    maxPayload: number;
    skipUTF8Validation: boolean;
  };
  /** ws's symbol under which a Receiver and a socket point back to their WebSocket. */
  kWebSocket: symbol;
  /** The Receiver's listeners, in the order ws added them (module functions of ws, shared by every connection). */
  receiverListeners: [string, Listener][];
  /** ws's answer to a close frame (its Receiver's 'conclude' listener, `this` the Receiver). */
  onConclude: Listener;
  socketOnData: Listener;
  socketOnEnd: Listener;
  socketOnClose: Listener;
}

/** ws's Receiver state between frames. */
const GET_INFO = 0;
const OPEN = 1;
const TEXT_FIN = 0x81;
const BINARY_FIN = 0x82;
const CLOSE_FIN = 0x88;
/** The longest payload of a control frame. */
const CONTROL_MAX = 125;
/** The code a close frame without a payload stands for. */
const NO_STATUS = 1005;
const RECEIVER_EVENTS = ['conclude', 'drain', 'error', 'message', 'ping', 'pong'];

let kit: ReceiverKit | null = null;

/** The one listener of `event`, or null when there is not exactly one. */
function onlyListener(emitter: Socket | WsReceiver, event: string): Listener | null {
  const listeners = emitter.listeners(event);
  return listeners.length === 1 ? (listeners[0] as Listener) : null;
}

/** Reads the kit off a freshly opened connection, or null when ws is not wired as this module knows. */
function kitFrom(ws: object, receiver: WsReceiver, socket: Socket): ReceiverKit | null {
  const kWebSocket = Object.getOwnPropertySymbols(receiver).find((symbol) => symbolFields(receiver)[symbol] === ws);
  if (!kWebSocket || symbolFields(socket)[kWebSocket] !== ws) return null;
  const receiverListeners: [string, Listener][] = [];
  for (const event of RECEIVER_EVENTS) {
    const listener = onlyListener(receiver, event);
    if (!listener) return null;
    receiverListeners.push([event, listener]);
  }
  // ws's socket listeners by identity (a bundled or renamed ws has the same functions under other names).
  const listeners = wsSocketListeners(ws.constructor as new () => object);
  if (!listeners || !looksLikeWsInternals(ws)) return null;
  const { data: socketOnData, end: socketOnEnd, close: socketOnClose } = listeners;
  if (!socket.listeners('data').includes(socketOnData)) return null;
  return {
    Receiver: receiver.constructor as ReceiverKit['Receiver'],
    options: optionsOf(receiver),
    kWebSocket,
    receiverListeners,
    onConclude: receiverListeners.find(([event]) => event === 'conclude')![1],
    socketOnData,
    socketOnEnd,
    socketOnClose,
  };
}

function optionsOf(receiver: WsReceiver): ReceiverKit['options'] {
  return {
    allowSynchronousEvents: receiver._allowSynchronousEvents,
    binaryType: receiver._binaryType,
    isServer: receiver._isServer,
    maxBufferedChunks: receiver._maxBufferedChunks,
    maxFragments: receiver._maxFragments,
    maxPayload: receiver._maxPayload,
    skipUTF8Validation: receiver._skipUTF8Validation,
  };
}

type ReceiverOptions = ReceiverKit['options'];
const sameOptions = (a: ReceiverOptions, b: ReceiverOptions) =>
  (Object.keys(a) as (keyof ReceiverOptions)[]).every((name) => a[name] === b[name]);

/** What parkReceiver did: parked the Receiver, found no ws WebSocket (a polling session), or kept it. */
export const PARK = { parked: 0, notWs: 1, kept: 2 } as const;

/**
 * Called at a client WebSocket's 'open': takes its Receiver away until a frame needs it, when its
 * messages need nothing the fast path skips (UTF-8 validation, another binary type, deferred events)
 * and ws is wired as this module knows. A connection it keeps whole costs about 0.8 KB more: the
 * caller counts it (summary.json's engine.receivers_kept).
 */
export function parkReceiver(ws: object): (typeof PARK)[keyof typeof PARK] {
  const { _receiver: receiver, _socket: socket } = internals(ws);
  if (!receiver || !socket || receiver === PARKED) return PARK.notWs;
  return parkable(ws, receiver, socket) ? park(ws, socket) : PARK.kept;
}

function parkable(ws: object, receiver: WsInternals['_receiver'], socket: Socket): boolean {
  if (!looksLikeWsReceiver(receiver)) return false;
  if (
    receiver._binaryType !== 'nodebuffer' ||
    !receiver._skipUTF8Validation ||
    receiver._allowSynchronousEvents === false ||
    receiver._isServer
  )
    return false;
  // One kit a process: a worker's connections share one scenario. Another scenario's options (a test
  // running several in one process) leave its connections to ws whole, which is only slower.
  kit ??= kitFrom(ws, receiver, socket);
  if (!kit || !sameOptions(kit.options, optionsOf(receiver)) || !idle(receiver)) return false;
  return (
    onlyListener(socket, 'data') === kit.socketOnData &&
    socket.listeners('end').includes(kit.socketOnEnd) &&
    socket.listeners('close').includes(kit.socketOnClose)
  );
}

function park(ws: object, socket: Socket): typeof PARK.parked {
  const { socketOnData, socketOnEnd, socketOnClose } = kit!;
  socket.removeListener('data', socketOnData);
  socket.removeListener('end', socketOnEnd);
  socket.removeListener('close', socketOnClose);
  socket.on('close', socketClosed);
  socket.on('data', socketData);
  socket.on('end', socketEnded);
  internals(ws)._receiver = PARKED;
  return PARK.parked;
}

/** The connection holds no Receiver of its own right now. */
export const isParked = (ws: object): boolean => internals(ws)._receiver === PARKED;

/** The connection's close frame was read without a Receiver (it ended with the finished stand-in). */
export const isConcluded = (ws: object): boolean => internals(ws)._receiver === CONCLUDED;

/** Gives a parked connection its Receiver back; anything that is not a parked WebSocket is left as it is. */
export function wakeReceiver(ws: object): void {
  const socket = ws as Partial<WsInternals>;
  if (socket._receiver !== PARKED || !socket._socket || !kit) return;
  const receiver = new kit.Receiver({ ...kit.options, extensions: socket._extensions });
  symbolFields(receiver)[kit.kWebSocket] = ws as WebSocket & WsInternals;
  for (const [event, listener] of kit.receiverListeners) receiver.on(event, listener);
  socket._receiver = receiver;
}

/** No frame under way, nothing buffered, not ended: the Receiver holds nothing a new one would not. */
function idle(receiver: WsReceiver): boolean {
  return (
    receiver._state === GET_INFO &&
    receiver._bufferedBytes === 0 &&
    receiver._fragmented === 0 &&
    !receiver._errored &&
    !receiver.writableEnded &&
    receiver.writableLength === 0 &&
    !receiver.writableNeedDrain
  );
}

/**
 * The socket's 'data' in place of ws's own: the fast path while parked, ws's Receiver from the first frame it cannot
 * take.
 */
function socketData(this: Socket, chunk: Buffer): void {
  const ws = symbolFields(this)[kit!.kWebSocket]!;
  // ws stops listening once its Receiver saw a close frame or an error; this listener stands in for its own.
  if (ws._closeFrameReceived || ws._errorEmitted) {
    this.removeListener('data', socketData);
    return;
  }
  if (ws._receiver === PARKED) {
    const at = emitSmallFrames(ws, chunk, kit!.options.maxPayload);
    if (at === chunk.length || concluded(ws, chunk, at)) return;
    wakeReceiver(ws);
    if (at > 0) chunk = chunk.subarray(at);
  }
  kit!.socketOnData.call(this, chunk);
  const receiver = ws._receiver;
  if (looksLikeWsReceiver(receiver) && ws._readyState === OPEN && idle(receiver)) ws._receiver = PARKED;
}

function socketEnded(this: Socket): void {
  wakeReceiver(symbolFields(this)[kit!.kWebSocket]!);
  kit!.socketOnEnd.call(this);
}

/** ws's own 'close' handling (it reads and ends the Receiver), with the Receiver back first. */
function socketClosed(this: Socket): void {
  const ws = symbolFields(this)[kit!.kWebSocket];
  if (ws) wakeReceiver(ws);
  // ws removes its own listeners here; these stand in for them.
  this.removeListener('data', socketData);
  this.removeListener('end', socketEnded);
  this.removeListener('close', socketClosed);
  kit!.socketOnClose.call(this);
}

/**
 * Emits the complete, small, unfragmented data frames at the start of `chunk` as the WebSocket's
 * 'message' events (what ws's Receiver listener does); returns where it stopped: at the chunk's end,
 * or at the first frame it leaves to ws. A server's frames are unmasked: a set mask bit (and 127, a
 * 64-bit length) is ws's to judge.
 */
function emitSmallFrames(ws: WebSocket, chunk: Buffer, maxPayload: number): number {
  const end = chunk.length;
  let at = 0;
  while (end - at >= 2) {
    const first = chunk[at];
    if (first !== TEXT_FIN && first !== BINARY_FIN) break;
    let length = chunk[at + 1];
    let dataAt = at + 2;
    if (length === 126) {
      if (end - at < 4) break;
      length = (chunk[at + 2] << 8) | chunk[at + 3];
      dataAt = at + 4;
    } else if (length > 126) break;
    if ((maxPayload > 0 && length > maxPayload) || dataAt + length > end) break;
    at = dataAt + length;
    ws.emit('message', chunk.subarray(dataAt, at), first === BINARY_FIN);
  }
  return at;
}

/** ws's test of a close frame's code (validation.js isValidStatusCode). */
const validCloseCode = (code: number) =>
  (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);

/**
 * Reads the close frame at `at` as ws's Receiver would (ws answers it, or ends the closing handshake it began), when
 * it is whole, unmasked and valid; false leaves it to ws. Nothing after a close frame is read, by ws either.
 */
function concluded(ws: WebSocket, chunk: Buffer, at: number): boolean {
  if (chunk[at] !== CLOSE_FIN || chunk.length - at < 2) return false;
  // A set mask bit makes the length byte 128 or more: ws's to refuse.
  const length = chunk[at + 1];
  if (length > CONTROL_MAX || length === 1 || at + 2 + length > chunk.length) return false;
  const code = length === 0 ? NO_STATUS : chunk.readUInt16BE(at + 2);
  if (length > 0 && !validCloseCode(code)) return false;
  (ws as WebSocket & WsInternals)._receiver = CONCLUDED;
  kit!.onConclude.call({ [kit!.kWebSocket]: ws }, code, chunk.subarray(at + Math.min(length, 2) + 2, at + 2 + length));
  return true;
}
