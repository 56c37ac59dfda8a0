// Handshake wire messages (messages.ts): layout, sizes, mac1 per docs/INTERNALS.md section 1.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import sodium = require('libsodium-wrappers');

import { generateKeyPair, KeyPair, ready } from '../../src/control/crypto';
import {
  INITIATION_NOISE_LEN,
  INITIATION_SIZE,
  MSG_INITIATION,
  MSG_RESPONSE,
  RESPONSE_NOISE_LEN,
  RESPONSE_SIZE,
  checkMac1,
  computeMac1,
  decodeInitiation,
  decodeResponse,
  encodeInitiation,
  encodeResponse,
  mac1Key,
  messageType,
} from '../../src/control/messages';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
let rx: KeyPair;

before(async () => {
  await ready();
  rx = generateKeyPair();
});

// mac1 computed independently from the INTERNALS.md formula with raw libsodium calls.
function refMac1(body: Uint8Array, receiverPublic: Uint8Array): Uint8Array {
  const key = sodium.crypto_generichash(32, Uint8Array.from([...Buffer.from('mac1----'), ...receiverPublic]), null);
  return sodium.crypto_generichash(16, body, key);
}

test('initiation: 164 bytes, layout and mac1 as documented', () => {
  const noise = Uint8Array.from({ length: INITIATION_NOISE_LEN }, (_, i) => i);
  const m = encodeInitiation(0x01020304, noise, rx.publicKey);
  assert.equal(m.length, INITIATION_SIZE);
  assert.equal(messageType(m), MSG_INITIATION);
  assert.equal(toHex(m.subarray(0, 8)), '0100000004030201'); // type, reserved, sender_index LE
  assert.equal(toHex(m.subarray(8, 132)), toHex(noise));
  assert.equal(toHex(m.subarray(132, 148)), toHex(refMac1(m.subarray(0, 132), rx.publicKey)));
  assert.equal(toHex(m.subarray(148)), '00'.repeat(16));
  assert.equal(toHex(mac1Key(rx.publicKey)), toHex(sodium.crypto_generichash(32, Uint8Array.from([...Buffer.from('mac1----'), ...rx.publicKey]), null)));
  assert.ok(checkMac1(m, rx.publicKey));
  const d = decodeInitiation(m);
  assert.ok(d);
  assert.equal(d.senderIndex, 0x01020304);
  assert.equal(toHex(d.noise), toHex(noise));
  assert.equal(toHex(d.mac1), toHex(computeMac1(m, rx.publicKey)));
});

test('response: 92 bytes, layout and mac1 as documented', () => {
  const noise = Uint8Array.from({ length: RESPONSE_NOISE_LEN }, (_, i) => 255 - i);
  const m = encodeResponse(0xdeadbeef, 7, noise, rx.publicKey);
  assert.equal(m.length, RESPONSE_SIZE);
  assert.equal(messageType(m), MSG_RESPONSE);
  assert.equal(toHex(m.subarray(0, 12)), '02000000' + 'efbeadde' + '07000000');
  assert.equal(toHex(m.subarray(12, 60)), toHex(noise));
  assert.equal(toHex(m.subarray(60, 76)), toHex(refMac1(m.subarray(0, 60), rx.publicKey)));
  assert.equal(toHex(m.subarray(76)), '00'.repeat(16));
  assert.ok(checkMac1(m, rx.publicKey));
  const d = decodeResponse(m);
  assert.ok(d);
  assert.deepEqual([d.senderIndex, d.receiverIndex], [0xdeadbeef, 7]);
});

test('decoders refuse anything but the exact shape', () => {
  const i = encodeInitiation(1, new Uint8Array(INITIATION_NOISE_LEN), rx.publicKey);
  const r = encodeResponse(1, 2, new Uint8Array(RESPONSE_NOISE_LEN), rx.publicKey);
  assert.equal(decodeInitiation(i.subarray(0, 163)), null);
  assert.equal(decodeInitiation(r), null);
  assert.equal(decodeResponse(i), null);
  assert.equal(decodeResponse(Uint8Array.from([...r, 0])), null);
  for (const pos of [1, 2, 3]) {
    const bad = Uint8Array.from(i);
    bad[pos] = 1;
    assert.equal(decodeInitiation(bad), null, `reserved byte ${pos}`);
  }
  assert.equal(messageType(new Uint8Array(0)), null);
});

test('checkMac1 is false for wrong keys, wrong sizes, flipped bits, and never throws', () => {
  const m = encodeInitiation(1, new Uint8Array(INITIATION_NOISE_LEN), rx.publicKey);
  assert.equal(checkMac1(m, generateKeyPair().publicKey), false);
  assert.equal(checkMac1(m.subarray(0, 100), rx.publicKey), false);
  assert.equal(checkMac1(m, new Uint8Array(5)), false);
  for (let i = 0; i < 148; i++) {
    const b = Uint8Array.from(m);
    b[i] ^= 0x20;
    assert.equal(checkMac1(b, rx.publicKey), false, `byte ${i}`);
  }
  // mac2 is outside mac1.
  const b = Uint8Array.from(m);
  b[160] ^= 1;
  assert.equal(checkMac1(b, rx.publicKey), true);
});

test('encoders refuse bad indices and wrong Noise lengths', () => {
  assert.throws(() => encodeInitiation(-1, new Uint8Array(INITIATION_NOISE_LEN), rx.publicKey), RangeError);
  assert.throws(() => encodeInitiation(2 ** 32, new Uint8Array(INITIATION_NOISE_LEN), rx.publicKey), RangeError);
  assert.throws(() => encodeInitiation(0, new Uint8Array(10), rx.publicKey), RangeError);
  assert.throws(() => encodeResponse(0, 1.5, new Uint8Array(RESPONSE_NOISE_LEN), rx.publicKey), RangeError);
  assert.throws(() => encodeResponse(0, 0, new Uint8Array(47), rx.publicKey), RangeError);
});
