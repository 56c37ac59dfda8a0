import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initJoin, inviterPeerName, nextWakeMs, pendingFor, step, type JoinAction, type JoinEvent, type JoinState } from '../../src/control/join';

type P = string;
function run(s: JoinState<P>, ev: JoinEvent<P>, t: number): { s: JoinState<P>; a: JoinAction[] } {
  const r = step(s, ev, t);
  return { s: r.state, a: r.actions };
}

test('start sends one initiation per endpoint and retries each second until a response', () => {
  let { s, a } = run(initJoin<P>({ endpoints: 2, timeoutMs: 10_000 }), { type: 'start' }, 0);
  assert.deepEqual(a, [{ type: 'send-initiation', endpoint: 0 }, { type: 'send-initiation', endpoint: 1 }]);
  assert.equal(s.phase, 'handshake');
  assert.equal(nextWakeMs(s), 1000);
  ({ s, a } = run(s, { type: 'tick' }, 999));
  assert.deepEqual(a, []);
  ({ s, a } = run(s, { type: 'tick' }, 1000));
  assert.equal(a.length, 2);
  assert.equal(nextWakeMs(s), 2000);
});

test('a keyed response moves to hello, resent until the welcome; done names the answering endpoint', () => {
  let { s } = run(initJoin<P>({ endpoints: 2, timeoutMs: 10_000 }), { type: 'start' }, 0);
  s = run(s, { type: 'initiation-sent', senderIndex: 7, endpoint: 0, handshake: 'h7' }, 0).s;
  s = run(s, { type: 'initiation-sent', senderIndex: 9, endpoint: 1, handshake: 'h9' }, 0).s;
  assert.equal(pendingFor(s, 9)?.handshake, 'h9');
  assert.equal(pendingFor(s, 8), undefined);
  let a: JoinAction[];
  ({ s, a } = run(s, { type: 'keyed', senderIndex: 8 }, 100));
  assert.deepEqual(a, [], 'a response to no pending initiation is ignored');
  assert.equal(s.phase, 'handshake');
  ({ s, a } = run(s, { type: 'welcome', name: 'x' }, 100));
  assert.deepEqual(a, [], 'a welcome before the session is keyed is ignored');
  ({ s, a } = run(s, { type: 'keyed', senderIndex: 9 }, 100));
  assert.deepEqual(a, [{ type: 'send-hello' }]);
  assert.equal(s.phase, 'hello');
  assert.equal(pendingFor(s, 9), undefined, 'no second response is consumed');
  ({ s, a } = run(s, { type: 'tick' }, 599));
  assert.deepEqual(a, []);
  ({ s, a } = run(s, { type: 'tick' }, 600));
  assert.deepEqual(a, [{ type: 'send-hello' }]);
  assert.equal(s.hellosSent, 2);
  ({ s, a } = run(s, { type: 'welcome', name: 'provider' }, 700));
  assert.deepEqual(a, [{ type: 'done', name: 'provider', endpoint: 1 }]);
  assert.equal(nextWakeMs(s), null);
  assert.deepEqual(run(s, { type: 'tick' }, 99_000).a, [], 'nothing after done');
});

test('the deadline fails with the phase reached', () => {
  let { s, a } = run(initJoin<P>({ endpoints: 1, timeoutMs: 3000 }), { type: 'start' }, 0);
  ({ s, a } = run(s, { type: 'tick' }, 3000));
  assert.deepEqual(a, [{ type: 'fail', reason: 'no-answer' }]);
  assert.equal(s.phase, 'failed');

  s = run(initJoin<P>({ endpoints: 1, timeoutMs: 3000 }), { type: 'start' }, 0).s;
  s = run(s, { type: 'initiation-sent', senderIndex: 1, endpoint: 0, handshake: 'h' }, 0).s;
  s = run(s, { type: 'keyed', senderIndex: 1 }, 10).s;
  assert.equal(nextWakeMs(s), 510);
  ({ s, a } = run(s, { type: 'tick' }, 3000));
  assert.deepEqual(a, [{ type: 'fail', reason: 'no-welcome' }]);
});

test('pending initiations are bounded: the oldest is forgotten', () => {
  let { s } = run(initJoin<P>({ endpoints: 1, timeoutMs: 60_000, maxPending: 3 }), { type: 'start' }, 0);
  for (let i = 1; i <= 5; i++) s = run(s, { type: 'initiation-sent', senderIndex: i, endpoint: 0, handshake: `h${i}` }, 0).s;
  assert.deepEqual(s.pending.map((p) => p.senderIndex), [3, 4, 5]);
  assert.equal(s.initiationsSent, 5);
  assert.equal(pendingFor(s, 1), undefined);
});

test('step does not mutate the state it is given', () => {
  const s0 = run(initJoin<P>({ endpoints: 1, timeoutMs: 60_000 }), { type: 'start' }, 0).s;
  const before = JSON.stringify(s0);
  run(s0, { type: 'initiation-sent', senderIndex: 1, endpoint: 0, handshake: 'h' }, 0);
  assert.equal(JSON.stringify(s0), before);
  assert.throws(() => initJoin<P>({ endpoints: 0, timeoutMs: 1 }), /at least one endpoint/);
});

test('the inviter is saved under its token name, else the welcome name, made unique', () => {
  assert.equal(inviterPeerName('dr-cloud', 'other', []), 'dr-cloud');
  assert.equal(inviterPeerName('bad name!', 'other', []), 'other');
  assert.equal(inviterPeerName('dr', 'x', ['dr', 'dr-2']), 'dr-3');
  assert.equal(inviterPeerName('a'.repeat(32), 'x', ['a'.repeat(32)]), `${'a'.repeat(28)}-2`);
});
