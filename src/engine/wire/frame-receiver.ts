import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import type WebSocket from 'ws';

/**
 * The receive side of an open client WebSocket, with ws's Receiver only while a frame needs it.
 *
 * Complete, small, unfragmented data frames are read straight out of the socket's chunk and emitted
 * as ws emits them (the WebSocket's 'message', data, isBinary). Anything else (a control frame, a
 * fragment, a frame cut by the chunk's end, a 64-bit length, a masked or oversized frame, an RSV bit)
 * and all that follows it in the chunk goes to ws's own Receiver, and so does every chunk while that
 * Receiver is mid-frame. Between such frames the connection holds no Receiver at all ("parked"): a
 * Receiver is a Writable stream with its state, a bound `onwrite`, two arrays and six listeners,
 * about 0.8 KB a connection that an idle or echoing client never uses (80 MB at 100,000). It is made
 * again, with the options and listeners ws gave the first one, when a frame needs it (a pong, a
 * close, a fragment), and before anything of ws's that reads it: the socket's 'end' and 'close', and
 * the client's own `close()` (`wakeReceiver`).
 *
 * It reads fields private to ws 8's WebSocket and Receiver, checked on the first connection
 * (`kitFrom`); a connection whose receiver or socket listeners look different is left to ws whole.
 * test/unit/frame-receiver.test.ts holds its events against ws's own, chunk for chunk.
 */

/** The fields of ws 8's Receiver this module reads. */
interface WsReceiver extends Writable {
  _state: number;
  _bufferedBytes: number;
  _fragmented: number;
  _errored: boolean;
  _allowSynchronousEvents: boolean;
  _binaryType: string;
  _isServer: boolean;
  _maxBufferedChunks?: number;
  _maxFragments?: number;
  _maxPayload: number;
  _skipUTF8Validation: boolean;
}

/** The fields of ws 8's WebSocket this module reads and writes. */
interface WsInternals {
  _receiver: WsReceiver | null;
  _socket: Socket | null;
  _readyState: number;
  _extensions: object;
  _closeFrameReceived: boolean;
  _errorEmitted: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ws's listeners take what their events carry
type Listener = (...args: any[]) => void;

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
  socketOnData: Listener;
  socketOnEnd: Listener;
  socketOnClose: Listener;
}

/** ws's Receiver state between frames. */
const GET_INFO = 0;
const OPEN = 1;
const TEXT_FIN = 0x81;
const BINARY_FIN = 0x82;
const RECEIVER_EVENTS = ['conclude', 'drain', 'error', 'message', 'ping', 'pong'];

let kit: ReceiverKit | null = null;

const internals = (ws: object) => ws as WsInternals;

/** What ws keeps under one of its symbols on a Receiver or a socket (a back-reference to the WebSocket). */
// ws's symbol-keyed fields are in no type; this is the one place they are read.
// eslint-disable-next-line no-restricted-syntax -- see above
const symbolFields = (holder: object) => holder as unknown as Record<symbol, (WebSocket & WsInternals) | undefined>;

function looksLikeWsReceiver(receiver: Partial<WsReceiver> | null | undefined): receiver is WsReceiver {
  return (
    receiver instanceof Writable &&
    typeof receiver._state === 'number' &&
    typeof receiver._bufferedBytes === 'number' &&
    typeof receiver._fragmented === 'number' &&
    typeof receiver._maxPayload === 'number'
  );
}

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
  // ws's socket listeners, by their names in ws's source (a minified ws leaves every connection to ws).
  const wsListener = (event: string, name: string) =>
    socket.listeners(event).find((listener) => listener.name === name) as Listener | undefined;
  const socketOnData = wsListener('data', 'socketOnData');
  const socketOnEnd = wsListener('end', 'socketOnEnd');
  const socketOnClose = wsListener('close', 'socketOnClose');
  if (!socketOnData || !socketOnEnd || !socketOnClose) return null;
  return {
    Receiver: receiver.constructor as ReceiverKit['Receiver'],
    options: optionsOf(receiver),
    kWebSocket,
    receiverListeners,
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

/**
 * Called at a client WebSocket's 'open': takes its Receiver away until a frame needs it, when its
 * messages need nothing the fast path skips (UTF-8 validation, another binary type, deferred events)
 * and ws is wired as this module knows. Returns whether it did.
 */
export function parkReceiver(ws: object): boolean {
  const { _receiver: receiver, _socket: socket } = internals(ws);
  if (!looksLikeWsReceiver(receiver) || !socket) return false;
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
  if (
    onlyListener(socket, 'data') !== kit.socketOnData ||
    !socket.listeners('end').includes(kit.socketOnEnd) ||
    !socket.listeners('close').includes(kit.socketOnClose)
  )
    return false;
  socket.removeListener('data', kit.socketOnData);
  socket.removeListener('end', kit.socketOnEnd);
  socket.removeListener('close', kit.socketOnClose);
  socket.on('close', socketClosed);
  socket.on('data', socketData);
  socket.on('end', socketEnded);
  internals(ws)._receiver = null;
  return true;
}

/** Gives a parked connection its Receiver back; anything that is not a parked WebSocket is left as it is. */
export function wakeReceiver(ws: object): void {
  const socket = ws as Partial<WsInternals>;
  if (socket._receiver !== null || !socket._socket || !kit) return;
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
  if (ws._receiver === null) {
    const at = emitSmallFrames(ws, chunk, kit!.options.maxPayload);
    if (at === chunk.length) return;
    wakeReceiver(ws);
    if (at > 0) chunk = chunk.subarray(at);
  }
  kit!.socketOnData.call(this, chunk);
  const receiver = ws._receiver;
  if (receiver && ws._readyState === OPEN && idle(receiver)) ws._receiver = null;
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
