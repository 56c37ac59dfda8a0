// Cookie replies, mac2 and the handshake guard (cookie.ts, handshake-guard.ts): the WireGuard DoS
// defence, pure, with time passed in.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import sodium = require('libsodium-wrappers');

import { generateKeyPair, KeyPair, ready } from '../../src/control/crypto';
import { consumeResponse, createInitiation, createResponse, openInitiation } from '../../src/control/handshake';
import {
  COOKIE_REPLY_SIZE, COOKIE_SECRET_MAX_AGE_MS, CookieChecker, computeMac2, cookieReplyReceiver, openCookieReply,
  sourceBytes,
} from '../../src/control/cookie';
import {
  HandshakeGuard, LoadMeter, ReplayFilter, SourceLimiter, UNDER_LOAD_PER_SECOND, sourceKey,
} from '../../src/control/handshake-guard';
import { INITIATION_SIZE, RESPONSE_SIZE } from '../../src/control/messages';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const PSK = new Uint8Array(32);
const T0 = 1_700_000_000_000;
let alice: KeyPair;
let bob: KeyPair;

before(async () => {
  await ready();
  await sodium.ready;
  alice = generateKeyPair();
  bob = generateKeyPair();
});

let nextIndex = 1;
function initiation(nowMs: number, cookie?: Uint8Array) {
  return createInitiation({ local: alice, remotePublicKey: bob.publicKey, psk: PSK, senderIndex: nextIndex++, nowMs, cookie });
}

/** A deterministic Rng: the given chunks in order, then zeros. */
function script(...chunks: Uint8Array[]) {
  return (n: number): Uint8Array => {
    const c = chunks.shift() ?? new Uint8Array(n);
    assert.equal(c.length, n, 'rng chunk length');
    return Uint8Array.from(c);
  };
}

/** A guard that is under load from the start (threshold 1 and one initiation recorded). */
function loadedGuard(rng?: (n: number) => Uint8Array) {
  return new HandshakeGuard(bob.publicKey, { load: new LoadMeter(1), rng });
}

test('known answer: cookie reply and mac2 computed directly from the spec formula with libsodium', () => {
  // Fixed responder key, secret Rm, nonce and source; the expected bytes come from libsodium
  // primitives here, not from cookie.ts.
  const responderPub = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const rm = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 ^ i);
  const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x50 + i);
  const msg = Uint8Array.from({ length: INITIATION_SIZE }, (_, i) => (i * 7) & 0xff);
  msg[0] = 1; msg[1] = 0; msg[2] = 0; msg[3] = 0;
  const mac1 = msg.slice(132, 148);
  const receiver = new DataView(msg.buffer).getUint32(4, true);

  // WireGuard 5.4.7: tau = MAC(Rm, A_m) with A_m = source IP || source port (network order);
  // msg.cookie = XAEAD(HASH(LABEL_COOKIE || S_pub_m), nonce, tau, m.mac1). MAC = keyed BLAKE2b-128,
  // HASH = BLAKE2b-256 here.
  const src = Uint8Array.of(198, 18, 3, 1, 0xca, 0x6c);           // 198.18.3.1:51820
  const tau = sodium.crypto_generichash(16, src, rm);
  const key = sodium.crypto_generichash(32, Uint8Array.of(...Buffer.from('cookie--'), ...responderPub), null);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(tau, mac1, null, nonce, key);
  const want = new Uint8Array(64);
  want[0] = 3;
  new DataView(want.buffer).setUint32(4, receiver, true);
  want.set(nonce, 8);
  want.set(sealed, 32);

  const checker = new CookieChecker(responderPub, script(rm, nonce));
  const got = checker.reply(msg, '198.18.3.1', 51820, T0);
  assert.ok(got);
  assert.equal(hex(got), hex(want));
  assert.equal(hex(checker.cookieFor('198.18.3.1', 51820, T0)!), hex(tau));

  // mac2 = MAC(tau, msg[0:148]) and the checker accepts exactly that.
  const withMac2 = Uint8Array.from(msg);
  withMac2.set(sodium.crypto_generichash(16, msg.subarray(0, 148), tau), 148);
  assert.equal(hex(computeMac2(withMac2, tau)), hex(withMac2.subarray(148)));
  assert.equal(checker.mac2Valid(withMac2, '198.18.3.1', 51820, T0 + 1), true);
  assert.equal(checker.mac2Valid(withMac2, '198.18.3.1', 51821, T0 + 1), false, 'other port');
  assert.equal(checker.mac2Valid(withMac2, '198.18.3.2', 51820, T0 + 1), false, 'other address');
});

test('source bytes: IPv4 4 bytes, IPv6 16 bytes, port big-endian; junk is refused', () => {
  assert.equal(hex(sourceBytes('198.18.0.1', 0x1234)!), 'c612000' + '1' + '1234');
  assert.equal(sourceBytes('2001:db8::1', 1)!.length, 18);
  assert.equal(sourceBytes('not-an-ip', 1), null);
  assert.equal(sourceBytes('198.18.0.1', 70000), null);
  assert.equal(sourceKey('2001:db8:1:2:aaaa::1'), sourceKey('2001:db8:1:2:bbbb::2'), 'IPv6 limited per /64');
  assert.notEqual(sourceKey('198.18.0.1'), sourceKey('198.18.0.2'));
});

test('under load: no mac2 -> cookie reply; the initiator opens it and its retry with mac2 is processed', () => {
  const g = loadedGuard();
  const first = initiation(T0);
  const v = g.initiation(first.message, '198.18.0.9', 40000, T0);
  assert.equal(v.kind, 'cookie');
  if (v.kind !== 'cookie') return;
  assert.equal(v.reply.length, COOKIE_REPLY_SIZE);
  assert.equal(cookieReplyReceiver(v.reply), first.state.senderIndex);
  assert.equal(first.state.withCookie, false);

  const cookie = openCookieReply(v.reply, bob.publicKey, first.state.mac1);
  assert.ok(cookie, 'initiator decrypts the cookie');
  // Wrong key, wrong associated data (another initiation's mac1), tampering: refused.
  assert.equal(openCookieReply(v.reply, alice.publicKey, first.state.mac1), null);
  assert.equal(openCookieReply(v.reply, bob.publicKey, initiation(T0).state.mac1), null);
  const bent = Uint8Array.from(v.reply); bent[40] ^= 1;
  assert.equal(openCookieReply(bent, bob.publicKey, first.state.mac1), null);
  assert.equal(openCookieReply(v.reply.subarray(0, 63), bob.publicKey, first.state.mac1), null);

  const retry = initiation(T0 + 5, cookie!);
  assert.equal(retry.state.withCookie, true);
  assert.deepEqual(g.initiation(retry.message, '198.18.0.9', 40000, T0 + 5), { kind: 'process' });
  assert.equal(openInitiation(retry.message, bob).ok, true, 'Noise does not mind mac2');
  assert.equal(g.stats(T0 + 5).mac2Accepted, 1);
  assert.equal(g.stats(T0 + 5).cookieRepliesSent, 1);
  // The same mac2 from another source port is not valid there.
  const other = initiation(T0 + 6, cookie!);
  assert.equal(g.initiation(other.message, '198.18.0.9', 40001, T0 + 6).kind, 'cookie');
});

test('under load: a response without mac2 gets a cookie reply; the responder opens it with its mac1 and its next response with mac2 is processed', () => {
  const load = new LoadMeter(1);
  load.record(T0);
  const g = new HandshakeGuard(alice.publicKey, { load }); // alice initiates and is under load
  const respond = (nowMs: number, senderIndex: number, cookie?: Uint8Array) => {
    const init = initiation(nowMs);
    const opened = openInitiation(init.message, bob);
    assert.ok(opened.ok);
    if (!opened.ok) throw new Error('unreachable');
    return { init, resp: createResponse(opened.state, { psk: PSK, senderIndex, cookie }).message };
  };
  const { resp } = respond(T0, 77);
  const v = g.response(resp, '198.18.0.8', 51820, T0);
  assert.equal(v.kind, 'cookie');
  if (v.kind !== 'cookie') return;
  assert.equal(cookieReplyReceiver(v.reply), 77, 'addressed to the response\'s sender index');
  const mac1 = resp.slice(RESPONSE_SIZE - 32, RESPONSE_SIZE - 16);
  const cookie = openCookieReply(v.reply, alice.publicKey, mac1);
  assert.ok(cookie, 'the responder decrypts the cookie with the mac1 of its response');
  assert.equal(openCookieReply(v.reply, bob.publicKey, mac1), null);

  // alice retries; bob's response now carries mac2 with the cookie
  load.record(T0 + 5000);
  const second = respond(T0 + 5000, 78, cookie!);
  assert.deepEqual(g.response(second.resp, '198.18.0.8', 51820, T0 + 5000), { kind: 'process' });
  assert.equal(consumeResponse(second.init.state, second.resp).ok, true, 'Noise does not mind mac2 on a response');
  assert.equal(g.stats(T0 + 5000).mac2Accepted, 1);
  // from another source port the mac2 is not valid; a bent mac1 is dropped before anything else
  assert.equal(g.response(respond(T0 + 5001, 79, cookie!).resp, '198.18.0.8', 51821, T0 + 5001).kind, 'cookie');
  const bent = Uint8Array.from(second.resp); bent[20] ^= 1;
  assert.deepEqual(g.response(bent, '198.18.0.8', 51820, T0 + 5001), { kind: 'drop', reason: 'bad_mac1' });
  // not under load: processed without mac2
  const calm = new HandshakeGuard(alice.publicKey);
  assert.deepEqual(calm.response(respond(T0, 80).resp, '198.18.0.8', 51820, T0), { kind: 'process' });
});

test('not under load: initiations are processed without mac2 and no cookie is sent', () => {
  const g = new HandshakeGuard(bob.publicKey);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(g.initiation(initiation(T0 + i * 1000).message, '198.18.0.9', 40000, T0 + i * 1000), { kind: 'process' });
  }
  assert.equal(g.stats(T0 + 3000).underLoad, false);
  assert.equal(g.stats(T0 + 3000).cookieRepliesSent, 0);
});

test('mac2 made with a rotated secret is refused: a new cookie is needed after 120 s', () => {
  const g = loadedGuard();
  const first = initiation(T0);
  const v = g.initiation(first.message, '198.18.0.9', 40000, T0);
  assert.equal(v.kind, 'cookie');
  const cookie = openCookieReply((v as { reply: Uint8Array }).reply, bob.publicKey, first.state.mac1)!;
  const justBefore = T0 + COOKIE_SECRET_MAX_AGE_MS - 1;
  assert.deepEqual(g.initiation(initiation(justBefore, cookie).message, '198.18.0.9', 40000, justBefore), { kind: 'process' });
  assert.equal(g.stats(justBefore).cookieSecretsDrawn, 1);
  const at = T0 + COOKIE_SECRET_MAX_AGE_MS;
  const stale = initiation(at, cookie);
  const v2 = g.initiation(stale.message, '198.18.0.9', 40000, at);
  assert.equal(v2.kind, 'cookie', 'mac2 from the old secret is not accepted');
  assert.equal(g.stats(at).cookieSecretsDrawn, 2);
  const fresh = openCookieReply((v2 as { reply: Uint8Array }).reply, bob.publicKey, stale.state.mac1)!;
  assert.notEqual(hex(fresh), hex(cookie));
  assert.deepEqual(g.initiation(initiation(at + 1, fresh).message, '198.18.0.9', 40000, at + 1), { kind: 'process' });
});

test('cookie checker: the secret is drawn again after 120 s, and when the clock goes backwards', () => {
  let draws = 0;
  const c = new CookieChecker(bob.publicKey, (n) => { draws++; return new Uint8Array(n).fill(draws); });
  const a = c.cookieFor('198.18.0.1', 1, T0)!;
  assert.equal(hex(c.cookieFor('198.18.0.1', 1, T0 + 119_999)!), hex(a));
  const b = c.cookieFor('198.18.0.1', 1, T0 + 120_000)!;
  assert.notEqual(hex(b), hex(a));
  assert.notEqual(hex(c.cookieFor('198.18.0.1', 1, T0)!), hex(b), 'clock went back: new secret');
  assert.equal(c.secretsDrawn, 3);
  assert.equal(c.cookieFor('nonsense', 1, T0), null);
});

test('garbage and wrong-key initiations are dropped at mac1 and do not count as load', () => {
  const g = new HandshakeGuard(bob.publicKey, { load: new LoadMeter(2) });
  const junk = Uint8Array.from({ length: INITIATION_SIZE }, (_, i) => (i * 31) & 0xff);
  junk[0] = 1; junk[1] = junk[2] = junk[3] = 0;
  for (let i = 0; i < 50; i++) assert.deepEqual(g.initiation(junk, '198.18.3.1', 1, T0), { kind: 'drop', reason: 'bad_mac1' });
  const forCarol = createInitiation({ local: alice, remotePublicKey: alice.publicKey, psk: PSK, senderIndex: 5, nowMs: T0 });
  assert.deepEqual(g.initiation(forCarol.message, '198.18.3.1', 1, T0), { kind: 'drop', reason: 'bad_mac1' });
  assert.equal(g.stats(T0).underLoad, false);
  assert.equal(g.stats(T0).sourceTableSize, 0, 'no table entry for a source that never passed mac1');
});

test('replayed initiation: the same message again is dropped after mac1, before the source budget', () => {
  const g = new HandshakeGuard(bob.publicKey, { limiter: new SourceLimiter(16, 20, 1) });
  const m = initiation(T0).message;
  assert.deepEqual(g.initiation(m, '198.18.0.9', 40000, T0), { kind: 'process' });
  for (let i = 1; i <= 10; i++) {
    // Any source, any time: a byte-identical initiation was let through already.
    assert.deepEqual(g.initiation(m, '198.18.3.1', 50000, T0 + i), { kind: 'drop', reason: 'replayed_initiation' });
  }
  assert.equal(g.stats(T0).sourceTableSize, 1, 'replays took no budget');
  // A message that was answered with a cookie (never processed) is not in the filter.
  const f = new ReplayFilter(2);
  const a = new Uint8Array(16).fill(1), b = new Uint8Array(16).fill(2), c = new Uint8Array(16).fill(3);
  f.add(a); f.add(b); f.add(b); f.add(c);
  assert.equal(f.size, 2, 'bounded');
  assert.equal(f.has(a), false, 'oldest forgotten');
  assert.equal(f.has(b) && f.has(c), true);
});

test('per-source limiter: burst then rate, independent sources, bounded table with LRU eviction', () => {
  const l = new SourceLimiter(3, 20, 5);
  for (let i = 0; i < 5; i++) assert.equal(l.take('a', T0), true);
  assert.equal(l.take('a', T0), false, 'burst spent');
  assert.equal(l.take('b', T0), true, 'other source unaffected');
  assert.equal(l.take('a', T0 + 49), false, '< 1 token after 49 ms at 20/s');
  assert.equal(l.take('a', T0 + 50), true, '1 token after 50 ms');
  assert.equal(l.take('c', T0 + 50), true);
  assert.equal(l.size, 3);
  assert.equal(l.take('d', T0 + 50), true, 'a new source when full evicts the least recently used (b)');
  assert.equal(l.size, 3);
  assert.equal(l.evictions, 1);
  assert.equal(l.take('a', T0 + 50), false, 'a was used recently: still limited, not evicted');
  for (let i = 0; i < 1000; i++) l.take(`x${i}`, T0 + 60);
  assert.equal(l.size, 3, 'never grows past its capacity');
  assert.equal(l.evictions, 1001);
  assert.throws(() => new SourceLimiter(0), /capacity/);
});

test('per-source limit in the guard: one source flooding valid initiations cannot take another source\'s budget', () => {
  const g = new HandshakeGuard(bob.publicKey, { load: new LoadMeter(1_000_000) });
  let limited = 0;
  for (let i = 0; i < 30; i++) {
    const v = g.initiation(initiation(T0).message, '198.18.3.1', 1, T0);
    if (v.kind === 'drop' && v.reason === 'ratelimited') limited++;
  }
  assert.equal(limited, 25, 'burst of 5, the rest limited');
  assert.deepEqual(g.initiation(initiation(T0).message, '198.18.0.9', 2, T0), { kind: 'process' });
});

test('load meter: under load at the threshold, stays so through the next second, normal after', () => {
  const m = new LoadMeter(UNDER_LOAD_PER_SECOND);
  for (let i = 0; i < UNDER_LOAD_PER_SECOND - 1; i++) m.record(T0 + i);
  assert.equal(m.underLoad(T0 + 100), false);
  m.record(T0 + 101);
  assert.equal(m.underLoad(T0 + 101), true);
  assert.equal(m.underLoad(T0 + 1500), true, 'the next window remembers the last one');
  assert.equal(m.underLoad(T0 + 3600), false, 'two quiet seconds later');
  m.record(T0 + 3700);
  assert.equal(m.underLoad(T0 + 3700), false, 'one initiation is no load');
});
