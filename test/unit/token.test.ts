// Invite tokens (token.ts): layout, round trip, and every refusal with its own clear message.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import sodium = require('libsodium-wrappers');

import { ready } from '../../src/control/crypto';
import { InviteToken, TokenError, checkTokenExpiry, decodeToken, encodeToken, pairPsk } from '../../src/control/token';

const EXPIRES = Date.UTC(2030, 0, 2, 3, 4, 5, 678);

function sample(over: Partial<InviteToken> = {}): InviteToken {
  return {
    inviterPublicKey: Uint8Array.from({ length: 32 }, (_, i) => i + 1),
    inviteId: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i),
    secret: Uint8Array.from({ length: 32 }, (_, i) => 0xff - i),
    expiresMs: EXPIRES,
    inviterName: 'tenant-site-A',
    endpoints: ['198.18.0.1:51820', '[2001:db8::1]:51820', 'dr.example.net:443'],
    ...over,
  };
}

/** Independent builder of a raw payload (with a correct checksum unless told otherwise). */
function craft(p: {
  version?: number;
  name?: Uint8Array;
  endpoints?: Uint8Array[];
  expires?: bigint;
  extra?: Uint8Array;
  badChecksum?: boolean;
}): string {
  const t = sample();
  const parts: number[] = [p.version ?? 1, ...t.inviterPublicKey, ...t.inviteId, ...t.secret];
  const exp = Buffer.alloc(8);
  exp.writeBigUInt64LE(p.expires ?? BigInt(EXPIRES));
  parts.push(...exp);
  const name = p.name ?? Buffer.from(t.inviterName);
  parts.push(name.length, ...name);
  const eps = p.endpoints ?? t.endpoints.map((e) => Buffer.from(e));
  parts.push(eps.length);
  for (const e of eps) parts.push(e.length, ...e);
  const body = Uint8Array.from(parts);
  const sum = sodium.crypto_generichash(16, body, Buffer.from('bridgehead-token'));
  if (p.badChecksum) sum[0] ^= 1;
  const all = Buffer.concat([body, sum, p.extra ?? new Uint8Array(0)]);
  return 'bh1.' + all.toString('base64url');
}

function refusal(s: string): string {
  try {
    decodeToken(s);
  } catch (e) {
    assert.ok(e instanceof TokenError, `expected TokenError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return e.message;
  }
  assert.fail(`token was accepted: ${s.slice(0, 40)}...`);
}

before(async () => {
  await ready();
});

test('round trip, including whitespace around the token', () => {
  const t = sample({ inviterName: 'Zürich – DR 🏔', endpoints: ['198.18.0.1:1', '[::1]:65535', 'a-b.c:80', '[fe80::1]:9'] });
  const s = encodeToken(t);
  assert.match(s, /^bh1\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeToken(s), t);
  assert.deepEqual(decodeToken(`  \n\t${s} \r\n`), t);
  assert.deepEqual(decodeToken(encodeToken(sample())), sample());
});

test('layout and checksum match the documented format', () => {
  assert.equal(encodeToken(sample()), craft({}));
});

test('wrong prefix', () => {
  const s = encodeToken(sample());
  for (const bad of ['bh2.' + s.slice(4), 'BH1.' + s.slice(4), s.slice(4), 'wg1.xyz', 'bh1', 'hello world']) {
    assert.equal(refusal(bad), 'malformed invite token: it must start with "bh1."', bad.slice(0, 10));
  }
  assert.equal(refusal(''), 'malformed invite token: empty');
  assert.equal(refusal('   '), 'malformed invite token: empty');
  assert.equal(refusal('bh1.'), 'malformed invite token: nothing after "bh1."');
});

test('garbage characters are named with their position', () => {
  assert.equal(refusal('bh1.abc!def'), 'malformed invite token: invalid character "!" at position 8 (expected base64url)');
  assert.equal(refusal('bh1.ab cd'), 'malformed invite token: invalid character " " at position 7 (expected base64url)');
  assert.match(refusal('bh1.abcd+/=='), /invalid character "\+"/);
  assert.match(refusal('x'.repeat(5000)), /too long \(5000 characters\)/);
});

test('truncated at every length: always a TokenError, mostly "truncated"', () => {
  const s = encodeToken(sample());
  const kinds = new Map<string, number>();
  for (let n = 0; n < s.length; n++) {
    const msg = refusal(s.slice(0, n));
    const kind = msg.replace(/\(payload is \d+ bytes\)/, '').replace(/in the .*$/, 'in <field>');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  // Every cut past the prefix is reported as a cut: truncated, impossible length, or a
  // non-canonical last character — never as a checksum mismatch.
  for (const k of kinds.keys()) {
    assert.match(k, /must start with|empty|nothing after|truncated|impossible base64url length|non-canonical/, k);
  }
  assert.ok((kinds.get('malformed invite token: truncated in <field>') ?? 0) > s.length / 3);
});

test('one changed character anywhere -> tampered or malformed, never accepted', () => {
  const s = encodeToken(sample());
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let tampered = 0;
  for (let i = 0; i < s.length; i++) {
    for (const shift of [1, 17, 40]) {
      const c = alphabet[(alphabet.indexOf(s[i]) + shift) % alphabet.length] ?? 'A';
      const bad = s.slice(0, i) + c + s.slice(i + 1);
      if (bad === s) continue;
      const msg = refusal(bad);
      assert.match(msg, /^(malformed invite token: |invite token checksum mismatch|unsupported invite token version)/, `pos ${i}: ${msg}`);
      if (msg.startsWith('invite token checksum mismatch')) tampered++;
    }
  }
  assert.ok(tampered > s.length, `most flips are reported as tampering (${tampered})`);
  assert.equal(refusal(craft({ badChecksum: true })), 'invite token checksum mismatch: the token was altered or mis-copied');
});

test('trailing bytes and versions', () => {
  assert.equal(refusal(craft({ extra: Uint8Array.of(0) })), 'malformed invite token: 1 unexpected trailing byte');
  assert.equal(refusal(craft({ extra: Uint8Array.of(1, 2, 3) })), 'malformed invite token: 3 unexpected trailing bytes');
  assert.equal(refusal(craft({ version: 2 })), 'unsupported invite token version 2 (this bridgehead reads version 1)');
  assert.equal(refusal(craft({ version: 2, badChecksum: true })), 'malformed invite token: bad version byte 2 (expected 1)');
});

test('expired', () => {
  const t = decodeToken(encodeToken(sample()));
  checkTokenExpiry(t, EXPIRES - 1);
  for (const now of [EXPIRES, EXPIRES + 1, EXPIRES + 86_400_000]) {
    assert.throws(() => checkTokenExpiry(t, now), (e: unknown) => e instanceof TokenError && e.message === 'invite token expired at 2030-01-02T03:04:05.678Z');
  }
});

test('too many / no endpoints', () => {
  const five = ['a:1', 'b:2', 'c:3', 'd:4', 'e:5'];
  assert.throws(() => encodeToken(sample({ endpoints: five })), { name: 'TokenError', message: 'cannot create invite token: too many endpoints (5, at most 4)' });
  assert.throws(() => encodeToken(sample({ endpoints: [] })), { name: 'TokenError', message: 'cannot create invite token: at least one endpoint is required' });
  assert.equal(refusal(craft({ endpoints: five.map((e) => Buffer.from(e)) })), 'malformed invite token: too many endpoints (5, at most 4)');
  assert.equal(refusal(craft({ endpoints: [] })), 'malformed invite token: no endpoints');
});

test('name too long, invalid or with control characters', () => {
  const long = 'x'.repeat(65);
  assert.throws(() => encodeToken(sample({ inviterName: long })), { name: 'TokenError', message: 'cannot create invite token: inviter name is 65 bytes (at most 64)' });
  // 22 three-byte characters: 22 code points but 66 bytes.
  assert.throws(() => encodeToken(sample({ inviterName: '€'.repeat(22) })), /inviter name is 66 bytes/);
  encodeToken(sample({ inviterName: 'x'.repeat(64) }));
  encodeToken(sample({ inviterName: '' }));
  assert.equal(refusal(craft({ name: Buffer.from(long) })), 'malformed invite token: inviter name is 65 bytes (at most 64)');
  assert.equal(refusal(craft({ name: Uint8Array.of(0xc3, 0x28) })), 'malformed invite token: inviter name is not valid UTF-8');
  assert.equal(refusal(craft({ name: Buffer.from('evil\nline') })), 'malformed invite token: inviter name contains control characters');
  assert.throws(() => encodeToken(sample({ inviterName: 'a\u001bb' })), /control characters/);
});

test('bad endpoints are named', () => {
  const cases: [string, RegExp][] = [
    ['nohost', /is not host:port/],
    [':80', /has an empty host/],
    ['host:0', /invalid port "0"/],
    ['host:65536', /invalid port "65536"/],
    ['host:080', /invalid port "080"/],
    ['host:', /invalid port ""/],
    ['2001:db8::1:80', /is not host:port \(write IPv6 addresses as \[addr\]:port\)/],
    ['[zz::1]:80', /invalid IPv6 address "zz::1"/],
    ['1.2.3.999:80', /invalid host "1.2.3.999"/],
    ['bad_host:80', /invalid host "bad_host"/],
    ['-a.b:80', /invalid host "-a.b"/],
  ];
  for (const [ep, re] of cases) {
    assert.throws(() => encodeToken(sample({ endpoints: ['198.18.0.1:1', ep] })), (e: unknown) => {
      assert.ok(e instanceof TokenError);
      assert.match(e.message, new RegExp(`^cannot create invite token: endpoint 2 "${ep.replace(/[[\]().]/g, '\\$&')}" `));
      assert.match(e.message, re);
      return true;
    }, ep);
    const msg = refusal(craft({ endpoints: [Buffer.from(ep)] }));
    assert.ok(msg.startsWith(`malformed invite token: endpoint 1 ${JSON.stringify(ep)} `), msg);
    assert.match(msg, re);
  }
  assert.match(refusal(craft({ endpoints: [Uint8Array.of(0xff, 0x3a, 0x31)] })), /endpoint 1 is not valid UTF-8/);
});

test('bad fields on encode and out-of-range expiry on decode', () => {
  assert.throws(() => encodeToken(sample({ secret: new Uint8Array(31) })), /secret must be 32 bytes/);
  assert.throws(() => encodeToken(sample({ inviterPublicKey: new Uint8Array(0) })), /inviter public key must be 32 bytes/);
  assert.throws(() => encodeToken(sample({ inviteId: new Uint8Array(17) })), /invite id must be 16 bytes/);
  assert.throws(() => encodeToken(sample({ expiresMs: -1 })), /expiry -1 is not a valid unix time/);
  assert.throws(() => encodeToken(sample({ expiresMs: 1.5 })), TokenError);
  assert.equal(refusal(craft({ expires: 1n << 63n })), 'malformed invite token: expiry is out of range');
});

test('every refusal category has its own message', () => {
  const s = encodeToken(sample());
  const msgs = [
    refusal('wg1.abc'), // wrong prefix
    refusal('bh1.'), // empty payload
    refusal('bh1.ab!c'), // garbage
    refusal(s.slice(0, 60)), // truncated
    refusal('bh1.AAAAA'), // impossible base64url length
    refusal('bh1.AB'), // non-canonical ending
    refusal(craft({ badChecksum: true })), // tampered
    refusal(craft({ extra: Uint8Array.of(0) })), // trailing
    refusal(craft({ version: 9 })), // version
    refusal(craft({ endpoints: ['a:1', 'b:2', 'c:3', 'd:4', 'e:5'].map((e) => Buffer.from(e)) })), // too many
    refusal(craft({ name: Buffer.from('n'.repeat(70)) })), // name too long
    refusal(craft({ endpoints: [Buffer.from('nohost')] })), // bad endpoint
  ];
  let expired = '';
  try {
    checkTokenExpiry(sample(), EXPIRES);
  } catch (e) {
    expired = (e as Error).message;
  }
  msgs.push(expired);
  assert.equal(new Set(msgs).size, msgs.length, msgs.join('\n'));
});

test('pairPsk = keyed BLAKE2b-256(key "bridgehead-psk", secret)', () => {
  const secret = sample().secret;
  const psk = pairPsk(secret);
  assert.equal(psk.length, 32);
  assert.equal(Buffer.from(psk).toString('hex'), Buffer.from(sodium.crypto_generichash(32, secret, Buffer.from('bridgehead-psk'))).toString('hex'));
  assert.notDeepEqual(pairPsk(new Uint8Array(32)), psk);
  assert.throws(() => pairPsk(new Uint8Array(16)), RangeError);
});

test('a checksum-valid token whose endpoint holds control characters is refused in one clean line (found by test/fuzz)', () => {
  for (const ep of ['198.1\r.0.9:1', 'a\nb:1', 'x\u001b[31m:1', '[::1\r]:1', 'h:1\r']) {
    const msg = refusal(craft({ endpoints: [Buffer.from(ep)] }));
    assert.ok(!/[\u0000-\u001f\u007f]/.test(msg), `control character in ${JSON.stringify(msg)}`);
    assert.match(msg, /^malformed invite token: endpoint 1 /);
  }
  assert.equal(refusal(craft({ endpoints: [Buffer.from('198.1\r.0.9:1')] })),
    'malformed invite token: endpoint 1 "198.1\\r.0.9:1" has an invalid host "198.1\\r.0.9"');
});
