import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import {
  OTHER_TOPIC,
  PINGRESP_READ,
  publishHead,
  publishPacket,
  readQuick,
  wholePackets,
} from '../../src/engine/protocols/mqtt-publish.js';

const versions = [4, 5] as const;
const topics = ['stickler/7', 't', `long/${'x'.repeat(300)}`, 'utf/Zoë/東京'];
// Remaining lengths across the one-, two- and three-byte encodings.
const payloads = ['7-1', '', 'x'.repeat(120), 'y'.repeat(127), 'z'.repeat(16_400), 'é🚀'];

function parsed(bytes: Buffer, version: 4 | 5): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: Packet[] = [];
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.on('error', (error: Error) => assert.fail(error));
  parser.parse(bytes);
  return packets;
}

test("a QoS 0 PUBLISH is mqtt-packet's own bytes, for every version, topic and length encoding", () => {
  for (const version of versions)
    for (const topic of topics)
      for (const payload of payloads) {
        const ours = publishPacket(publishHead(topic, version), payload);
        const theirs = mqttPacket.generate(
          { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false },
          { protocolVersion: version },
        );
        assert.deepEqual(ours, theirs, `v${version} ${topic.slice(0, 12)} ${payload.length}`);
      }
});

test("a broker's copy is read as mqtt-packet reads it; anything else is left to the parser", () => {
  for (const version of versions) {
    const head = publishHead('stickler/7', version);
    for (const payload of payloads) {
      const frame = publishPacket(head, payload);
      assert.equal(readQuick(frame, head), (parsed(frame, version)[0] as IPublishPacket).payload.toString());
    }
    const generate = (packet: Packet) => mqttPacket.generate(packet, { protocolVersion: version });
    const other = generate({ cmd: 'publish', topic: 'stickler/8', payload: '8-1', qos: 0, dup: false, retain: false });
    assert.equal(readQuick(other, head), OTHER_TOPIC);
    assert.equal(readQuick(generate({ cmd: 'pingresp' }), head), PINGRESP_READ);
    // QoS 1 (a PUBACK is owed), properties on the copy, two packets in a frame, a packet cut short: the parser's.
    const qos1 = generate({
      cmd: 'publish',
      topic: 'stickler/7',
      payload: '7-2',
      qos: 1,
      messageId: 3,
      dup: false,
      retain: false,
    });
    assert.equal(readQuick(qos1, head), null);
    const two = Buffer.concat([publishPacket(head, '7-3'), publishPacket(head, '7-4')]);
    assert.equal(readQuick(two, head), null);
    assert.equal(wholePackets(two), true);
    assert.equal(readQuick(two.subarray(0, 7), head), null);
    assert.equal(wholePackets(two.subarray(0, 7)), false);
    assert.equal(
      readQuick(generate({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 }), head),
      null,
    );
    if (version === 5) {
      const withProperties = generate({
        cmd: 'publish',
        topic: 'stickler/7',
        payload: '7-5',
        qos: 0,
        dup: false,
        retain: false,
        properties: { messageExpiryInterval: 60, userProperties: { a: 'b' } },
      });
      assert.equal(readQuick(withProperties, head), '7-5');
    }
  }
});
