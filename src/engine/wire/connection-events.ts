import type { IncomingMessage } from 'node:http';
import { noteSocketError, type Connection } from '../client/context.js';
import { PARK, parkReceiver } from './frame-receiver.js';
import type { Transport } from './transport.js';

/**
 * A client WebSocket's events, handled by listeners every connection shares (`this` is the
 * WebSocket, which carries its connection) rather than by six closures per connection, each with its
 * context: about 500 bytes a connection, 50 MB at 100,000.
 */
const CONNECTION = Symbol('stickler.connection');
type TransportWithConnection = Transport & { [CONNECTION]: Connection };

/**
 * Hands the socket's events to the connection's owner. `on`, not `once`, though each fires once: a
 * once wrapper is a bound function and a state object, and an event whose last listener goes is
 * deleted from the emitter's `_events`, which turns it into a dictionary (about 440 bytes a connection).
 */
export function listenTo(ws: Transport, connection: Connection): void {
  (ws as TransportWithConnection)[CONNECTION] = connection;
  ws.on('upgrade', onUpgrade);
  ws.on('open', onOpen);
  ws.on('error', onError);
  ws.on('close', onClose);
  ws.on('message', onMessage);
  ws.on('pong', onPong);
  ws.on('ping', onPing);
}

/**
 * The client closes an open connection. A parked one stays parked: `ws.close()` reads only what the stand-in
 * answers, and the server's close frame is read without a Receiver (frame-receiver.ts).
 */
export function closeWebSocket(ws: Transport, code: number, reason: string): void {
  ws.close(code, reason);
}

/** The handshake is over (opened or closed): the worker's limiter may start another. */
export function settleHandshake(connection: Connection): void {
  const settle = connection.settle;
  connection.settle = null;
  settle?.();
}

const connectionOf = (ws: Transport): Connection => (ws as TransportWithConnection)[CONNECTION];

function onUpgrade(this: Transport, response: IncomingMessage): void {
  const connection = connectionOf(this);
  connection.owner.upgraded(connection, response);
}

function onOpen(this: Transport): void {
  const connection = connectionOf(this);
  if (parkReceiver(this) === PARK.kept) connection.owner.keptReceiver();
  connection.owner.opened(connection);
}

function onError(this: Transport, error: Error): void {
  noteSocketError(connectionOf(this), error);
}

function onClose(this: Transport, code: number): void {
  const connection = connectionOf(this);
  connection.owner.closed(connection, code);
}

function onMessage(this: Transport, data: Buffer, isBinary: boolean): void {
  const connection = connectionOf(this);
  connection.owner.message(connection, data, isBinary);
}

function onPing(this: Transport): void {
  const connection = connectionOf(this);
  connection.owner.pinged(connection);
}

function onPong(this: Transport): void {
  const connection = connectionOf(this);
  connection.owner.ponged(connection);
}
