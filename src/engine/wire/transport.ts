import type { EventEmitter } from 'node:events';

/**
 * What a connection runs on: a ws WebSocket, or a protocol's own session that behaves as one (Socket.IO's
 * polling session). It emits what a ws client WebSocket emits: 'upgrade' (the 101 response), 'open',
 * 'message' (data, isBinary), 'pong', 'error' and 'close' (code), and its readyState takes ws's values.
 */
export interface Transport extends EventEmitter {
  readonly readyState: number;
  send(data: Buffer | string, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
}
