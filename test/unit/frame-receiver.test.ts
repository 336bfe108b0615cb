import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Writable } from 'node:stream';
import * as wsModule from 'ws';
import { readSmallFramesDirectly, type WsReceiver } from '../../src/engine/frame-receiver.js';
import { seededRandom } from '../../src/util/rng.js';

// ws's own frame parser (exported by ws, not declared by @types/ws), as a client WebSocket makes it.
const { Receiver } = wsModule as unknown as { Receiver: new (options: object) => Writable };
const MAX_PAYLOAD = 4000;
const clientReceiver = (skipUTF8Validation = true) => new Receiver({ binaryType: 'nodebuffer', isServer: false, maxPayload: MAX_PAYLOAD, skipUTF8Validation });

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

const text = (rand: () => number, max: number) => Buffer.from(Array.from({ length: Math.floor(rand() * max) }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join(''));

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
      frames.push(frame(0x01, text(rand, 200)), frame(0x89, Buffer.from('p')), frame(0x00, text(rand, 200)), frame(0x80, text(rand, 200)));
    } else if (pick < 0.86) {
      // A data frame inside a fragmented message: a protocol error ws must see.
      frames.push(frame(0x01, text(rand, 30)), frame(0x81, text(rand, 30)));
    } else if (pick < 0.88) frames.push(frame(0x81, text(rand, 100), { long: true }));
    else if (pick < 0.9) frames.push(frame(0x81, Buffer.alloc(MAX_PAYLOAD + 1 + Math.floor(rand() * 100), 97)));
    else if (pick < 0.92) frames.push(frame(0x81, text(rand, 50), { masked: true }));
    else if (pick < 0.94) frames.push(frame(0xc1, text(rand, 50)));
    else if (pick < 0.96) frames.push(frame(0x88, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65])));
    else frames.push(frame(0x81, Buffer.alloc(0)));
  }
  return frames;
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

/** Everything a Receiver emitted for the chunks, in order, as ws's socket listener feeds it (stopping at a close or an error, as ws does). */
async function eventsOf(receiver: Writable, input: Buffer[]): Promise<string[]> {
  const events: string[] = [];
  let stopped = false;
  receiver.on('message', (data: Buffer, isBinary: boolean) => events.push(`message ${isBinary} ${data.toString('hex')}`));
  receiver.on('ping', (data: Buffer) => events.push(`ping ${data.toString('hex')}`));
  receiver.on('pong', (data: Buffer) => events.push(`pong ${data.toString('hex')}`));
  receiver.on('conclude', (code: number, reason: Buffer) => {
    events.push(`conclude ${code} ${reason.toString()}`);
    stopped = true;
  });
  receiver.on('error', (error: Error & { code?: string }) => {
    events.push(`error ${error.code}`);
    stopped = true;
  });
  for (const chunk of input) {
    if (stopped) break;
    events.push(`write ${receiver.write(chunk)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return events;
}

test('the fast path emits what ws emits, event for event, over 2,000 random streams cut at random points', async () => {
  let fastFrames = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const rand = seededRandom(seed);
    const input = chunks(serverFrames(rand), rand);
    const fast = clientReceiver();
    assert.equal(readSmallFramesDirectly(fast as Partial<WsReceiver>), true);
    const expected = await eventsOf(clientReceiver(), input);
    const actual = await eventsOf(fast, input);
    assert.deepEqual(actual, expected, `seed ${seed}`);
    fastFrames += expected.filter((event) => event.startsWith('message')).length;
  }
  assert.ok(fastFrames > 2000, `the streams carried messages (${fastFrames})`);
});

test('whole small frames in one chunk never reach the Writable under the Receiver', () => {
  const receiver = clientReceiver() as Writable & { _write: (...args: unknown[]) => void };
  readSmallFramesDirectly(receiver as Partial<WsReceiver>);
  let written = 0;
  const write = receiver._write.bind(receiver);
  receiver._write = (...args: unknown[]) => {
    written += 1;
    write(...args);
  };
  const messages: string[] = [];
  receiver.on('message', (data: Buffer) => messages.push(data.toString()));
  assert.equal(receiver.write(Buffer.concat([frame(0x81, Buffer.from('stk:1:a')), frame(0x81, Buffer.from('x'.repeat(300)))])), true);
  assert.deepEqual(messages, ['stk:1:a', 'x'.repeat(300)]);
  assert.equal(written, 0);
  // A ping is ws's: it and what follows go to its parser.
  receiver.write(Buffer.concat([frame(0x89, Buffer.from('p')), frame(0x81, Buffer.from('after'))]));
  assert.equal(written, 1);
  assert.deepEqual(messages.at(-1), 'after');
});

test('receivers that need what the fast path skips keep ws parsing every frame', () => {
  assert.equal(readSmallFramesDirectly(clientReceiver(false) as Partial<WsReceiver>), false, 'UTF-8 validation');
  assert.equal(readSmallFramesDirectly(new Receiver({ binaryType: 'arraybuffer', skipUTF8Validation: true }) as Partial<WsReceiver>), false, 'another binary type');
  assert.equal(readSmallFramesDirectly(undefined), false, 'no receiver (a polling session)');
});
