import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from '../../src/control/crypto';
import { initialHa, losesSplit, step, type HaAction, type HaEvent, type HaState } from '../../src/control/ha';
import { chunkHosts, decodeHa, encodeHa, HA_MAX_BODY, type ReplicatedHost } from '../../src/control/ha-messages';

const kinds = (a: HaAction[]) => a.filter((x) => x.kind !== 'log' && x.kind !== 'send-heartbeat').map((x) => x.kind);
const run = (s: HaState, ev: HaEvent, t: number) => step(s, ev, t).actions;
const hb = (m: string, active: boolean, p = 100, r: 'master' | 'backup' = active ? 'master' : 'backup') =>
  ({ kind: 'heartbeat', hb: { t: 'hb', m, r, a: active ? 1 : 0, p, v: 0 } }) as HaEvent;
const host = (i: number, extra: Partial<ReplicatedHost> = {}): ReplicatedHost => ({ ip: `198.18.5.${i}`, mac: `02:00:00:00:05:${(i % 256).toString(16).padStart(2, '0')}`,
  site: 'provider', seq: 3, router: false, pinned: true, origin: 'a', conflict: null, ...extra });
const KEY = 'A'.repeat(43) + '=';

test('MASTER with nobody else: restore nothing, activate (start), send the table; BACKUP deactivates', () => {
  const s = initialHa({ member: 'a', priority: 100 });
  let a = run(s, { kind: 'notify', state: 'MASTER' }, 1000);
  assert.deepEqual(kinds(a), ['activate', 'send-table']);
  assert.equal(s.lastTakeover?.reason, 'start');
  assert.ok(a.some((x) => x.kind === 'send-heartbeat' && x.hb.a === 1), 'the heartbeat says active at once');
  a = run(s, { kind: 'notify', state: 'BACKUP' }, 2000);
  assert.deepEqual(kinds(a), ['deactivate']);
  assert.equal(s.active, false);
});

test('standby keeps the active\'s table; on takeover it restores it before activating', () => {
  const s = initialHa({ member: 'b', priority: 100 });
  run(s, { kind: 'notify', state: 'BACKUP' }, 0);
  run(s, hb('a', true), 100);
  const chunks = chunkHosts(7, KEY, '198.18.0.9:51820', Array.from({ length: 40 }, (_, i) => host(i + 1)));
  assert.ok(chunks.length > 1);
  chunks.forEach((c, i) => { c.i = i; c.n = chunks.length; });
  for (const c of chunks.slice(1)) run(s, { kind: 'chunk', chunk: c }, 150);
  assert.equal(s.snapshot, null, 'incomplete table not used');
  run(s, { kind: 'chunk', chunk: chunks[0] }, 160);
  const snap = (s as HaState).snapshot;
  assert.equal(snap?.peers[0].hosts.length, 40);
  assert.equal(snap?.peers[0].endpoint, '198.18.0.9:51820');
  // the active dies: keepalived says MASTER after its master-down interval
  const a = run(s, { kind: 'notify', state: 'MASTER' }, 2000);
  assert.deepEqual(kinds(a), ['restore', 'activate', 'send-table']);
  assert.equal(s.lastTakeover?.reason, 'peer-silent');
  assert.equal(s.lastTakeover?.restoredHosts, 40);
});

test('old leaves before new joins: MASTER waits while the other member says active', () => {
  const s = initialHa({ member: 'b', priority: 100 });
  run(s, { kind: 'notify', state: 'BACKUP' }, 0);
  run(s, hb('a', true), 100);
  let a = run(s, { kind: 'notify', state: 'MASTER' }, 150);
  assert.deepEqual(kinds(a), []);
  assert.equal(s.pendingActivation, true);
  a = run(s, hb('a', false), 200);
  assert.deepEqual(kinds(a), ['activate', 'send-table']);
  assert.equal(s.lastTakeover?.reason, 'peer-standby');
  // and when it falls silent instead: activation after peerDeadMs
  const t = initialHa({ member: 'b', priority: 100 });
  run(t, hb('a', true), 100);
  run(t, { kind: 'notify', state: 'MASTER' }, 150);
  assert.deepEqual(kinds(run(t, { kind: 'tick' }, 600)), []);
  assert.deepEqual(kinds(run(t, { kind: 'tick' }, 701)), ['activate', 'send-table']);
});

test('split: both active -> the lower priority (then the greater name) steps down and fails health', () => {
  assert.equal(losesSplit({ member: 'a', priority: 100 }, { member: 'b', priority: 150 }), true);
  assert.equal(losesSplit({ member: 'b', priority: 100 }, { member: 'a', priority: 100 }), true);
  assert.equal(losesSplit({ member: 'a', priority: 100 }, { member: 'b', priority: 100 }), false);
  const a = initialHa({ member: 'a', priority: 100 });
  const b = initialHa({ member: 'b', priority: 100 });
  run(a, { kind: 'notify', state: 'MASTER' }, 0);
  run(b, { kind: 'notify', state: 'MASTER' }, 0);
  assert.ok(a.active && b.active);
  assert.deepEqual(kinds(run(a, hb('b', true), 50)), [], 'the winner stays');
  const lost = run(b, hb('a', true), 50);
  assert.deepEqual(kinds(lost), ['deactivate', 'health']);
  assert.ok(lost.some((x) => x.kind === 'health' && !x.ok));
  assert.equal(b.counters.splits, 1);
  // keepalived still says MASTER: b does not come back while a is active, even after the hold
  run(b, hb('a', true), 3000);
  const later = run(b, { kind: 'tick' }, 3200);
  assert.ok(later.some((x) => x.kind === 'health' && x.ok), 'health back after the hold');
  assert.equal(b.active, false);
});

test('planned handover: the active leaves first, health fails for the hold; a standby ignores it', () => {
  const s = initialHa({ member: 'a', priority: 100 });
  run(s, { kind: 'notify', state: 'MASTER' }, 0);
  const a = run(s, { kind: 'handover' }, 10);
  assert.deepEqual(kinds(a), ['deactivate', 'health']);
  assert.ok(a.findIndex((x) => x.kind === 'deactivate') < a.findIndex((x) => x.kind === 'send-heartbeat'));
  assert.ok(a.some((x) => x.kind === 'send-heartbeat' && x.hb.a === 0));
  assert.deepEqual(kinds(run(s, { kind: 'handover' }, 20)), []);
  assert.deepEqual(kinds(run(s, { kind: 'tick' }, 2000)), [], 'no re-activation during the hold');
});

test('active resends its table when the version changes and periodically; chunks ignored while active', () => {
  const s = initialHa({ member: 'a', priority: 100 });
  run(s, { kind: 'notify', state: 'MASTER' }, 0);
  assert.deepEqual(kinds(run(s, { kind: 'tick' }, 100)), []);
  assert.deepEqual(kinds(run(s, { kind: 'local-version', version: 5 }, 150)), ['send-table']);
  assert.deepEqual(kinds(run(s, { kind: 'tick' }, 200)), []);
  assert.deepEqual(kinds(run(s, { kind: 'tick' }, 5300)), ['send-table']);
  run(s, { kind: 'chunk', chunk: { t: 'tb', v: 1, i: 0, n: 1, k: KEY, ep: null, h: [] } }, 5400);
  assert.equal(s.snapshot, null);
  assert.equal(s.counters.chunksDropped, 1);
});

test('codec: MAC, replay, strict bodies, chunks within the datagram limit', async () => {
  await crypto.ready();
  const key = new Uint8Array(32).fill(9);
  const m = { t: 'hb' as const, m: 'prov-a', r: 'master' as const, a: 1 as const, p: 100, v: 3 };
  const buf = encodeHa(m, key, 10n, 1n);
  const d = decodeHa(buf, key, null);
  assert.ok(d.ok && d.msg.t === 'hb' && d.msg.m === 'prov-a');
  assert.deepEqual(decodeHa(buf, key, { epoch: 10n, counter: 1n }), { ok: false, reason: 'replay' });
  assert.deepEqual(decodeHa(buf, key, { epoch: 11n, counter: 0n }), { ok: false, reason: 'replay' });
  assert.ok(decodeHa(buf, key, { epoch: 9n, counter: 99n }).ok, 'a higher epoch (restart) is accepted');
  assert.deepEqual(decodeHa(buf, new Uint8Array(32).fill(8), null), { ok: false, reason: 'bad_mac' });
  for (let i = 0; i < buf.length; i++) {
    const f = Buffer.from(buf); f[i] ^= 0x40;
    assert.equal(decodeHa(f, key, null).ok, false, `flipped byte ${i}`);
  }
  assert.deepEqual(decodeHa(buf.subarray(0, 20), key, null), { ok: false, reason: 'short' });
  for (const body of [{ ...m, x: 1 }, { ...m, r: 'boss' }, { ...m, m: 'a b' }, { ...m, p: 256 }]) {
    assert.deepEqual(decodeHa(encodeHa(body as never, key, 1n, 1n), key, null), { ok: false, reason: 'malformed' }, JSON.stringify(body));
  }
  const hosts = Array.from({ length: 300 }, (_, i) => host(i % 250 + 1, { ip: `198.18.${6 + Math.floor(i / 250)}.${i % 250 + 1}`,
    conflict: i % 3 === 0 ? { reason: 'still-answers', tenantMac: '02:00:00:00:00:01', providerMac: '02:00:00:00:00:02', quarantined: 'tenant', atSeq: 4 } : null }));
  const chunks = chunkHosts(1, KEY, null, hosts);
  let n = 0;
  chunks.forEach((c, i) => {
    c.i = i; c.n = chunks.length;
    const b = encodeHa(c, key, 1n, BigInt(i + 1));
    assert.ok(b.length <= 24 + HA_MAX_BODY + 16);
    const r = decodeHa(b, key, null);
    assert.ok(r.ok && r.msg.t === 'tb');
    if (r.ok && r.msg.t === 'tb') n += r.msg.h.length;
  });
  assert.equal(n, 300);
  const dup = { t: 'tb', v: 1, i: 0, n: 1, k: KEY, ep: null, h: [host(1), host(1)] };
  assert.deepEqual(decodeHa(encodeHa(dup as never, key, 1n, 1n), key, null), { ok: false, reason: 'malformed' });
});
