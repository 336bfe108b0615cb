import assert from 'node:assert/strict';
import { clientSchedule } from '../../src/scenario/population/schedule.js';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import pLimit from 'p-limit';
import { SendWheel } from '../../src/engine/client/send-wheel.js';
import type { ClientContext } from '../../src/engine/client/context.js';
import { OutageLedger } from '../../src/engine/client/outage-ledger.js';
import { VirtualClient } from '../../src/engine/client/virtual-client.js';
import { WorkerRecorder } from '../../src/engine/run/worker-recorder.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { startReferenceBackend } from '../../src/stack/backends/reference-backend.js';
import { parseAddressPool, type AddressPool } from '../../src/util/address-pool.js';

test('virtual clients time real round trips: no sample below the loopback floor, every echo counted', async () => {
  const backend = await startReferenceBackend({ id: 'b1', port: 0, host: '127.0.0.1' });
  const loaded = parseScenarioText(
    'inline',
    'name: rtt\ntarget: { stack: direct }\nclients: { count: 20 }\nduration: 3s\ntraffic: { interval: 100ms }\n',
  );
  assert.ok(loaded.ok);
  const recorder = new WorkerRecorder();
  const start = performance.now();
  const context: ClientContext = {
    plan: loaded.plan,
    urls: [`ws://127.0.0.1:${backend.port}/`],
    recorder,
    limit: pLimit(8),
    pool: parseAddressPool('127.0.0.1') as AddressPool,
    nowMs: () => performance.now() - start,
    isServing: () => true,
    stopping: false,
    infersServing: false,
    crashLikeClose: () => {},
    seenServing: () => {},
    pending: new Set(),
    schedule: clientSchedule(loaded.plan),
    protocolRecorder: {
      counters: recorder.counters,
      nowMs: () => performance.now() - start,
      stepLatency: () => {},
      pushLatency: () => {},
      pushGap: () => {},
    },
    outages: new OutageLedger(
      () => recorder.counters,
      (ms) => recorder.recoveredAfter(ms),
    ),
    wheel: new SendWheel(loaded.plan.traffic.intervalMs, () => performance.now() - start),
    pingWheel:
      loaded.plan.traffic.pingMs > 0
        ? new SendWheel(loaded.plan.traffic.pingMs, () => performance.now() - start)
        : null,
  };
  const clients = Array.from({ length: 20 }, (_, index) => new VirtualClient(context, index, null, []));
  for (const client of clients) client.start();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const client of clients) client.quiesce();
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const client of clients) client.finish();
  await backend.close();
  assert.equal(recorder.counters.opened, 20);
  assert.ok(recorder.counters.sent >= 200, `sent ${recorder.counters.sent}`);
  assert.equal(recorder.counters.received, recorder.counters.sent);
  // A WebSocket echo over loopback takes tens of microseconds at least; 1 µs would mean a clock error.
  assert.ok(recorder.message.minNonZeroValue >= 20, `smallest round trip ${recorder.message.minNonZeroValue} µs`);
  assert.equal(recorder.counters.openedByBackend.b1, 20);
});
