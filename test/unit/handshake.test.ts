// The bridgehead handshake (handshake.ts): two identities wired together in memory.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';

import { aeadOpen, aeadSeal, generateKeyPair, KeyPair, ready } from '../../src/control/crypto';
import {
  checkMac1,
  compareTimestamps,
  consumeResponse,
  createInitiation,
  createResponse,
  discardPending,
  openInitiation,
  responseReceiverIndex,
  tai64n,
} from '../../src/control/handshake';
import { INITIATION_SIZE, RESPONSE_SIZE, computeMac1 } from '../../src/control/messages';
import { tai64nToMs } from '../../src/control/tai64n';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Low-order points of Curve25519 (0, 1, and a point of order 8).
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

let alice: KeyPair;
let bob: KeyPair;
let carol: KeyPair;
const PSK = new Uint8Array(32).fill(7);
const NOW = 1_700_000_000_123;

before(async () => {
  await ready();
  alice = generateKeyPair();
  bob = generateKeyPair();
  carol = generateKeyPair();
});

function initiate(over: Partial<Parameters<typeof createInitiation>[0]> = {}) {
  return createInitiation({ local: alice, remotePublicKey: bob.publicKey, psk: PSK, senderIndex: 0x11223344, nowMs: NOW, ...over });
}

function full(opts: { initPsk?: Uint8Array; respPsk?: Uint8Array } = {}) {
  const { message: m1, state: ist } = initiate({ psk: opts.initPsk ?? PSK });
  const opened = openInitiation(m1, bob);
  assert.ok(opened.ok, `openInitiation: ${opened.ok ? '' : opened.reason}`);
  const { message: m2, keypair: rkp } = createResponse(opened.state, { psk: opts.respPsk ?? PSK, senderIndex: 0xa0b0c0d0 });
  return { m1, m2, ist, opened, rkp };
}

test('two identities complete a handshake and derive mirrored keys', () => {
  const { m1, m2, ist, opened, rkp } = full();
  assert.equal(m1.length, INITIATION_SIZE);
  assert.equal(m2.length, RESPONSE_SIZE);
  assert.ok(opened.ok);
  assert.equal(toHex(opened.initiatorPublicKey), toHex(alice.publicKey));
  assert.equal(opened.senderIndex, 0x11223344);
  assert.equal(toHex(opened.inviteId), '00'.repeat(16));
  assert.equal(tai64nToMs(opened.timestamp), NOW);
  assert.equal(responseReceiverIndex(m2), 0x11223344);

  const res = consumeResponse(ist, m2);
  assert.ok(res.ok, res.ok ? '' : res.reason);
  const ikp = res.keypair;
  assert.deepEqual(
    { l: ikp.localIndex, r: ikp.remoteIndex, i: ikp.initiator },
    { l: 0x11223344, r: 0xa0b0c0d0, i: true },
  );
  assert.deepEqual(
    { l: rkp.localIndex, r: rkp.remoteIndex, i: rkp.initiator },
    { l: 0xa0b0c0d0, r: 0x11223344, i: false },
  );
  assert.equal(ikp.sendKey.length, 32);
  assert.equal(toHex(ikp.sendKey), toHex(rkp.recvKey));
  assert.equal(toHex(ikp.recvKey), toHex(rkp.sendKey));
  assert.notEqual(toHex(ikp.sendKey), toHex(ikp.recvKey));

  // The keys work with the data-plane AEAD in both directions.
  const ad = new Uint8Array(16);
  const ct = aeadSeal(ikp.sendKey, 0n, ad, Uint8Array.of(1, 2, 3));
  assert.deepEqual(aeadOpen(rkp.recvKey, 0n, ad, ct), Uint8Array.of(1, 2, 3));
  const back = aeadSeal(rkp.sendKey, 5n, ad, Uint8Array.of(9));
  assert.deepEqual(aeadOpen(ikp.recvKey, 5n, ad, back), Uint8Array.of(9));

  // A consumed initiator state cannot be reused (a replayed response gives nothing).
  const again = consumeResponse(ist, m2);
  assert.deepEqual(again, { ok: false, reason: 'stale' });
});

test('Buffer inputs at non-zero byte offsets (as delivered by the data plane) work', () => {
  const { message: m1, state } = initiate();
  const pool1 = Buffer.alloc(INITIATION_SIZE + 7);
  pool1.set(m1, 7);
  const o = openInitiation(pool1.subarray(7), bob);
  assert.ok(o.ok);
  const { message: m2 } = createResponse(o.state, { psk: Buffer.from(PSK), senderIndex: 77 });
  const pool2 = Buffer.alloc(RESPONSE_SIZE + 3);
  pool2.set(m2, 3);
  assert.equal(responseReceiverIndex(pool2.subarray(3)), 0x11223344);
  const r = consumeResponse(state, pool2.subarray(3));
  assert.ok(r.ok);
  assert.equal(r.keypair.remoteIndex, 77);
});

test('every handshake gives fresh keys (random ephemerals)', () => {
  const a = full();
  const b = full();
  assert.notEqual(toHex(a.rkp.sendKey), toHex(b.rkp.sendKey));
  assert.notEqual(toHex(a.m1.subarray(8, 40)), toHex(b.m1.subarray(8, 40)));
});

test('injected ephemerals make the handshake deterministic', () => {
  const ie = generateKeyPair();
  const re = generateKeyPair();
  const run = () => {
    const { message: m1, state } = initiate({ ephemeral: ie });
    const o = openInitiation(m1, bob);
    assert.ok(o.ok);
    const r = createResponse(o.state, { psk: PSK, senderIndex: 9, ephemeral: re });
    const c = consumeResponse(state, r.message);
    assert.ok(c.ok);
    return [toHex(m1), toHex(r.message), toHex(c.keypair.sendKey)].join('/');
  };
  assert.equal(run(), run());
});

test('wrong psk fails at consumeResponse', () => {
  const { m2, ist } = full({ respPsk: new Uint8Array(32).fill(8) });
  assert.deepEqual(consumeResponse(ist, m2), { ok: false, reason: 'decrypt_failed' });
  const z = full({ initPsk: new Uint8Array(32) }); // initiator thinks there is no psk
  assert.deepEqual(consumeResponse(z.ist, z.m2), { ok: false, reason: 'decrypt_failed' });
});

test('tampered initiation: every byte before mac2 flipped -> refused (mac2 is the guard\'s, cookie.test.ts)', () => {
  const { message } = initiate();
  for (let i = 0; i < message.length - 16; i++) {
    for (const bit of [0x01, 0x80]) {
      const m = Uint8Array.from(message);
      m[i] ^= bit;
      const r = openInitiation(m, bob);
      assert.equal(r.ok, false, `byte ${i} bit ${bit}`);
    }
  }
});

test('tampered initiation with mac1 recomputed: Noise itself refuses every changed byte', () => {
  const { message } = initiate();
  // Bytes 8..131 are the Noise message (ephemeral, enc_static, enc_payload).
  for (let i = 8; i < 132; i++) {
    const m = Uint8Array.from(message);
    m[i] ^= 0x04;
    m.set(computeMac1(m, bob.publicKey), INITIATION_SIZE - 32);
    const r = openInitiation(m, bob);
    assert.ok(!r.ok && (r.reason === 'decrypt_failed' || r.reason === 'low_order'), `byte ${i}: ${JSON.stringify(r)}`);
  }
});

test('tampered response: every byte flipped -> refused, and the pending state survives', () => {
  const { m2, ist } = full();
  // every byte up to mac2 (mac2, a cookie's MAC, is the guard's business as on initiations:
  // handshake-guard.ts, cookie.test.ts)
  for (let i = 0; i < m2.length - 16; i++) {
    const m = Uint8Array.from(m2);
    m[i] ^= 0x10;
    const r = consumeResponse(ist, m);
    assert.equal(r.ok, false, `byte ${i}`);
  }
  for (let i = 12; i < 60; i++) {
    const m = Uint8Array.from(m2);
    m[i] ^= 0x10;
    m.set(computeMac1(m, alice.publicKey), RESPONSE_SIZE - 32);
    const r = consumeResponse(ist, m);
    assert.ok(!r.ok && (r.reason === 'decrypt_failed' || r.reason === 'low_order'), `byte ${i}: ${JSON.stringify(r)}`);
  }
  // None of the forgeries hurt the real handshake.
  assert.ok(consumeResponse(ist, m2).ok);
});

test('sizes and types: anything but the exact shape is bad_size', () => {
  const { message } = initiate();
  const { m2, ist } = full();
  for (const m of [new Uint8Array(0), message.subarray(0, 163), Uint8Array.from([...message, 0]), m2]) {
    assert.deepEqual(openInitiation(m, bob), { ok: false, reason: 'bad_size' });
  }
  const wrongType = Uint8Array.from(message);
  wrongType[0] = 4;
  assert.deepEqual(openInitiation(wrongType, bob), { ok: false, reason: 'bad_size' });
  for (const m of [new Uint8Array(0), m2.subarray(0, 91), Uint8Array.from([...m2, 0]), message]) {
    assert.deepEqual(consumeResponse(ist, m), { ok: false, reason: 'bad_size' });
  }
});

test('reserved bytes must be zero even with a valid mac1; mac2 is left to the driver (cookie.ts)', () => {
  const { message } = initiate();
  const reserved = Uint8Array.from(message);
  reserved[2] = 1;
  reserved.set(computeMac1(reserved, bob.publicKey), INITIATION_SIZE - 32);
  assert.deepEqual(openInitiation(reserved, bob), { ok: false, reason: 'malformed' });
  const mac2 = Uint8Array.from(message);
  mac2[INITIATION_SIZE - 1] = 1;
  assert.equal(openInitiation(mac2, bob).ok, true, 'mac2 is outside mac1 and not checked here');
});

test('mac1 made for another responder key fails before any DH', () => {
  const { message } = initiate({ remotePublicKey: carol.publicKey });
  assert.equal(checkMac1(message, carol.publicKey), true);
  assert.equal(checkMac1(message, bob.publicKey), false);
  assert.deepEqual(openInitiation(message, bob), { ok: false, reason: 'bad_mac1' });
  // Bob's message opened by Carol: same.
  const m = initiate().message;
  assert.deepEqual(openInitiation(m, carol), { ok: false, reason: 'bad_mac1' });
  // The response's mac1 is made for the initiator's key.
  const { m2 } = full();
  assert.equal(checkMac1(m2, alice.publicKey), true);
  assert.equal(checkMac1(m2, bob.publicKey), false);
  assert.equal(checkMac1(new Uint8Array(10), bob.publicKey), false);
});

test('response addressed to another sender index is refused', () => {
  const { m2 } = full();
  const other = initiate({ senderIndex: 5 }).state;
  assert.deepEqual(consumeResponse(other, m2), { ok: false, reason: 'unknown_index' });
});

test('low-order ephemeral keys are rejected on both sides', () => {
  for (const point of LOW_ORDER) {
    const fake = { privateKey: generateKeyPair().privateKey, publicKey: point };
    const { message } = initiate({ ephemeral: fake });
    assert.equal(checkMac1(message, bob.publicKey), true);
    assert.deepEqual(openInitiation(message, bob), { ok: false, reason: 'low_order' }, toHex(point));

    const { message: m1, state } = initiate();
    const o = openInitiation(m1, bob);
    assert.ok(o.ok);
    const r = createResponse(o.state, { psk: PSK, senderIndex: 1, ephemeral: fake });
    assert.deepEqual(consumeResponse(state, r.message), { ok: false, reason: 'low_order' }, toHex(point));
  }
});

test('inviteId round-trips to the responder', () => {
  const inviteId = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const { message } = initiate({ inviteId });
  const o = openInitiation(message, bob);
  assert.ok(o.ok);
  assert.equal(toHex(o.inviteId), toHex(inviteId));
  assert.equal(toHex(o.state.inviteId), toHex(inviteId));
});

test('a replayed initiation yields the same timestamp; a later one a newer timestamp', () => {
  const { message } = initiate();
  const first = openInitiation(message, bob);
  const replay = openInitiation(message, bob);
  assert.ok(first.ok && replay.ok);
  assert.equal(compareTimestamps(replay.timestamp, first.timestamp), 0);
  const later = openInitiation(initiate({ nowMs: NOW + 1 }).message, bob);
  assert.ok(later.ok);
  assert.equal(compareTimestamps(later.timestamp, first.timestamp), 1);
  assert.equal(compareTimestamps(first.timestamp, later.timestamp), -1);
});

test('responder state is single use; discardPending wipes a pending handshake', () => {
  const { message, state } = initiate();
  const o = openInitiation(message, bob);
  assert.ok(o.ok);
  const r = createResponse(o.state, { psk: PSK, senderIndex: 3 });
  assert.throws(() => createResponse(o.state, { psk: PSK, senderIndex: 3 }), /already answered/);
  discardPending(state);
  assert.deepEqual(consumeResponse(state, r.message), { ok: false, reason: 'stale' });
});

test('programmer errors throw RangeError, attacker bytes never throw', () => {
  assert.throws(() => initiate({ psk: new Uint8Array(31) }), RangeError);
  assert.throws(() => initiate({ senderIndex: 2 ** 32 }), RangeError);
  assert.throws(() => initiate({ inviteId: new Uint8Array(3) }), RangeError);
  assert.throws(() => initiate({ nowMs: -1 }), RangeError);
  const { ist } = full();
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let n = 0; n < 300; n++) {
    const a = Uint8Array.from({ length: INITIATION_SIZE }, rnd);
    a[0] = 1;
    a[1] = a[2] = a[3] = 0;
    if (n % 2) a.set(computeMac1(a, bob.publicKey), INITIATION_SIZE - 32);
    if (n % 4 === 1) a.fill(0, INITIATION_SIZE - 16);
    const r = openInitiation(a, bob);
    assert.equal(r.ok, false);
    const b = Uint8Array.from({ length: RESPONSE_SIZE }, rnd);
    b[0] = 2;
    b[1] = b[2] = b[3] = 0;
    b.set([0x44, 0x33, 0x22, 0x11], 8);
    if (n % 2) b.set(computeMac1(b, alice.publicKey), RESPONSE_SIZE - 32);
    if (n % 4 === 1) b.fill(0, RESPONSE_SIZE - 16);
    assert.equal(consumeResponse(ist, b).ok, false);
  }
});

test('tai64n: WireGuard label layout, big-endian, ordered', () => {
  assert.equal(toHex(tai64n(0)), '400000000000000a' + '00000000');
  assert.equal(toHex(tai64n(1500)), '400000000000000b' + (500_000_000).toString(16).padStart(8, '0'));
  assert.equal(tai64nToMs(tai64n(NOW)), NOW);
  assert.equal(compareTimestamps(tai64n(999), tai64n(1000)), -1);
  assert.equal(compareTimestamps(tai64n(1001), tai64n(1000)), 1);
  assert.equal(compareTimestamps(tai64n(1000), tai64n(1000)), 0);
});
