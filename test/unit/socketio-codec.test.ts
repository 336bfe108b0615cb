import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { ackIdOf, argumentJson, eventFrame } from '../../src/engine/protocols/socketio-codec.js';

function decoded(text: string): Packet {
  const decoder = new Decoder();
  let packet: Packet | null = null;
  decoder.on('decoded', (p: Packet) => (packet = p));
  decoder.add(text);
  return packet!;
}

test("an emit is what socket.io-parser's decoder reads as that EVENT, in any namespace, with or without an ack id", () => {
  const texts = ['{"n":1,"pad":"xx"}', ' [1, 2, {"a": "é"}] ', 'plain text', '"quoted"', '{"broken":', '12'];
  for (const namespace of ['/', '/chat'])
    for (const ackId of [undefined, 0, 7, 123_456])
      for (const text of texts) {
        const frame = eventFrame(namespace, ackId, 'chat', argumentJson(text));
        assert.equal(frame[0], '4');
        const packet = decoded(frame.slice(1));
        let value: unknown = text;
        try {
          value = JSON.parse(text);
        } catch {
          // sent as the text itself
        }
        assert.deepEqual(packet, {
          type: PacketType.EVENT,
          nsp: namespace,
          ...(ackId !== undefined ? { id: ackId } : {}),
          data: ['chat', value],
        });
      }
});

test("an ACK's id is read as socket.io-parser reads it; any other packet is left to it", () => {
  const encoder = new Encoder();
  for (const nsp of ['/', '/chat'])
    for (const id of [0, 5, 99_999])
      for (const data of [[], ['ok'], [{ server: 'n1', nested: [1, 2] }]]) {
        const [text] = encoder.encode({ type: PacketType.ACK, nsp, id, data });
        assert.equal(ackIdOf(text as string), (decoded(text as string) as { id: number }).id);
      }
  for (const other of ['2["chat",{}]', '40{"sid":"x"}', '3', '3[]', '3/chat', '3abc[]', '61-0["x"]', '31x'])
    assert.equal(ackIdOf(other), -1, other);
});
