import type { Socket } from 'node:net';
import { Duplex, Writable } from 'node:stream';
import type WebSocket from 'ws';

/**
 * Every field private to ws 8 that stickler reads, in one place, with the checks that tell whether the ws
 * at hand is still the one this was written against. frame-receiver.ts parks a connection only when they
 * pass; test/unit/frame-receiver.test.ts holds the whole against ws's own behaviour.
 */

/** The fields of ws 8's Receiver that frame-receiver.ts reads. */
export interface WsReceiver extends Writable {
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

/** The fields of ws 8's WebSocket that frame-receiver.ts reads and writes. */
export interface WsInternals {
  _receiver: WsReceiver | ParkedReceiver | null;
  _socket: Socket | null;
  _readyState: number;
  _extensions: object;
  _closeFrameReceived: boolean;
  _errorEmitted: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ws's listeners take what their events carry
export type Listener = (...args: any[]) => void;

export const internals = (ws: object) => ws as WsInternals;

/** What ws keeps under one of its symbols on a Receiver or a socket (a back-reference to the WebSocket). */
export function symbolFields(holder: object): Record<symbol, (WebSocket & WsInternals) | undefined> {
  // eslint-disable-next-line no-restricted-syntax -- ws's symbol-keyed fields are in no type; only here are they read
  return holder as unknown as Record<symbol, (WebSocket & WsInternals) | undefined>;
}

const isNumber = (value: unknown) => typeof value === 'number';
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isObject = (value: unknown) => typeof value === 'object' && value !== null;
const maybeNumber = (value: unknown) => value === undefined || typeof value === 'number';

/** Each field of WsReceiver, and what its value must look like. */
const RECEIVER_SHAPE: Record<keyof Omit<WsReceiver, keyof Writable>, (value: unknown) => boolean> = {
  _state: isNumber,
  _bufferedBytes: isNumber,
  _fragmented: isNumber,
  _errored: isBoolean,
  _allowSynchronousEvents: isBoolean,
  _binaryType: (value) => typeof value === 'string',
  _isServer: isBoolean,
  _maxBufferedChunks: maybeNumber,
  _maxFragments: maybeNumber,
  _maxPayload: isNumber,
  _skipUTF8Validation: isBoolean,
};

/** Each field of WsInternals on an open connection, and what its value must look like. */
const WEBSOCKET_SHAPE: Record<keyof WsInternals, (value: unknown) => boolean> = {
  _receiver: isObject,
  _socket: isObject,
  _readyState: isNumber,
  _extensions: isObject,
  _closeFrameReceived: isBoolean,
  _errorEmitted: isBoolean,
};

const fits = (holder: object, shape: Record<string, (value: unknown) => boolean>) =>
  Object.entries(shape).every(([field, check]) => check((holder as Record<string, unknown>)[field]));

export function looksLikeWsReceiver(receiver: unknown): receiver is WsReceiver {
  return receiver instanceof Writable && fits(receiver, RECEIVER_SHAPE);
}

/** An open ws client WebSocket with every private field this module reads, of the kind it expects. */
export function looksLikeWsInternals(ws: object): boolean {
  return fits(ws, WEBSOCKET_SHAPE);
}

/** ws's own listeners on a socket it drives (functions of ws's module, the same for every connection). */
export interface SocketListeners {
  data: Listener;
  end: Listener;
  close: Listener;
}

/** ws's WebSocket as setSocket sees it: made without an address, given a socket. */
type ServerSideWebSocket = new (
  address: null,
  protocols: undefined,
  options: object,
) => { on(event: string, listener: Listener): void; setSocket(socket: Duplex, head: Buffer, options: object): void };

/**
 * ws's socket listeners, found by identity: a WebSocket of the same class is given a bare stream, and
 * what it adds there is ws's (a stream adds no listeners of its own). Null when ws does not take a
 * socket that way any more. Names are not trusted: a bundler may rename a function.
 */
export function wsSocketListeners(WebSocketClass: new (...args: never[]) => object): SocketListeners | null {
  // Once a class: a connection open where the kit was refused must not make a probe WebSocket each time.
  if (!calibrated.has(WebSocketClass)) calibrated.set(WebSocketClass, probeListeners(WebSocketClass));
  return calibrated.get(WebSocketClass)!;
}

const calibrated = new WeakMap<object, SocketListeners | null>();

function probeListeners(WebSocketClass: new (...args: never[]) => object): SocketListeners | null {
  try {
    const stream = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
    // A WebSocket made without an address is a server's, the kind setSocket takes as it is.
    // eslint-disable-next-line no-restricted-syntax -- setSocket is ws's own, private, way in
    const Class = WebSocketClass as unknown as ServerSideWebSocket;
    const probe = new Class(null, undefined, {});
    probe.on('error', () => {});
    probe.setSocket(stream, Buffer.alloc(0), {});
    const only = (event: string) => {
      const listeners = stream.listeners(event);
      return listeners.length === 1 ? (listeners[0] as Listener) : null;
    };
    const [data, end, close] = [only('data'), only('end'), only('close')];
    stream.destroy();
    return data && end && close ? { data, end, close } : null;
  } catch {
    return null;
  }
}

/**
 * Stands in for a parked connection's Receiver wherever ws reads it without a check (`close()`,
 * `resume()`, `emitClose()`): the state of an idle Receiver. Anything that would give it a frame
 * (the socket's 'data', 'end' and 'close') wakes the real one first, so a write to it is a bug, said loudly.
 */
export class ParkedReceiver {
  readonly _writableState: Readonly<{ errorEmitted: boolean; needDrain: boolean; finished: boolean }> = Object.freeze({
    errorEmitted: false,
    needDrain: false,
    finished: false,
  });

  removeAllListeners(): this {
    return this;
  }

  write(): never {
    throw new Error('stickler: ws wrote to a parked Receiver; frame-receiver.ts and this ws disagree');
  }

  end(): this {
    throw new Error('stickler: ws ended a parked Receiver; frame-receiver.ts and this ws disagree');
  }

  set _binaryType(_type: string) {
    throw new Error("stickler: a parked connection's binaryType cannot change; wake its Receiver first");
  }
}

/** The one stand-in every parked connection shares. */
export const PARKED = new ParkedReceiver();

/**
 * Stands in for the Receiver of a connection whose close frame the fast path read: ended and finished, as ws's own
 * is once it has read one (ws ends it again at the socket's 'end' and 'close', and emits 'close' when it finished).
 */
class ConcludedReceiver extends ParkedReceiver {
  override readonly _writableState = Object.freeze({ errorEmitted: false, needDrain: false, finished: true });

  override end(): this {
    return this;
  }
}

/** The one stand-in every connection whose close frame the fast path read shares. */
export const CONCLUDED = new ConcludedReceiver();
