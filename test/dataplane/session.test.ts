// Tier 2: keys and events: responder promotion ('keypair-confirmed'), rekey, 'need-handshake',
// 'control', handshake datagrams ('handshake' events, sendRaw), expiry, peer removal, and the
// bounded event queue.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BROADCAST, fakePeer, frame, installSession, mac, makeNode, makePair, newSession, sleep, waitFor,
} from './harness';

const H1 = mac(0x21);
const H2 = mac(0x22);

test('responder key stays "next" until the first authenticated packet, then keypair-confirmed', async () => {
  const a = makeNode();
  const b = makeNode();
  try {
    a.dp.addPeer(7, b.ep);
    b.dp.addPeer(9, a.ep);
    const s = newSession();
    installSession(a.dp, 7, b.dp, 9, s);
    a.dp.start();
    b.dp.start();
    assert.equal(b.dp.stats().peers[0].currentKey, null, 'responder has no current key yet');
    assert.equal(b.dp.sendKeepalive(9), false, 'responder cannot send before confirmation');
    assert.equal(a.dp.stats().peers[0].currentKey?.localIndex, s.aIndex, 'initiator key is current at once');

    const f = frame(BROADCAST, H1, 64);
    a.dp.testWriteFrame(f);
    assert.deepEqual(b.dp.testReadFrame(2000), f);
    const ev = await waitFor(() => b.events.find((e) => e.type === 'keypair-confirmed'), 'keypair-confirmed');
    assert.deepEqual(ev, { type: 'keypair-confirmed', peer: 9, localIndex: s.bIndex });
    assert.equal(b.dp.stats().peers[0].currentKey?.localIndex, s.bIndex);
    assert.equal(b.dp.sendKeepalive(9), true);
    assert.equal(b.events.filter((e) => e.type === 'keypair-confirmed').length, 1, 'exactly once');
  } finally {
    a.dp.stop();
    b.dp.stop();
  }
});

test('rekey: new initiator key is used at once, the old one still decrypts, responder confirms', async () => {
  const p = await makePair();
  try {
    const s2 = newSession();
    installSession(p.a.dp, 1, p.b.dp, 1, s2);
    assert.equal(p.a.dp.stats().peers[0].currentKey?.localIndex, s2.aIndex);
    // B still sends with the old key (its new one is 'next'); A accepts it via 'previous'
    const f = frame(BROADCAST, H2, 70);
    p.b.dp.testWriteFrame(f);
    assert.deepEqual(p.a.dp.testReadFrame(2000), f);
    // A's next packet uses the new key; B promotes it
    const g = frame(BROADCAST, H1, 71);
    p.a.dp.testWriteFrame(g);
    assert.deepEqual(p.b.dp.testReadFrame(2000), g);
    await waitFor(
      () => p.b.events.find((e) => e.type === 'keypair-confirmed' && e.localIndex === s2.bIndex),
      'second keypair-confirmed',
    );
    assert.equal(p.b.dp.stats().peers[0].currentKey?.localIndex, s2.bIndex);
    assert.equal(p.b.dp.stats().peers[0].currentKey?.sendCounter, 0);
  } finally {
    p.close();
  }
});

test('need-handshake for a peer without a key: no_session, at most once per second', async () => {
  const a = makeNode();
  const fake = await fakePeer();
  try {
    a.dp.addPeer(5, fake.ep);
    a.dp.start();
    for (let i = 0; i < 5; i++) a.dp.testWriteFrame(frame(BROADCAST, H1, 60, i));
    await waitFor(() => a.dp.stats().drops.no_session === 5, 'no_session x5');
    await waitFor(() => a.events.length > 0, 'need-handshake');
    await sleep(50);
    assert.deepEqual(a.events, [{ type: 'need-handshake', peer: 5 }]);
    await sleep(1100);
    a.dp.testWriteFrame(frame(BROADCAST, H1, 60));
    await waitFor(() => a.events.length === 2, 'second need-handshake after 1 s');
    assert.equal(fake.got.length, 0, 'nothing is sent without a key');
  } finally {
    a.dp.stop();
    fake.close();
  }
});

test('control messages arrive as control events; keepalives do not', async () => {
  const p = await makePair();
  try {
    assert.equal(p.a.dp.sendControl(1, Buffer.from('{"op":"hello"}')), true);
    assert.equal(p.b.dp.sendControl(1, Buffer.alloc(0)), true);
    assert.equal(p.a.dp.sendKeepalive(1), true);
    const ev = await waitFor(() => p.b.events.find((e) => e.type === 'control'), 'control at B');
    assert.deepEqual(ev, { type: 'control', peer: 1, data: Buffer.from('{"op":"hello"}') });
    const ev2 = await waitFor(() => p.a.events.find((e) => e.type === 'control'), 'control at A');
    assert.deepEqual(ev2, { type: 'control', peer: 1, data: Buffer.alloc(0) });
    await sleep(50);
    assert.equal(p.b.events.filter((e) => e.type === 'control').length, 1);
    assert.equal(p.b.dp.testReadFrame(50), null, 'control and keepalive never reach the TAP');
  } finally {
    p.close();
  }
});

test('sendRaw delivers bytes as-is; handshake-shaped datagrams become handshake events', async () => {
  const a = makeNode();
  const b = makeNode();
  const fake = await fakePeer();
  try {
    a.dp.start();
    b.dp.start();
    const raw = Buffer.from('not a bridgehead message');
    assert.equal(a.dp.sendRaw(fake.ep, raw), true);
    const got = await waitFor(() => fake.got[0], 'fake peer receives sendRaw');
    assert.deepEqual(got, { data: raw, from: a.ep });

    const init = Buffer.alloc(164, 0x33);
    init.fill(0, 0, 4);
    init[0] = 1;
    const resp = Buffer.alloc(92, 0x44);
    resp.fill(0, 0, 4);
    resp[0] = 2;
    assert.equal(a.dp.sendRaw(b.ep, init), true);
    assert.equal(a.dp.sendRaw(b.ep, resp), true);
    await waitFor(() => b.events.length === 2, 'two handshake events');
    assert.deepEqual(b.events, [
      { type: 'handshake', from: a.ep, data: init },
      { type: 'handshake', from: a.ep, data: resp },
    ]);
    assert.equal(b.dp.stats().global.handshakeQueued, 2);
    assert.equal(a.dp.stats().global.txDatagrams, 3);
  } finally {
    a.dp.stop();
    b.dp.stop();
    fake.close();
  }
});

test('the event queue is bounded: overflow is dropped and counted', async () => {
  const a = makeNode();
  const b = makeNode({ eventQueueCapacity: 2 });
  try {
    a.dp.start();
    b.dp.start();
    const init = Buffer.alloc(164);
    init[0] = 1;
    for (let i = 0; i < 6; i++) a.dp.sendRaw(b.ep, init);
    // keep the JS thread busy (no event delivery) until B has seen all six
    const end = Date.now() + 3000;
    while (b.dp.stats().global.rxDatagrams < 6 && Date.now() < end) a.dp.testReadFrame(10);
    const s = b.dp.stats();
    assert.equal(s.global.rxDatagrams, 6);
    assert.equal(s.global.handshakeQueued, 2);
    assert.equal(s.drops.handshake_queue_full, 4);
    assert.equal(s.global.eventsDropped, 4);
    await waitFor(() => b.events.length === 2, 'the two queued events are delivered');
    for (let i = 0; i < 2; i++) a.dp.sendRaw(b.ep, init);
    await waitFor(() => b.events.length === 4, 'queue drains and accepts again');
    assert.equal(b.dp.stats().global.eventsDropped, 4);
  } finally {
    a.dp.stop();
    b.dp.stop();
  }
});

test('expireKeypairs stops sending; removePeer forgets keys, endpoint and MACs', async () => {
  const p = await makePair();
  try {
    p.a.dp.testWriteFrame(frame(BROADCAST, H1, 60));
    assert.ok(p.b.dp.testReadFrame(2000));
    assert.ok(p.b.dp.macTable().some((e) => e.peer === 1));

    p.a.dp.expireKeypairs(1);
    assert.equal(p.a.dp.stats().peers[0].currentKey, null);
    assert.equal(p.a.dp.sendKeepalive(1), false);
    p.a.dp.testWriteFrame(frame(BROADCAST, H1, 60));
    await waitFor(() => p.a.events.find((e) => e.type === 'need-handshake'), 'need-handshake after expiry');
    assert.equal(p.b.dp.testReadFrame(100), null);

    p.b.dp.removePeer(1);
    p.b.dp.removePeer(1); // idempotent
    assert.equal(p.b.dp.macTable().filter((e) => e.peer === 1).length, 0);
    assert.deepEqual(p.b.dp.stats().peers, []);
    assert.throws(() => p.b.dp.sendControl(1, Buffer.alloc(1)), { code: 'ERR_UNKNOWN_PEER' });
    // B forgot the keys: A's old-key traffic is now unknown_index
    const s = newSession();
    p.a.dp.installKeypair(1, { localIndex: s.aIndex, remoteIndex: p.session.bIndex, sendKey: p.session.aToB, recvKey: s.bToA, initiator: true });
    assert.equal(p.a.dp.sendKeepalive(1), true);
    await waitFor(() => p.b.dp.stats().drops.unknown_index === 1, 'unknown_index at B');
  } finally {
    p.close();
  }
});
