import crypto from 'node:crypto';
import net from 'node:net';

/**
 * Small hostile WebSocket servers on loopback, written on raw TCP so that they can break the
 * protocol as no well-behaved library would: trickle their 101, send forbidden frames, flood.
 */
export type Behaviour =
  /** A normal 101 (x-backend-id: h1), then `after` is called with the socket. */
  | {
      kind: 'upgrade';
      after: (socket: net.Socket) => void;
      backendId?: string;
      /** Bytes written in the same write as the 101 (the n-th upgrade's): ws hands them over as the upgrade's head. */
      head?: (n: number) => Buffer;
    }
  /** The 101 response written one byte every `everyMs`; the first `normalFirst` upgrades are normal. */
  | { kind: 'trickle'; everyMs: number; normalFirst: number };

export interface HostileServer {
  url: string;
  /** Upgrade requests seen. */
  upgrades(): number;
  stop(): Promise<void>;
}

const acceptOf = (key: string) =>
  crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

function response101(key: string, backendId: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\nx-backend-id: ${backendId}\r\n\r\n`;
}

/** An unmasked server frame: FIN + opcode (and RSV bits when given), with a length header for `length` bytes of payload. */
export function frameHeader(opcode: number, length: number, flags = 0x80): Buffer {
  if (length < 126) return Buffer.from([flags | opcode, length]);
  if (length < 65536) {
    const header = Buffer.alloc(4);
    header[0] = flags | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = flags | opcode;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

export async function startHostileServer(behaviour: Behaviour): Promise<HostileServer> {
  let upgrades = 0;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let request = '';
    const onData = (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
      upgrades += 1;
      if (behaviour.kind === 'upgrade') {
        const head = behaviour.head?.(upgrades) ?? Buffer.alloc(0);
        socket.write(Buffer.concat([Buffer.from(response101(key, behaviour.backendId ?? 'h1'), 'latin1'), head]));
        behaviour.after(socket);
        return;
      }
      const text = response101(key, 'h1');
      if (upgrades <= behaviour.normalFirst) {
        socket.write(text);
        return;
      }
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || at >= text.length) return clearInterval(timer);
        socket.write(text[at++]);
      }, behaviour.everyMs);
      timers.add(timer);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    upgrades: () => upgrades,
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads the client's masked frames on `socket` and answers: each text or binary frame echoed, each ping ponged (frames
 * of up to 125 bytes, as stickler's are). `until` stops it (a server that goes silent).
 */
export function echoFrames(socket: net.Socket, until: () => boolean = () => false): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    if (until()) return;
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 6) {
      const length = buffered[1] & 0x7f;
      if (length >= 126 || buffered.length < 6 + length) break;
      const key = buffered.subarray(2, 6);
      const payload = Buffer.from(buffered.subarray(6, 6 + length).map((byte, i) => byte ^ key[i & 3]));
      const opcode = buffered[0] & 0x0f;
      if (opcode === 0x9) socket.write(Buffer.concat([frameHeader(0xa, length), payload]));
      if (opcode === 0x1 || opcode === 0x2) socket.write(Buffer.concat([frameHeader(opcode, length), payload]));
      buffered = buffered.subarray(6 + length);
    }
  });
}
