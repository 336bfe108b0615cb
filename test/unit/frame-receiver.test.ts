import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { openClientSocket } from '../../src/engine/wire/client-socket.js';
import { closeWebSocket } from '../../src/engine/wire/connection-events.js';
import { isConcluded, isParked, PARK, parkReceiver, wakeReceiver } from '../../src/engine/wire/frame-receiver.js';
import { seededRandom } from '../../src/util/rng.js';
import { fileURLToPath } from 'node:url';

const MAX_PAYLOAD = 4000;

/** A copy of ws and the frame reader built against it: from the sources, or out of the bundled load worker. */
interface Kit {
  name: string;
  WebSocket: typeof WebSocket;
  parkReceiver: typeof parkReceiver;
  wakeReceiver: typeof wakeReceiver;
  isParked: typeof isParked;
  isConcluded: typeof isConcluded;
  PARK: typeof PARK;
}

const SOURCE: Kit = { name: 'node_modules ws', WebSocket, parkReceiver, wakeReceiver, isParked, isConcluded, PARK };
/** The load worker as `npm run build` bundles it: its own copy of ws, as a run's workers use it. */
const BUNDLED_WORKER = fileURLToPath(new URL('../../src/bundle/worker.js', import.meta.url));

/** One server frame (unmasked unless asked), with the length in 7, 16 or 64 bits. */
function frame(first: number, payload: Buffer, options: { masked?: boolean; long?: boolean } = {}): Buffer {
  const length = payload.length;
  const header = options.long ? Buffer.alloc(10) : length < 126 ? Buffer.alloc(2) : Buffer.alloc(4);
  header[0] = first;
  if (options.long) {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  } else if (length < 126) header[1] = length;
  else {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  }
  if (!options.masked) return Buffer.concat([header, payload]);
  header[1] |= 0x80;
  return Buffer.concat([header, Buffer.from([1, 2, 3, 4]), payload.map((byte, i) => byte ^ [1, 2, 3, 4][i % 4])]);
}

const text = (rand: () => number, max: number) =>
  Buffer.from(
    Array.from({ length: Math.floor(rand() * max) }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join(''),
  );

/** A stream of frames a server might send: mostly small data frames, with control frames, fragments and the odd invalid frame. */
function serverFrames(rand: () => number): Buffer[] {
  const frames: Buffer[] = [];
  const count = 1 + Math.floor(rand() * 12);
  for (let i = 0; i < count; i++) {
    const pick = rand();
    if (pick < 0.35) frames.push(frame(0x81, text(rand, 126)));
    else if (pick < 0.5) frames.push(frame(0x81, text(rand, 3000)));
    else if (pick < 0.6) frames.push(frame(0x82, Buffer.from(text(rand, 300).map((b) => b ^ 0xff))));
    else if (pick < 0.68) frames.push(frame(0x89, text(rand, 20)));
    else if (pick < 0.74) frames.push(frame(0x8a, text(rand, 20)));
    else if (pick < 0.84) {
      // A fragmented text message, with a ping between its fragments.
      frames.push(
        frame(0x01, text(rand, 200)),
        frame(0x89, Buffer.from('p')),
        frame(0x00, text(rand, 200)),
        frame(0x80, text(rand, 200)),
      );
    } else if (pick < 0.86) {
      // A data frame inside a fragmented message: a protocol error ws must see.
      frames.push(frame(0x01, text(rand, 30)), frame(0x81, text(rand, 30)));
    } else if (pick < 0.88) frames.push(frame(0x81, text(rand, 100), { long: true }));
    else if (pick < 0.9) frames.push(frame(0x81, Buffer.alloc(MAX_PAYLOAD + 1 + Math.floor(rand() * 100), 97)));
    else if (pick < 0.92) frames.push(frame(0x81, text(rand, 50), { masked: true }));
    else if (pick < 0.94) frames.push(frame(0xc1, text(rand, 50)));
    else if (pick < 0.96) frames.push(closeFrame(rand));
    else frames.push(frame(0x81, Buffer.alloc(0)));
  }
  return frames;
}

/** A server's close frame: mostly valid (read by stickler's fast path), or one ws must refuse or read itself. */
function closeFrame(rand: () => number): Buffer {
  const code = (value: number, reason = '') =>
    Buffer.concat([Buffer.from([value >> 8, value & 255]), Buffer.from(reason)]);
  const kinds = [
    () => frame(0x88, code(1000, 'bye')),
    () => frame(0x88, Buffer.alloc(0)),
    () => frame(0x88, code(4321, 'r'.repeat(Math.floor(rand() * 123)))),
    () => frame(0x88, code(1001)),
    () => frame(0x88, Buffer.from([0x03])),
    () => frame(0x88, code(1005)),
    () => frame(0x88, code(2999, 'x')),
    () => frame(0x88, code(1000, 'masked'), { masked: true }),
    () => frame(0x88, code(1000, 'y'.repeat(130))),
    () => frame(0x08, code(1000)),
    () => frame(0xc8, code(1000)),
  ];
  return kinds[Math.floor(rand() * kinds.length)]();
}

/** Cuts a stream into chunks: at random points, one frame a chunk, all in one, or a byte at a time. */
function chunks(frames: Buffer[], rand: () => number): Buffer[] {
  const mode = rand();
  if (mode < 0.2) return frames;
  const stream = Buffer.concat(frames);
  const out: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    const size = mode < 0.35 ? stream.length : mode < 0.45 ? 1 : 1 + Math.floor(rand() * 400);
    out.push(stream.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** What a client WebSocket did with a server's bytes: its events and the lengths of what it wrote back (pongs, close frames). */
interface Client {
  ws: WebSocket;
  socket: Duplex;
  events: string[];
  parked: boolean;
  kit: Kit;
}

/**
 * A client WebSocket on an in-memory socket, opened as ws opens one (`setSocket` with a client's
 * options: no UTF-8 validation, as stickler's clients), its Receiver parked at 'open' when asked.
 */
function client(park: boolean, options: { skipUTF8Validation?: boolean } = {}, kit = SOURCE): Client {
  const events: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      events.push(`wrote ${chunk.length}`);
      callback();
    },
  });
  // A WebSocket made without an address is a server's; these are the fields initAsClient sets instead.
  const ws = new kit.WebSocket(null as unknown as string, undefined, {});
  Object.assign(ws, { _isServer: false, _autoPong: true });
  const made: Client = { ws, socket, events, parked: false, kit };
  ws.on('open', () => {
    if (park) made.parked = kit.parkReceiver(ws) === kit.PARK.parked;
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => events.push(`message ${isBinary} ${data.toString('hex')}`));
  ws.on('ping', (data: Buffer) => events.push(`ping ${data.toString('hex')}`));
  ws.on('pong', (data: Buffer) => events.push(`pong ${data.toString('hex')}`));
  ws.on('error', (error: Error & { code?: string }) => events.push(`error ${error.code}`));
  ws.on('close', (code: number, reason: Buffer) => events.push(`close ${code} ${reason.toString()}`));
  // ws 8's client options (initAsClient): a Receiver made with others would not be parked.
  (ws as unknown as { setSocket(socket: Duplex, head: Buffer, options: object): void }).setSocket(
    socket,
    Buffer.alloc(0),
    {
      allowSynchronousEvents: true,
      maxBufferedChunks: 262_144,
      maxFragments: 16_384,
      maxPayload: MAX_PAYLOAD,
      skipUTF8Validation: options.skipUTF8Validation ?? true,
    },
  );
  return made;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** How a stream ends: the socket goes; or the client closes first (as stickler does, parked or not), the server answering or not. */
type Ending = 'socket' | 'close' | 'close and answer';

/** Feeds the chunks one a tick, then (if still open) ends as asked, then the socket goes. */
async function run(made: Client, input: Buffer[], ending: Ending): Promise<string[]> {
  for (const chunk of input) {
    made.socket.push(chunk);
    await tick();
  }
  if (ending !== 'socket' && made.ws.readyState === WebSocket.OPEN) {
    made.ws.close(1000, 'client');
    // The server's answer comes in the same turn (left a turn, a parked and an unparked connection raced the socket's
    // destroy differently).
    if (ending === 'close and answer') made.socket.push(frame(0x88, Buffer.from([0x03, 0xe8, 0x6f, 0x6b])));
    await tick();
  }
  const closed =
    made.ws.readyState === WebSocket.CLOSED
      ? Promise.resolve()
      : new Promise((resolve) => made.ws.once('close', resolve));
  made.socket.destroy();
  await closed;
  return made.events;
}

// First, so that the process's kit comes from a real client socket, as in a run.
test('a stickler client socket to a real ws server on loopback is parked at open, woken by a pong and a close, and parked between them', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  let ws: WebSocket | null = null;
  try {
    const { port } = server.address() as { port: number };
    const opened = openClientSocket({
      url: `ws://127.0.0.1:${port}/`,
      sessionKey: { kind: 'none' },
      sessionValue: '',
      address: '127.0.0.1',
      via: 'socket',
      maxPayload: MAX_PAYLOAD,
    });
    ws = opened;
    const parked = await new Promise<boolean>((resolve) =>
      opened.once('open', () => resolve(parkReceiver(opened) === PARK.parked)),
    );
    assert.equal(parked, true, "ws's socket listeners and Receiver are as this module knows them");
    assert.ok(isParked(opened));
    opened.send('stk:1:hello');
    const echoed = await new Promise<string>((resolve) =>
      opened.once('message', (data: Buffer) => resolve(data.toString())),
    );
    assert.equal(echoed, 'stk:1:hello');
    assert.ok(isParked(opened), 'a small echo never made a Receiver');
    opened.ping();
    await new Promise((resolve) => opened.once('pong', resolve));
    await tick();
    assert.ok(isParked(opened), 'parked again after the pong');
    const closed = new Promise<number>((resolve) => opened.once('close', resolve));
    closeWebSocket(opened, 1000, 'client');
    assert.equal(await closed, 1000, "the server's close frame ended the closing handshake");
    assert.ok(isConcluded(opened), 'read without making a Receiver again');
  } finally {
    ws?.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function differential(kit: Kit): Promise<void> {
  let messages = 0;
  let parkedAtEnd = 0;
  let concluded = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const rand = seededRandom(seed);
    const input = chunks(serverFrames(rand), rand);
    const ending = (['socket', 'close', 'close and answer'] as const)[Math.floor(rand() * 3)];
    const parked = client(true, {}, kit);
    assert.equal(parked.parked, true, `${kit.name}, seed ${seed}: parked at open`);
    const expected = await run(client(false, {}, kit), input, ending);
    for (const chunk of input) {
      parked.socket.push(chunk);
      await tick();
    }
    if (parked.ws.readyState === WebSocket.OPEN && kit.isParked(parked.ws)) parkedAtEnd += 1;
    const actual = await run(parked, [], ending);
    assert.deepEqual(actual, expected, `${kit.name}, seed ${seed}`);
    if (kit.isConcluded(parked.ws)) concluded += 1;
    messages += expected.filter((event) => event.startsWith('message')).length;
  }
  assert.ok(messages > 2000, `the streams carried messages (${messages})`);
  // Streams that end between frames on an open connection leave it without a Receiver.
  assert.ok(parkedAtEnd > 200, `parked again after the frames ws parsed (${parkedAtEnd})`);
  // Close frames the fast path read (the server's own, or its answer to the client's): the same events as ws's.
  assert.ok(concluded > 200, `close frames read without a Receiver (${concluded})`);
}

test('a parked Receiver gives the same events as ws, event for event, over 2,000 random streams cut at random points', () =>
  differential(SOURCE));

test("the same 2,000 streams through the bundled load worker's own copy of ws and of the frame reader", async () => {
  const bundled = (await import(BUNDLED_WORKER)) as Omit<Kit, 'name'>;
  await differential({ ...bundled, name: 'the bundled worker' });
});

test('small frames never wake the Receiver; a ping wakes it for itself, and it is parked again after', async () => {
  const made = client(true);
  assert.equal(made.parked, true);
  assert.ok(isParked(made.ws));
  made.socket.push(Buffer.concat([frame(0x81, Buffer.from('stk:1:a')), frame(0x81, Buffer.from('x'.repeat(300)))]));
  await tick();
  assert.ok(isParked(made.ws));
  made.socket.push(Buffer.concat([frame(0x89, Buffer.from('p')), frame(0x81, Buffer.from('after'))]));
  await tick();
  assert.ok(isParked(made.ws), 'parked again once the ping was handled');
  // Half a frame: the Receiver stays until the rest comes.
  const cut = frame(0x8a, Buffer.from('pong!'));
  made.socket.push(cut.subarray(0, 3));
  await tick();
  assert.ok(!isParked(made.ws), 'mid-frame');
  made.socket.push(cut.subarray(3));
  await tick();
  assert.ok(isParked(made.ws));
  assert.deepEqual(made.events, [
    'message false 73746b3a313a61',
    `message false ${Buffer.from('x'.repeat(300)).toString('hex')}`,
    'wrote 7',
    'ping 70',
    `message false ${Buffer.from('after').toString('hex')}`,
    `pong ${Buffer.from('pong!').toString('hex')}`,
  ]);
  const before = made.events.length;
  await run(made, [], 'close');
  const after = made.events.slice(before);
  // The client's close frame (2 + 4 bytes of header and mask, 2 of code, 6 of reason), then the socket went without the server's.
  assert.equal(
    after.filter((event) => event.startsWith('wrote')).reduce((sum, event) => sum + Number(event.split(' ')[1]), 0),
    14,
  );
  assert.equal(after.at(-1), 'close 1006 ');
});

test('a connection whose messages need what the fast path skips keeps its Receiver', async () => {
  const validating = client(true, { skipUTF8Validation: false });
  assert.equal(validating.parked, false, 'UTF-8 validation');
  assert.ok(!isParked(validating.ws));
  await run(validating, [], 'socket');
});

test("ws's own close() and resume() on a parked connection, without waking it first, behave as ws does", async () => {
  const input = [frame(0x81, Buffer.from('hello')), frame(0x88, Buffer.from([0x03, 0xe8]))];
  const expected = await run(client(false), input.slice(0, 1), 'close');
  const made = client(true);
  assert.equal(made.parked, true);
  made.socket.push(input[0]);
  await tick();
  assert.ok(isParked(made.ws));
  made.ws.pause();
  made.ws.resume();
  // close() reads the Receiver's state without a check: the parked stand-in answers for an idle one.
  made.ws.close(1000, 'client');
  await tick();
  const closed = new Promise((resolve) => made.ws.once('close', resolve));
  made.socket.destroy();
  await closed;
  assert.deepEqual(made.events, expected);
});
