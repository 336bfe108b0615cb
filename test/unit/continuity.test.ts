import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyCounters } from '../../src/metrics/counters.js';
import { ClientContinuity } from '../../src/engine/client/continuity.js';
import { formatResume, parseResume } from '../../src/util/session-resume.js';
import { MemorySessionStore } from '../../src/stack/backends/session-store.js';
import { parseScenarioText } from '../../src/scenario/load.js';

const loadScenarioText = (text: string) => {
  const result = parseScenarioText('s.yaml', text);
  return result.ok ? { problems: [], plan: result.plan } : { problems: result.problems, plan: undefined };
};

test('the resume header round-trips, and anything else is no answer', () => {
  assert.deepEqual(parseResume(formatResume({ state: 'resumed', gen: 'a1', count: 12 })), {
    state: 'resumed',
    gen: 'a1',
    count: 12,
  });
  assert.deepEqual(parseResume(formatResume({ state: 'new', gen: 'b2' })), { state: 'new', gen: 'b2' });
  for (const bad of [undefined, '', 'resumed', 'resumed a1', 'resumed a1 x', 'other a1 3'])
    assert.equal(parseResume(bad), null, String(bad));
});

test('a client judges each resume: the state it left, or unknown / stale / behind', () => {
  const recorder = { counters: emptyCounters() };
  const client = new ClientContinuity(recorder);
  assert.equal(client.judge({ state: 'new', gen: 'g1' }), 'first');
  client.replied();
  client.replied();
  assert.equal(client.judge({ state: 'resumed', gen: 'g1', count: 2 }), 'resumed');
  // More than answered is fine: messages whose answer was lost in flight were stored all the same.
  assert.equal(client.judge({ state: 'resumed', gen: 'g1', count: 5 }), 'resumed');
  assert.equal(client.judge({ state: 'resumed', gen: 'g1', count: 4 }), 'behind');
  assert.equal(client.judge({ state: 'new', gen: 'g2' }), 'unknown');
  // A backend visited before holds an older copy: another generation than the one the client went on with.
  assert.equal(client.judge({ state: 'resumed', gen: 'g1', count: 9 }), 'stale');
  assert.equal(client.judge({ state: 'resumed', gen: 'g1', count: 9 }), 'resumed');
});

test('upgraded() counts resumes from the second connection on, and not at all when a continuity step measures', () => {
  const recorder = { counters: emptyCounters() };
  const client = new ClientContinuity(recorder);
  assert.equal(client.upgraded({}), null);
  client.upgraded({ 'x-stickler-state': 'new g1' });
  client.upgraded({ 'x-stickler-state': 'resumed g1 0' });
  client.upgraded({ 'x-stickler-state': 'new g2' });
  assert.equal(recorder.counters.resumes, 2);
  assert.equal(recorder.counters.resumed, 1);
  assert.deepEqual(recorder.counters.stateLost, { unknown: 1 });
  const quiet = { counters: emptyCounters() };
  const stepMeasured = new ClientContinuity(quiet, false);
  stepMeasured.upgraded({ 'x-stickler-state': 'new g1' });
  stepMeasured.upgraded({ 'x-stickler-state': 'new g2' });
  assert.equal(quiet.counters.resumes, 0);
});

test('the memory store: a session resumes with what it counted; another store knows nothing of it', async () => {
  const store = new MemorySessionStore();
  const opened = await store.resume('s1');
  assert.equal(opened.state, 'new');
  store.record('s1');
  store.record('s1');
  assert.deepEqual(await store.resume('s1'), { state: 'resumed', gen: opened.gen, count: 2 });
  assert.equal((await new MemorySessionStore().resume('s1')).state, 'new');
});

test('validation: state only where stickler runs the sessions, backend: redis only with state: redis and for process actions', () => {
  const url = loadScenarioText(
    'name: a\ntarget: { url: "ws://127.0.0.1:1/", state: redis }\nclients: { count: 1 }\nduration: 1s\n',
  );
  assert.match(JSON.stringify(url.problems), /target\.state.*continuity: true/);
  const sio = loadScenarioText(
    'name: a\ntarget: { stack: nginx-ip-hash, backend: socketio, state: memory }\nprotocol: socketio\nclients: { count: 1 }\nduration: 1s\n',
  );
  assert.match(JSON.stringify(sio.problems), /target\.state/);
  const noStore = loadScenarioText(
    'name: a\ntarget: { stack: nginx-round-robin }\nclients: { count: 1 }\nduration: 5s\nevents:\n  - { at: 1s, action: kill, backend: redis }\n',
  );
  assert.match(JSON.stringify(noStore.problems), /events\[0\]\.backend.*add state: redis/);
  const wedge = loadScenarioText(
    'name: a\ntarget: { stack: nginx-round-robin, state: redis }\nclients: { count: 1 }\nduration: 5s\nevents:\n  - { at: 1s, action: wedge, backend: redis }\n',
  );
  assert.match(JSON.stringify(wedge.problems), /events\[0\]\.action.*redis takes kill, stop, start, restart, pause/);
  const ok = loadScenarioText(
    'name: a\ntarget: { stack: nginx-round-robin, state: redis }\nclients: { count: 1 }\nduration: 5s\nevents:\n  - { at: 1s, action: restart, backend: redis }\n',
  );
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.plan!.state, 'redis');
  const step = loadScenarioText(
    'name: a\ntarget: { url: "ws://127.0.0.1:1/" }\nclients: { count: 1 }\nduration: 1s\non_open:\n  - { name: r, send: "x", continuity: true }\n',
  );
  assert.match(JSON.stringify(step.problems), /on_open\[0\]\.expect.*continuity step/);
});

test('a continuity threshold with nothing behind it fails with actual null, saying why', async () => {
  const { evaluateThresholds } = await import('../../src/metrics/thresholds.js');
  const threshold = { metric: 'continuity.lost', condition: '== 0', op: '==' as const, value: 0 };
  const base = { connections: { opened: 10, attempted: 10 } };
  const [unmeasured] = evaluateThresholds(base as never, [threshold]);
  assert.equal(unmeasured.actual, null);
  assert.equal(unmeasured.passed, false);
  assert.match(unmeasured.why ?? '', /nothing measured state continuity/);
  const [noResumes] = evaluateThresholds(
    {
      ...base,
      continuity: { store: 'memory', resumes: 0, resumed: 0, lost: 0, lost_rate: 0, lost_by_cause: {} },
    } as never,
    [threshold],
  );
  assert.equal(noResumes.actual, null);
  assert.match(noResumes.why ?? '', /no reconnect resumed a session/);
  const [measured] = evaluateThresholds(
    {
      ...base,
      continuity: { store: 'redis', resumes: 50, resumed: 50, lost: 0, lost_rate: 0, lost_by_cause: {} },
    } as never,
    [threshold],
  );
  assert.equal(measured.passed, true);
});
