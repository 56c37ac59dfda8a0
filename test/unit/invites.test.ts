// Invites: creation, lookup (unknown/expired/used), single use, pruning bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXPIRED_RETENTION_MS,
  Invite,
  MAX_INVITES,
  findInvite,
  formatInvites,
  markInviteUsed,
  newInvite,
  parseInvites,
  pruneInvites,
} from '../../src/config/invites';
import { ConfigError } from '../../src/config/errors';

const T0 = Date.parse('2024-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const PUB = Buffer.alloc(32, 5).toString('base64');

function counterRng(): (n: number) => Uint8Array {
  let c = 0;
  return (n) => {
    c++;
    const b = new Uint8Array(n);
    new DataView(b.buffer).setUint32(0, c);
    return b;
  };
}

test('newInvite has a 16-byte hex id, 32-byte base64 secret and ISO times', () => {
  const inv = newInvite(T0, 24 * HOUR, counterRng());
  assert.match(inv.id, /^[0-9a-f]{32}$/);
  assert.equal(Buffer.from(inv.secret, 'base64').length, 32);
  assert.equal(inv.createdAt, '2024-06-01T12:00:00.000Z');
  assert.equal(inv.expiresAt, '2024-06-02T12:00:00.000Z');
  assert.equal(inv.usedAt, null);
  assert.equal(inv.usedBy, null);
  assert.throws(() => newInvite(T0, 0, counterRng()), RangeError);
  assert.throws(() => newInvite(T0, HOUR, () => new Uint8Array(3)), /rng must return 16 bytes/);
  assert.deepEqual(parseInvites(JSON.parse(formatInvites([inv]))), [inv]);
});

test('findInvite: ok, unknown, expired, used', () => {
  const rng = counterRng();
  const a = newInvite(T0, HOUR, rng);
  const b = newInvite(T0, HOUR, rng);
  const list = [a, b];
  const r = findInvite(list, a.id, T0 + 1000);
  assert.ok(r.ok);
  assert.equal(r.invite, a);
  assert.ok(findInvite(list, a.id.toUpperCase(), T0).ok, 'hex is case-insensitive');
  assert.deepEqual(findInvite(list, 'ff'.repeat(16), T0), { ok: false, reason: 'unknown' });
  assert.deepEqual(findInvite(list, 'not-hex', T0), { ok: false, reason: 'unknown' });
  assert.deepEqual(findInvite(list, a.id, T0 + HOUR), { ok: false, reason: 'expired' });
  assert.ok(findInvite(list, a.id, T0 + HOUR - 1).ok);

  const used = markInviteUsed(list, a.id, PUB, T0 + 5000);
  assert.equal(list[0].usedAt, null, 'pure: the input list is not modified');
  assert.equal(used[0].usedAt, new Date(T0 + 5000).toISOString());
  assert.equal(used[0].usedBy, PUB);
  assert.equal(used[1], b);
  assert.deepEqual(findInvite(used, a.id, T0 + 6000), { ok: false, reason: 'used' });
  assert.deepEqual(findInvite(used, a.id, T0 + 2 * HOUR), { ok: false, reason: 'used' }, 'used wins over expired');
  assert.throws(() => markInviteUsed(used, a.id, PUB, T0 + 7000), /used/, 'single use');
  assert.throws(() => markInviteUsed(used, b.id, PUB, T0 + 2 * HOUR), /expired/);
  assert.throws(() => markInviteUsed(used, 'ab'.repeat(16), PUB, T0), /unknown/);
});

test('pruneInvites drops long-expired unused invites, keeps recent and used ones', () => {
  const rng = counterRng();
  const pending = newInvite(T0, 48 * HOUR, rng);
  const justExpired = newInvite(T0, HOUR, rng);
  const oldExpired = newInvite(T0 - 10 * 24 * HOUR, HOUR, rng);
  const usedBase = newInvite(T0 - 10 * 24 * HOUR, HOUR, rng);
  const used = markInviteUsed([usedBase], usedBase.id, PUB, T0 - 10 * 24 * HOUR + 1000)[0];
  const now = T0 + 2 * HOUR;
  const out = pruneInvites([pending, justExpired, oldExpired, used], now);
  assert.deepEqual(out, [pending, justExpired, used]);
  // Exactly at the retention boundary the expired invite goes.
  const atEdge = Date.parse(justExpired.expiresAt) + EXPIRED_RETENTION_MS;
  assert.deepEqual(pruneInvites([justExpired], atEdge - 1), [justExpired]);
  assert.deepEqual(pruneInvites([justExpired], atEdge), []);
});

test('pruneInvites bounds the list: oldest used first, then expired, then pending', () => {
  const rng = counterRng();
  const now = T0 + 1000 * HOUR;
  const used: Invite[] = [];
  for (let i = 0; i < 80; i++) {
    const inv = newInvite(T0 + i * HOUR, HOUR, rng);
    used.push(markInviteUsed([inv], inv.id, PUB, T0 + i * HOUR + 1)[0]);
  }
  const expired = Array.from({ length: 10 }, (_, i) => newInvite(now - 5 * HOUR + i, HOUR, rng));
  const pending = Array.from({ length: 30 }, (_, i) => newInvite(now - HOUR + i, 10 * HOUR, rng));
  const out = pruneInvites([...used, ...expired, ...pending], now);
  assert.equal(out.length, MAX_INVITES);
  for (const p of pending) assert.ok(out.includes(p), 'pending invites survive');
  for (const e of expired) assert.ok(out.includes(e), 'recently expired survive before used ones');
  assert.deepEqual(out.slice(0, 60), used.slice(20), 'the 20 oldest used are gone, order kept');

  const many = Array.from({ length: MAX_INVITES + 7 }, (_, i) => newInvite(now + i, HOUR, rng));
  const bounded = pruneInvites(many, now);
  assert.equal(bounded.length, MAX_INVITES);
  assert.deepEqual(bounded, many.slice(7), 'only as a last resort, the oldest pending go');
  assert.equal(pruneInvites(many, now, 10).length, 10);
});

test('parseInvites refuses junk with one clear line, never echoing the secret', () => {
  const inv = newInvite(T0, HOUR, counterRng());
  const bad = (raw: unknown, re: RegExp): void => {
    assert.throws(() => parseInvites(raw), (e: unknown) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'));
  };
  bad({}, /^invites\.json: expected a JSON array/);
  bad([{ ...inv, extra: 1 }], /^invites\.json: \[0\]\.extra: unknown field \(known: id, secret, createdAt, expiresAt, usedAt, usedBy\)$/);
  bad([{ ...inv, secret: 'c2VjcmV0' }], /^invites\.json: \[0\]\.secret: not 32 bytes of base64 \(value not shown\)$/);
  bad([{ ...inv, expiresAt: 'soon' }], /^invites\.json: \[0\]\.expiresAt: not an ISO-8601/);
  bad([{ ...inv, usedBy: 'x' }], /^invites\.json: \[0\]\.usedBy: not 32 bytes of base64: "x"$/);
  bad([inv, inv], /^invites\.json: \[1\]\.id: duplicate id/);
  const { usedAt: _u, ...noUsedAt } = inv;
  bad([noUsedAt], /^invites\.json: \[0\]\.usedAt: missing$/);
});
