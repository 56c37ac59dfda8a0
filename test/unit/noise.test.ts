// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b against the cacophony known-answer vector, plus the
// primitives underneath (HMAC-BLAKE2b, HKDF, AEAD nonce layout) cross-checked with OpenSSL.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as nodeCrypto from 'node:crypto';

import { aeadOpen, aeadSeal, hash, hkdf, hmac, mac, publicKey, ready } from '../../src/control/crypto';
import { HandshakeState, NoiseError, PROTOCOL_NAME } from '../../src/control/noise';
import { testVector } from '../vectors';


interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_psks: string[];
  init_static: string;
  init_ephemeral: string;
  init_remote_static: string;
  resp_prologue: string;
  resp_psks: string[];
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const kp = (privHex: string) => {
  const privateKey = hex(privHex);
  return { privateKey, publicKey: publicKey(privateKey) };
};

function loadVector(): Vector {
  const file = testVector('noise-cacophony.json');
  // No skip: a missing vector file or entry is a failure.
  assert.ok(fs.existsSync(file), `Noise test vector file missing: ${file}`);
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as { vectors: Vector[] };
  const v = all.vectors.find((x) => x.protocol_name === PROTOCOL_NAME);
  assert.ok(v, `no ${PROTOCOL_NAME} entry in ${file}`);
  assert.equal(v.init_psks.length, 1, 'IKpsk2 vector must carry exactly one psk');
  assert.ok(v.messages.length >= 2, 'vector must contain both handshake messages');
  return v;
}

before(async () => {
  await ready();
});

test(`cacophony vector: ${PROTOCOL_NAME} handshake + transport, byte for byte`, () => {
  const v = loadVector();
  const init = new HandshakeState({
    initiator: true,
    prologue: hex(v.init_prologue),
    s: kp(v.init_static),
    e: kp(v.init_ephemeral),
    rs: hex(v.init_remote_static),
    psk: hex(v.init_psks[0]),
  });
  const resp = new HandshakeState({
    initiator: false,
    prologue: hex(v.resp_prologue),
    s: kp(v.resp_static),
    e: kp(v.resp_ephemeral),
    psk: hex(v.resp_psks[0]),
  });

  // Handshake: message 0 initiator -> responder, message 1 responder -> initiator.
  for (let i = 0; i < 2; i++) {
    const m = v.messages[i];
    const [w, r] = i % 2 === 0 ? [init, resp] : [resp, init];
    const ct = w.writeMessage(hex(m.payload));
    assert.equal(toHex(ct), m.ciphertext, `handshake message ${i} ciphertext`);
    const pt = r.readMessage(ct);
    assert.equal(toHex(pt), m.payload, `handshake message ${i} payload`);
  }
  assert.ok(init.isComplete && resp.isComplete);
  assert.equal(toHex(resp.remoteStatic as Uint8Array), toHex(kp(v.init_static).publicKey), 'responder learned initiator static');
  assert.equal(toHex(init.handshakeHash), v.handshake_hash, 'initiator handshake hash');
  assert.equal(toHex(resp.handshakeHash), v.handshake_hash, 'responder handshake hash');

  // Transport: even index initiator -> responder, odd index responder -> initiator.
  const ic = init.split();
  const rc = resp.split();
  const transport = v.messages.slice(2);
  assert.ok(transport.length >= 2, 'vector must contain transport messages in both directions');
  transport.forEach((m, j) => {
    const i = j + 2;
    const [send, recv] = i % 2 === 0 ? [ic.send, rc.recv] : [rc.send, ic.recv];
    const ct = send.encryptWithAd(new Uint8Array(0), hex(m.payload));
    assert.equal(toHex(ct), m.ciphertext, `transport message ${i} ciphertext`);
    assert.equal(toHex(recv.decryptWithAd(new Uint8Array(0), ct)), m.payload, `transport message ${i} payload`);
  });
});

test('responder may learn the psk after reading message 0 (same bytes as the vector)', () => {
  const v = loadVector();
  const init = new HandshakeState({
    initiator: true, prologue: hex(v.init_prologue), s: kp(v.init_static), e: kp(v.init_ephemeral),
    rs: hex(v.init_remote_static), psk: hex(v.init_psks[0]),
  });
  const resp = new HandshakeState({ initiator: false, prologue: hex(v.resp_prologue), s: kp(v.resp_static) });
  resp.readMessage(init.writeMessage(hex(v.messages[0].payload)));
  resp.setPsk(hex(v.resp_psks[0]));
  resp.setEphemeral(kp(v.resp_ephemeral));
  const ct = resp.writeMessage(hex(v.messages[1].payload));
  assert.equal(toHex(ct), v.messages[1].ciphertext);
  init.readMessage(ct);
  assert.equal(toHex(init.handshakeHash), v.handshake_hash);
});

test('wrong psk: initiator fails to read message 1, state is poisoned', () => {
  const v = loadVector();
  const init = new HandshakeState({
    initiator: true, prologue: hex(v.init_prologue), s: kp(v.init_static), rs: hex(v.init_remote_static),
    psk: hex(v.init_psks[0]),
  });
  const resp = new HandshakeState({ initiator: false, prologue: hex(v.resp_prologue), s: kp(v.resp_static), psk: new Uint8Array(32) });
  resp.readMessage(init.writeMessage(new Uint8Array(0)));
  const m1 = resp.writeMessage(new Uint8Array(0));
  const saved = init.clone();
  assert.throws(() => init.readMessage(m1), (e: unknown) => e instanceof NoiseError && e.reason === 'decrypt_failed');
  assert.throws(() => init.split(), NoiseError);
  // The clone taken before is unaffected and still fails the same way (deterministic).
  assert.throws(() => saved.readMessage(m1), NoiseError);
});

test('prologue mismatch fails message 0', () => {
  const v = loadVector();
  const init = new HandshakeState({
    initiator: true, prologue: hex(v.init_prologue), s: kp(v.init_static), rs: hex(v.init_remote_static),
  });
  const resp = new HandshakeState({ initiator: false, prologue: new Uint8Array([1]), s: kp(v.resp_static) });
  assert.throws(() => resp.readMessage(init.writeMessage(new Uint8Array(0))), NoiseError);
});

test('short message 0 is refused, not crashed on', () => {
  const v = loadVector();
  for (const n of [0, 31, 32, 79, 80, 95]) {
    const resp = new HandshakeState({ initiator: false, prologue: hex(v.resp_prologue), s: kp(v.resp_static) });
    assert.throws(() => resp.readMessage(new Uint8Array(n).fill(9)), (e: unknown) => e instanceof Error, `length ${n}`);
  }
});

test('hmac is RFC 2104 HMAC-BLAKE2b-512 (block 128), cross-checked with OpenSSL', () => {
  const cases: [number, number][] = [[0, 0], [32, 5], [64, 100], [128, 1], [129, 300], [200, 0]];
  for (const [klen, dlen] of cases) {
    const key = Uint8Array.from({ length: klen }, (_, i) => (i * 7 + 1) & 0xff);
    const data = Uint8Array.from({ length: dlen }, (_, i) => (i * 13 + 3) & 0xff);
    const want = nodeCrypto.createHmac('blake2b512', key).update(data).digest('hex');
    assert.equal(toHex(hmac(key, data)), want, `key ${klen} data ${dlen}`);
  }
  assert.equal(toHex(hash(new Uint8Array(0))), nodeCrypto.createHash('blake2b512').update('').digest('hex'));
  // And it is NOT keyed BLAKE2b.
  const k = new Uint8Array(32).fill(1);
  assert.notEqual(toHex(hmac(k, k)), toHex(mac(k, k, 64)));
});

test('hkdf follows the Noise definition', () => {
  const ck = new Uint8Array(64).fill(0x11);
  const ikm = new Uint8Array(32).fill(0x22);
  const temp = nodeCrypto.createHmac('blake2b512', ck).update(ikm).digest();
  const o1 = nodeCrypto.createHmac('blake2b512', temp).update(Buffer.from([1])).digest();
  const o2 = nodeCrypto.createHmac('blake2b512', temp).update(Buffer.concat([o1, Buffer.from([2])])).digest();
  const o3 = nodeCrypto.createHmac('blake2b512', temp).update(Buffer.concat([o2, Buffer.from([3])])).digest();
  const two = hkdf(ck, ikm, 2);
  const three = hkdf(ck, ikm, 3);
  assert.deepEqual(two.map(toHex), [o1, o2].map((b) => b.toString('hex')));
  assert.deepEqual(three.map(toHex), [o1, o2, o3].map((b) => b.toString('hex')));
});

test('aead uses the Noise nonce (4 zero bytes || u64 LE counter), cross-checked with OpenSSL', () => {
  const key = new Uint8Array(32).fill(0x42);
  const ad = Uint8Array.from([1, 2, 3]);
  const pt = Uint8Array.from(Buffer.from('bridgehead'));
  for (const counter of [0n, 1n, 0x0102030405060708n, (1n << 64n) - 2n]) {
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64LE(counter, 4);
    const c = nodeCrypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    c.setAAD(ad, { plaintextLength: pt.length });
    const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]).toString('hex');
    const got = aeadSeal(key, counter, ad, pt);
    assert.equal(toHex(got), want, `counter ${counter}`);
    assert.equal(toHex(aeadOpen(key, counter, ad, got) as Uint8Array), toHex(pt));
    assert.equal(aeadOpen(key, counter + 1n, ad, got), null);
    const bad = Uint8Array.from(got);
    bad[0] ^= 1;
    assert.equal(aeadOpen(key, counter, ad, bad), null);
  }
  assert.equal(aeadOpen(key, 0n, ad, new Uint8Array(5)), null);
});
