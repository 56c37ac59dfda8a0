// Every Wycheproof X25519 case through crypto.dh. Low-order public keys / zero shared secrets
// (including Wycheproof's "acceptable" ones) must throw LowOrderPointError; every other case
// must produce exactly the expected shared secret.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { LowOrderPointError, dh, generateKeyPair, publicKey, ready } from '../../src/control/crypto';
import { testVector } from '../vectors';


interface Case {
  tcId: number;
  comment: string;
  flags: string[];
  public: string;
  private: string;
  shared: string;
  result: 'valid' | 'acceptable' | 'invalid';
}

const file = testVector('wycheproof-x25519.json');
// Loaded at module level so the counts can go into the test names; a missing file fails loudly.
const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { numberOfTests: number; testGroups: { tests: Case[] }[] };
const cases = doc.testGroups.flatMap((g) => g.tests);

const mustReject = (c: Case): boolean =>
  c.flags.includes('LowOrderPublic') || c.flags.includes('ZeroSharedSecret') || /^(00)+$/.test(c.shared);

const rejects = cases.filter(mustReject);
const valid = cases.filter((c) => !mustReject(c) && c.result === 'valid');
const acceptable = cases.filter((c) => !mustReject(c) && c.result === 'acceptable');
const invalid = cases.filter((c) => !mustReject(c) && c.result === 'invalid');

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

before(async () => {
  await ready();
});

test(`wycheproof x25519: file holds all ${doc.numberOfTests} cases`, () => {
  assert.equal(cases.length, doc.numberOfTests);
  assert.ok(cases.length > 500);
  assert.equal(invalid.length, 0, 'unexpected "invalid" cases: decide how to treat them');
  assert.equal(rejects.length + valid.length + acceptable.length, cases.length);
});

test(`wycheproof x25519: ${valid.length} valid cases give the expected shared secret`, () => {
  assert.ok(valid.length > 0);
  for (const c of valid) {
    assert.equal(toHex(dh(hex(c.private), hex(c.public))), c.shared, `tcId ${c.tcId} (${c.comment})`);
  }
});

test(`wycheproof x25519: ${acceptable.length} acceptable non-low-order cases (twist, non-canonical, ...) give the expected shared secret`, () => {
  assert.ok(acceptable.length > 0);
  for (const c of acceptable) {
    assert.equal(toHex(dh(hex(c.private), hex(c.public))), c.shared, `tcId ${c.tcId} (${c.comment})`);
  }
});

test(`wycheproof x25519: ${rejects.length} low-order / zero-shared-secret cases throw LowOrderPointError`, () => {
  assert.ok(rejects.length > 0);
  for (const c of rejects) {
    assert.throws(() => dh(hex(c.private), hex(c.public)), LowOrderPointError, `tcId ${c.tcId} (${c.comment})`);
  }
});

test('dh is symmetric and publicKey matches generateKeyPair', () => {
  const a = generateKeyPair();
  const b = generateKeyPair();
  assert.equal(toHex(publicKey(a.privateKey)), toHex(a.publicKey));
  assert.equal(toHex(dh(a.privateKey, b.publicKey)), toHex(dh(b.privateKey, a.publicKey)));
  assert.throws(() => dh(a.privateKey, new Uint8Array(32)), LowOrderPointError);
  assert.throws(() => dh(a.privateKey, new Uint8Array(31)), RangeError);
});
