import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { noteSocketError, type Connection } from '../client/context.js';
import { parkReceiver, wakeReceiver } from './frame-receiver.js';

/**
 * A client WebSocket's events, handled by listeners every connection shares (`this` is the
 * WebSocket, which carries its connection) rather than by six closures per connection, each with its
 * context: about 500 bytes a connection, 50 MB at 100,000.
 */
const CONNECTION = Symbol('stickler.connection');
type SocketWithConnection = WebSocket & { [CONNECTION]: Connection };

/**
 * Hands the socket's events to the connection's owner. `on`, not `once`, though each fires once: a
 * once wrapper is a bound function and a state object, and an event whose last listener goes is
 * deleted from the emitter's `_events`, which turns it into a dictionary (about 440 bytes a connection).
 */
export function listenTo(ws: WebSocket, connection: Connection): void {
  (ws as SocketWithConnection)[CONNECTION] = connection;
  ws.on('upgrade', onUpgrade);
  ws.on('open', onOpen);
  ws.on('error', onError);
  ws.on('close', onClose);
  ws.on('message', onMessage);
  ws.on('pong', onPong);
}

/** The client closes an open connection: `ws.close()` reads the Receiver, so the connection gets it back first. */
export function closeWebSocket(ws: WebSocket, code: number, reason: string): void {
  wakeReceiver(ws);
  ws.close(code, reason);
}

/** The handshake is over (opened or closed): the worker's limiter may start another. */
export function settleHandshake(connection: Connection): void {
  const settle = connection.settle;
  connection.settle = null;
  settle?.();
}

const connectionOf = (ws: WebSocket): Connection => (ws as SocketWithConnection)[CONNECTION];

function onUpgrade(this: WebSocket, response: IncomingMessage): void {
  const connection = connectionOf(this);
  connection.owner.upgraded(connection, response);
}

function onOpen(this: WebSocket): void {
  const connection = connectionOf(this);
  parkReceiver(this);
  connection.owner.opened(connection);
}

function onError(this: WebSocket, error: Error): void {
  noteSocketError(connectionOf(this), error);
}

function onClose(this: WebSocket, code: number): void {
  const connection = connectionOf(this);
  connection.owner.closed(connection, code);
}

function onMessage(this: WebSocket, data: Buffer): void {
  const connection = connectionOf(this);
  connection.owner.message(connection, data);
}

function onPong(this: WebSocket): void {
  const connection = connectionOf(this);
  connection.owner.ponged(connection);
}
