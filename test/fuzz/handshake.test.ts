// Fuzz: handshake messages from the Internet. decodeInitiation/decodeResponse take any bytes
// (a value or null); openInitiation and consumeResponse take any bytes and return a result with
// a reason, never throw. Edited genuine messages get their mac1 recomputed, so the edits reach
// the Noise decryption behind it; none of them may be accepted unless the bytes are unchanged.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair, ready, type KeyPair } from '../../src/control/crypto';
import { consumeResponse, createInitiation, createResponse, openInitiation } from '../../src/control/handshake';
import { computeMac1, decodeInitiation, decodeResponse, INITIATION_SIZE, RESPONSE_SIZE } from '../../src/control/messages';
import { byteEdits, fcParams, fuzzRuns, mutateBytes } from './fuzz-helpers';

const PSK = new Uint8Array(32).fill(7);
let alice: KeyPair;
let bob: KeyPair;

before(async () => {
  await ready();
  alice = generateKeyPair();
  bob = generateKeyPair();
});

/** Recompute mac1 (bytes [len-32, len-16)) for the receiver, as a forger who knows its public key can. */
function withMac1(msg: Uint8Array, receiver: Uint8Array): Uint8Array {
  if (msg.length < 32) return msg;
  const out = Uint8Array.from(msg);
  out.set(computeMac1(out, receiver), out.length - 32);
  return out;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

// A full handshake per run (three DH-heavy steps) dominates: a tenth of the runs
const dhRuns = (): number => Math.max(50, Math.floor(fuzzRuns() / 10));

test('fuzz handshake: decoders take any bytes', () => {
  fc.assert(fc.property(fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.uint8Array({ minLength: INITIATION_SIZE, maxLength: INITIATION_SIZE }).map((b) => { b[0] = 1; return b; }),
    fc.uint8Array({ minLength: RESPONSE_SIZE, maxLength: RESPONSE_SIZE }).map((b) => { b[0] = 2; return b; }),
  ), (b) => {
    const i = decodeInitiation(b);
    const r = decodeResponse(b);
    if (i) assert.equal(b.length, INITIATION_SIZE);
    if (r) assert.equal(b.length, RESPONSE_SIZE);
  }), fcParams());
});

test('fuzz handshake: openInitiation on edited initiations (mac1 valid) never throws, never accepts a change', () => {
  const { message } = createInitiation({ local: alice, remotePublicKey: bob.publicKey, psk: PSK, senderIndex: 7, nowMs: 1_700_000_000_000 });
  assert.ok(openInitiation(message, bob).ok);
  fc.assert(fc.property(byteEdits, fc.boolean(), (e, fixMac) => {
    const m0 = mutateBytes(message, e);
    const m = fixMac ? withMac1(m0, bob.publicKey) : m0;
    const r = openInitiation(m, bob);
    if (r.ok) assert.ok(same(m.subarray(8, 132), message.subarray(8, 132)), 'an edited Noise message was accepted'); // the sender index is not authenticated (as in WireGuard)
    else assert.match(r.reason, /^(bad_size|bad_mac1|malformed|decrypt_failed|low_order)$/);
  }), fcParams());
});

test('fuzz handshake: consumeResponse on edited responses (mac1 valid) never throws, a forgery never completes', () => {
  fc.assert(fc.property(byteEdits, fc.boolean(), (e, fixMac) => {
    const { message, state } = createInitiation({ local: alice, remotePublicKey: bob.publicKey, psk: PSK, senderIndex: 9, nowMs: 1_700_000_000_000 });
    const opened = openInitiation(message, bob);
    assert.ok(opened.ok);
    const { message: resp } = createResponse(opened.state, { psk: PSK, senderIndex: 11 });
    const m0 = mutateBytes(resp, e);
    const m = fixMac ? withMac1(m0, alice.publicKey) : m0;
    const r = consumeResponse(state, m);
    if (r.ok) assert.ok(same(m.subarray(8, 60), resp.subarray(8, 60)), 'an edited response completed the handshake'); // receiver index + Noise
    else {
      assert.match(r.reason, /^(bad_size|bad_mac1|malformed|unknown_index|decrypt_failed|low_order|stale)$/);
      assert.ok(consumeResponse(state, resp).ok, 'a forged response killed the pending handshake');
    }
  }), fcParams(dhRuns()));
});
