import assert from 'node:assert/strict';
import { test } from 'node:test';
// The package's own name, as a user's module imports it: the exported type is the one the engine runs.
import type { ProtocolModule } from 'stickler';
import { ModuleProtocol } from '../../src/engine/protocols/module-protocol.js';
import type { ProtocolLink, ProtocolRecorder } from '../../src/engine/protocols/client-protocol.js';
import { emptyCounters } from '../../src/metrics/counters.js';

const textModule: ProtocolModule = {
  create: (client) => ({
    open: () => [`hello ${client.index}`],
    message: (id) => `req ${id}`,
    receive: (frame) => {
      const text = String(frame);
      if (text.startsWith('welcome ')) return { ready: true, backend: text.slice(8) };
      if (text.startsWith('res '))
        return text
          .slice(4)
          .split(',')
          .map((id) => ({ reply: id }));
      if (text === 'boom') throw new RangeError('bad frame');
      return null;
    },
  }),
};

function fixture() {
  const recorder: ProtocolRecorder = {
    counters: emptyCounters(),
    nowMs: () => 0,
    stepLatency: () => {},
    pushLatency: () => {},
    pushGap: () => {},
  };
  const written: string[] = [];
  const events: string[] = [];
  const link: ProtocolLink = {
    write: (message, binary) => written.push(`${binary ? 'bin' : 'text'}:${message.toString()}`),
    backend: null,
    abandon: () => events.push('abandon'),
    named: (backend) => events.push(`named ${backend}`),
    replied: (sentUs) => events.push(`replied ${sentUs}`),
    dead: (reason) => events.push(`dead ${reason}`),
  };
  const protocol = new ModuleProtocol(
    textModule,
    { index: 7, session: 's1-7', row: null, replyTimeoutMs: 1000 },
    recorder,
  );
  return { protocol, link, written, events, recorder };
}

test('a module: open frames wait for ready, ids stickler made are timed, several replies in one frame', () => {
  const { protocol, link, written, events, recorder } = fixture();
  assert.equal(protocol.opened(link), false, 'open() sent a frame: traffic waits for ready');
  assert.deepEqual(written, ['text:hello 7']);
  assert.equal(protocol.replyTo(Buffer.from('welcome b2'), link), -2, 'ready: PROTOCOL_OPENED');
  assert.deepEqual(events, ['named b2']);
  assert.equal(protocol.message(100).toString(), 'req 7-1');
  assert.equal(protocol.binary, false);
  protocol.message(200);
  assert.equal(protocol.replyTo(Buffer.from('res 7-2,7-1'), link), 200, 'the first reply is returned');
  assert.deepEqual(events.slice(1), ['replied 100'], 'the second goes through the link');
  assert.equal(protocol.replyTo(Buffer.from('res 7-9'), link), -3, 'an id not in flight');
  assert.equal(recorder.counters.unmatched, 1);
  assert.equal(protocol.replyTo(Buffer.from('tick'), link), -1, 'null: not a reply');
});

test('a module that throws: the connection is dead as module_error, the error kept with its frame', () => {
  const { protocol, link, events, recorder } = fixture();
  protocol.opened(link);
  assert.equal(protocol.replyTo(Buffer.from('boom'), link), -3);
  assert.deepEqual(events, ['dead module_error']);
  const [kind] = Object.keys(recorder.counters.moduleErrors);
  assert.match(kind, /^RangeError: bad frame \(at /);
  assert.equal(protocol.replyTo(Buffer.from('res 7-1'), link), -3, 'nothing more is read from that connection');
});

test('expire gives up messages past the reply timeout', () => {
  const { protocol, link } = fixture();
  protocol.opened(link);
  protocol.message(1_000);
  protocol.message(1_500_000);
  assert.equal(protocol.expire(1_600_000), 1);
});
