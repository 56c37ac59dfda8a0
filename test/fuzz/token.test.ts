// Fuzz: invite tokens (pasted by an operator, possibly mangled). Any string gives a token or
// one TokenError line; valid tokens round-trip; payloads with a correct checksum (recomputed
// here, so the field checks behind it are reached) are validated field by field.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ready, mac } from '../../src/control/crypto';
import { decodeToken, encodeToken, TokenError, TOKEN_PREFIX, type InviteToken } from '../../src/control/token';
import { byteEdits, fcParams, mutateBytes, readSeed, returnsOrThrowsOwn } from './fuzz-helpers';

const TOKENS = readSeed('tokens.txt').trim().split('\n');
const CHECKSUM_KEY = new TextEncoder().encode('bridgehead-token');

before(async () => { await ready(); });

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const payloadOf = (t: string): Uint8Array => new Uint8Array(Buffer.from(t.slice(TOKEN_PREFIX.length), 'base64url'));

/** The payload with its last 16 bytes replaced by the checksum of everything before. */
function reseal(p: Uint8Array): Uint8Array {
  if (p.length < 17) return p;
  const out = Uint8Array.from(p);
  out.set(mac(CHECKSUM_KEY, p.subarray(0, p.length - 16), 16), p.length - 16);
  return out;
}

function check(s: string): void {
  const r = returnsOrThrowsOwn(() => decodeToken(s), TokenError);
  if (r.ok) assert.deepEqual(decodeToken(encodeToken(r.value)), r.value);
}

test('fuzz token: the seeds decode and re-encode to the same line', () => {
  for (const t of TOKENS) assert.equal(encodeToken(decodeToken(t)), t);
});

test('fuzz token: random strings and edited token text', () => {
  fc.assert(fc.property(fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ maxLength: 300 }).map((s) => TOKEN_PREFIX + s),
    fc.tuple(fc.constantFrom(...TOKENS), byteEdits).map(([t, e]) => Buffer.from(mutateBytes(Buffer.from(t), e)).toString('latin1')),
  ), check), fcParams());
});

test('fuzz token: edited payloads with a valid checksum reach every field check', () => {
  fc.assert(fc.property(fc.constantFrom(...TOKENS), byteEdits, (t, e) => {
    check(TOKEN_PREFIX + b64url(reseal(mutateBytes(payloadOf(t), e))));
  }), fcParams());
});

test('fuzz token: valid tokens round-trip', () => {
  const ep = fc.oneof(
    fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
    fc.tuple(fc.domain(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  );
  const token: fc.Arbitrary<InviteToken> = fc.record({
    inviterPublicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    inviteId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    expiresMs: fc.integer({ min: 0, max: 8.64e15 }),
    inviterName: fc.string({ maxLength: 20 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s)),
    endpoints: fc.array(ep, { minLength: 1, maxLength: 4 }),
  });
  fc.assert(fc.property(token, (t) => {
    let enc: string;
    try {
      enc = encodeToken(t);
    } catch (e) { // the encoder refuses what the decoder would refuse (e.g. an odd domain)
      assert.ok(e instanceof TokenError, String(e));
      return;
    }
    assert.deepEqual(decodeToken(enc), { ...t }); // fc.record objects have a null prototype
  }), fcParams());
});
