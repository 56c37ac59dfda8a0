// The data plane's ChaCha20-Poly1305 (native/core/bh_aead.c via addon.aeadSeal/aeadOpen) against
// every Wycheproof case (test/vectors/wycheproof-chacha20-poly1305.json) and
// against libsodium's crypto_aead_chacha20poly1305_ietf_encrypt on random inputs.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import sodium = require('libsodium-wrappers');

import { addon } from './harness';
import { testVector } from '../vectors';

interface Case {
  tcId: number;
  comment: string;
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface Group {
  ivSize: number;
  keySize: number;
  tagSize: number;
  tests: Case[];
}

const file = testVector('wycheproof-chacha20-poly1305.json');
const groups: Group[] = JSON.parse(fs.readFileSync(file, 'utf8')).testGroups;
const all = groups.flatMap((g) => g.tests.map((t) => ({ g, t })));
const usable = all.filter(({ g }) => g.ivSize === 96 && g.keySize === 256 && g.tagSize === 128);
const skipped = all.filter((c) => !usable.includes(c));
const hex = (s: string) => Buffer.from(s, 'hex');

test(`wycheproof: ${usable.length} cases with 96-bit nonces (${all.length} total, ${skipped.length} skipped: other nonce sizes)`, () => {
  assert.ok(usable.length >= 300);
  let valid = 0;
  let invalid = 0;
  for (const { t } of usable) {
    const key = hex(t.key);
    const iv = hex(t.iv);
    const aad = hex(t.aad);
    const msg = hex(t.msg);
    const ctTag = Buffer.concat([hex(t.ct), hex(t.tag)]);
    const opened = addon.aeadOpen(key, iv, aad, ctTag);
    if (t.result === 'valid') {
      assert.deepEqual(addon.aeadSeal(key, iv, aad, msg), ctTag, `tcId ${t.tcId} seal (${t.comment})`);
      assert.deepEqual(opened, msg, `tcId ${t.tcId} open (${t.comment})`);
      valid++;
    } else {
      assert.equal(opened, null, `tcId ${t.tcId} must not open (${t.comment})`);
      invalid++;
    }
  }
  assert.ok(valid > 0 && invalid > 0);
});

test(`wycheproof: the ${skipped.length} skipped cases (nonce sizes other than 12 bytes) are refused by the API`, () => {
  for (const { t } of skipped) {
    const iv = hex(t.iv);
    assert.notEqual(iv.length, 12);
    assert.throws(() => addon.aeadSeal(hex(t.key), iv, hex(t.aad), hex(t.msg)), { name: 'RangeError' }, `tcId ${t.tcId}`);
  }
});

before(async () => {
  await sodium.ready;
});

test('aeadSeal equals libsodium crypto_aead_chacha20poly1305_ietf_encrypt on random inputs', () => {
  for (let i = 0; i < 300; i++) {
    const key = crypto.randomBytes(32);
    const nonce = crypto.randomBytes(12);
    const aad = crypto.randomBytes(i % 7 === 0 ? 0 : crypto.randomInt(0, 64));
    const msg = crypto.randomBytes(i < 20 ? i : crypto.randomInt(0, 2000));
    const ours = addon.aeadSeal(key, nonce, aad, msg);
    const theirs = sodium.crypto_aead_chacha20poly1305_ietf_encrypt(msg, aad, null, nonce, key);
    assert.deepEqual(ours, Buffer.from(theirs), `case ${i}: ${msg.length} bytes, aad ${aad.length}`);
    assert.deepEqual(addon.aeadOpen(key, nonce, aad, theirs), msg);
    const bad = Buffer.from(theirs);
    bad[crypto.randomInt(0, bad.length)] ^= 1 << crypto.randomInt(0, 8);
    assert.equal(addon.aeadOpen(key, nonce, aad, bad), null);
  }
});

test('aeadOpen: too short for a tag throws RangeError; Uint8Array inputs work', () => {
  assert.throws(() => addon.aeadOpen(Buffer.alloc(32), Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(15)), {
    name: 'RangeError',
    message: /^ciphertextAndTag must be 16\.\./,
  });
  const u = new Uint8Array(32);
  const sealed = addon.aeadSeal(u, new Uint8Array(12), new Uint8Array(0), new Uint8Array([1, 2, 3]));
  assert.deepEqual(addon.aeadOpen(u, new Uint8Array(12), new Uint8Array(0), sealed), Buffer.from([1, 2, 3]));
});
