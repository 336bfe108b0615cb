// A binary protocol as a stickler protocol module (docs/protocol-modules.md).
//
// The server speaks first: a HELLO frame naming itself. Each request carries an id and the reply
// carries the same id back. Every frame is binary:
//
//   HELLO   0x01, then the server's name (UTF-8)
//   REQUEST 0x02, the id's length (1 byte), the id (UTF-8), then the payload
//   REPLY   0x03, the id's length (1 byte), the id (UTF-8), then the payload
//
// stickler makes the ids, keeps the messages in flight and times each reply this module names.

const HELLO = 0x01;
const REQUEST = 0x02;
const REPLY = 0x03;
const PAYLOAD = Buffer.alloc(32, 0x2a);

/** @type {import('stickler').ProtocolModule} */
export default {
  subprotocol: 'binary-hello',
  binary: true,
  create() {
    return {
      // Nothing is sent first: the server's HELLO names the backend and makes the connection ready.
      open() {
        return [];
      },
      message(id) {
        const idBytes = Buffer.from(id);
        return Buffer.concat([Buffer.from([REQUEST, idBytes.length]), idBytes, PAYLOAD]);
      },
      receive(frame, binary) {
        if (!binary || frame.length < 1) return null;
        if (frame[0] === HELLO) return { backend: Buffer.from(frame.subarray(1)).toString() };
        if (frame[0] === REPLY) return { reply: Buffer.from(frame.subarray(2, 2 + frame[1])).toString() };
        return null;
      },
    };
  },
};
