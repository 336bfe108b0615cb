import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Writable } from 'node:stream';
import * as wsModule from 'ws';
import { maskedTextFrame } from '../../src/engine/wire/text-frame.js';

// ws's own frame parser (exported by ws, not declared by @types/ws).
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable;
};

/** Parses frames the way a `ws` server does (masked frames required), and gives back the messages. */
function receivedByServer(frames: Buffer[]): { messages: string[]; errors: Error[] } {
  const receiver = new Receiver({ isServer: true, maxPayload: 1 << 20 });
  const messages: string[] = [];
  const errors: Error[] = [];
  receiver.on('message', (data: Buffer, isBinary: boolean) =>
    messages.push(`${isBinary ? 'binary' : 'text'}:${data.toString()}`),
  );
  receiver.on('error', (error: Error) => errors.push(error));
  for (const frame of frames) receiver.write(frame);
  return { messages, errors };
}

test('a written text frame is what a ws server reads as one text message, at every length encoding', () => {
  // 7-bit lengths up to 125, 16-bit from 126, 64-bit from 65,536.
  const payloads = [0, 1, 64, 125, 126, 1000, 65535, 65536, 70000].map((length) =>
    Buffer.from('stk:123:'.padEnd(length, 'x').slice(0, length)),
  );
  const { messages, errors } = receivedByServer(payloads.map((payload) => maskedTextFrame(payload)));
  assert.deepEqual(errors, []);
  assert.deepEqual(
    messages,
    payloads.map((payload) => `text:${payload.toString()}`),
  );
});

test('every frame has its own masking key, and the payload on the wire is masked', () => {
  const payload = Buffer.from('stk:1700000000000:'.padEnd(64, 'x'));
  const frames = Array.from({ length: 3000 }, () => maskedTextFrame(payload));
  const keys = new Set(frames.map((frame) => frame.subarray(2, 6).toString('hex')));
  // 3,000 keys of 32 random bits: a repeat is a 1 in 1,000 event, many repeats a broken pool (it refills every 2,048 keys).
  assert.ok(keys.size >= 2995, `${keys.size} distinct keys in 3000 frames`);
  assert.equal(frames.filter((frame) => frame.subarray(6).equals(payload)).length <= 1, true);
  assert.deepEqual(receivedByServer(frames.slice(0, 5)).messages, Array(5).fill(`text:${payload.toString()}`));
});

test('a string is framed as its UTF-8 bytes: ASCII at every length encoding, and text beyond ASCII', () => {
  const texts = [0, 5, 125, 126, 65536].map((length) => '{"id":"1-1"}'.padEnd(length, ' ').slice(0, length));
  texts.push('{"name":"Zoë","city":"東京","emoji":"🚀"}', `${'x'.repeat(200)}é`);
  const { messages, errors } = receivedByServer(texts.map((text) => maskedTextFrame(text)));
  assert.deepEqual(errors, []);
  assert.deepEqual(
    messages,
    texts.map((text) => `text:${text}`),
  );
});
