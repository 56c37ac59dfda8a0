// Neighbor sync: strict message decoding (sizes, canonical addresses, hostile input), the canonical
// address helpers, and the protocol between two appliances over a link with loss, duplication and
// reordering (seeded), restarts, stale epochs, resync, bounded queues and their counters.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodePeerMessage, encodePeerMessage, MAX_PEER_MESSAGE } from '../../src/control/peer-channel-messages';
import { canonicalIpFamily, formatIpv6, isNeighborIp, isNeighborMac, parseIpv6 } from '../../src/util/addr';
import {
  MAX_NEIGHBOR_ITEMS, NB_BEGIN, NB_END, NB_HANDOVER, NB_RESOLVED, NB_ROUTER, decodeNeighborMessage,
  encodeNeighborMessage, type NbUpdate, type NeighborEntry, type NeighborMessage,
} from '../../src/control/neighbor-messages';
import * as sync from '../../src/control/neighbor-sync';
import { Link, PERFECT, rng, runSync, SyncPeer } from './failover-sim';

const ip4 = (i: number): string => `198.18.${(i >> 8) & 255}.${i & 255}`;
const ip6 = (i: number): string => `2001:2::${i.toString(16)}`;
const mac = (i: number): string => `02:42:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
const entry = (i: number, seq = 0, flags = 0): NeighborEntry =>
  ({ ip: i % 2 ? ip6(i) : ip4(i), mac: mac(i), seq, origin: i % 3 === 0 ? 'nd' : 'arp', flags });

// ---------------------------------------------------------------- addresses

test('canonical addresses: IPv4 without leading zeros, IPv6 per RFC 5952, MAC lowercase unicast', () => {
  for (const s of ['198.18.0.1', '10.0.0.255', '1.2.3.4']) assert.equal(canonicalIpFamily(s), 4, s);
  for (const s of ['2001:2::1', '::', '::1', 'fe80::1:2', '2001:db8::1:0:0:1', '2001:db8:0:1:1:1:1:1',
    '1:2:3:4:5:6:7:8', 'ff02::1:ff00:14']) assert.equal(canonicalIpFamily(s), 6, s);
  for (const s of ['198.018.0.1', '256.1.1.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '2001:0002::1', '2001:2:0:0:0:0:0:1',
    '2001:DB8::1', '2001:db8:0:1:1:1:1:1:1', '2001:db8::1::2', '2001:db8:0:0:1:0:0:1' /* first run */, '1:2:3:4:5:6:7::',
    '2001:db8::0:1' /* one zero group compressed only */, '::ffff:1.2.3.4', ':1', '1:', '', 'x']) {
    assert.equal(canonicalIpFamily(s), null, s);
  }
  assert.equal(formatIpv6(parseIpv6('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3')!), '1:0:0:2::3');
  assert.equal(formatIpv6(parseIpv6('1:2:3:4:5:6:7:0')!), '1:2:3:4:5:6:7:0');
  assert.equal(formatIpv6(parseIpv6('0:0:1:2:3:4:5:6')!), '::1:2:3:4:5:6');
  for (const s of ['0.0.0.0', '0.1.2.3', '127.0.0.1', '224.0.0.1', '239.255.255.255', '240.0.0.1', '255.255.255.255',
    '::', '::1', 'ff02::1']) assert.equal(isNeighborIp(s), false, s);
  for (const s of ['198.18.0.1', '169.254.1.1', '223.255.255.254', 'fe80::1', '2001:2::14']) assert.equal(isNeighborIp(s), true, s);
  assert.equal(isNeighborMac('02:00:00:00:00:0a'), true);
  for (const s of ['02:00:00:00:00:0A', '01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', '02-00-00-00-00-0a',
    '2:0:0:0:0:a', '02:00:00:00:00:0a:00']) assert.equal(isNeighborMac(s), false, s);
});

// ---------------------------------------------------------------- messages

test('neighbor messages roundtrip through the peer channel codec', () => {
  const msgs: NeighborMessage[] = [
    { t: 'nb-up', e: 1, n: 1, f: NB_BEGIN | NB_END, u: [], w: [] },
    { t: 'nb-up', e: 0xffffffff, n: 0x7fffffff, f: 0, u: [entry(1, 7, NB_ROUTER), entry(2, 0, NB_HANDOVER | NB_RESOLVED)], w: [ip4(9)] },
    { t: 'nb-ack', e: 42, n: 9 },
    { t: 'nb-resync', e: 42 },
  ];
  for (const m of msgs) {
    assert.deepEqual(decodePeerMessage(encodePeerMessage(m)), m);
    assert.deepEqual(decodeNeighborMessage(encodeNeighborMessage(m)), m);
  }
  // the compact wire form
  assert.equal(encodePeerMessage({ t: 'nb-up', e: 5, n: 2, f: 0, u: [{ ip: '198.18.0.2', mac: '02:00:00:00:00:02', seq: 3, origin: 'traffic', flags: 1 }], w: ['2001:2::1'] }).toString(),
    '{"t":"nb-up","e":5,"n":2,"f":0,"u":[["198.18.0.2","02:00:00:00:00:02",3,"t",1]],"w":["2001:2::1"]}');
  // hello/welcome still decode as before
  assert.deepEqual(decodePeerMessage(encodePeerMessage({ t: 'hello', name: 'x' })), { t: 'hello', name: 'x' });
});

test('the worst-case update (14 longest entries, largest numbers) fits in 1200 bytes; 15 items do not decode', () => {
  const long = (i: number): string => `fdff:ffff:ffff:ffff:ffff:ffff:ffff:${(0xff00 + i).toString(16)}`; // longest unicast
  const u = Array.from({ length: MAX_NEIGHBOR_ITEMS }, (_, i) =>
    ({ ip: long(i), mac: 'fe:ff:ff:ff:ff:ff', seq: 0xffffffff, origin: 'static' as const, flags: 7 }));
  const m: NbUpdate = { t: 'nb-up', e: 0xffffffff, n: 0x7fffffff, f: 3, u, w: [] };
  const b = encodePeerMessage(m);
  assert.ok(b.length <= MAX_PEER_MESSAGE, `${b.length} bytes`);
  assert.deepEqual(decodePeerMessage(b), m);
  const w = Array.from({ length: MAX_NEIGHBOR_ITEMS }, (_, i) => long(i));
  assert.ok(encodePeerMessage({ ...m, u: [], w }).length <= MAX_PEER_MESSAGE);
  // 15 items: refused even though it fits in the size limit
  const over = JSON.stringify({ t: 'nb-up', e: 1, n: 1, f: 0, u: [], w: Array.from({ length: 15 }, (_, i) => ip4(i + 1)) });
  assert.ok(over.length < MAX_PEER_MESSAGE);
  assert.equal(decodePeerMessage(Buffer.from(over)), null);
  const mixed = JSON.stringify({ t: 'nb-up', e: 1, n: 1, f: 0, u: [['198.18.0.1', '02:00:00:00:00:01', 0, 'a', 0]],
    w: Array.from({ length: 14 }, (_, i) => ip4(i + 2)) });
  assert.equal(decodePeerMessage(Buffer.from(mixed)), null);
});

test('hostile neighbor messages decode to null', () => {
  const e = ['198.18.0.1', '02:00:00:00:00:01', 0, 'a', 0];
  const up = (over: Record<string, unknown>): string => JSON.stringify({ t: 'nb-up', e: 1, n: 1, f: 0, u: [e], w: [], ...over });
  const withEntry = (i: number, v: unknown): string => { const x: unknown[] = [...e]; x[i] = v; return up({ u: [x] }); };
  const bad = [
    up({ e: 0 }), up({ e: -1 }), up({ e: 2 ** 32 }), up({ e: 1.5 }), up({ e: '1' }), up({ n: 0 }), up({ n: 2 ** 31 }),
    up({ f: 4 }), up({ f: -1 }), up({ f: 1.5 }), up({ u: {} }), up({ w: 'x' }), up({ u: [e, e] }),
    up({ w: ['198.18.0.1'] }) /* same IP as an entry */, up({ w: ['198.18.0.2', '198.18.0.2'] }),
    up({ x: 1 }) /* extra key */, JSON.stringify({ t: 'nb-up', e: 1, n: 1, f: 0, u: [] }) /* missing key */,
    withEntry(0, '198.18.0.01'), withEntry(0, '224.0.0.1'), withEntry(0, '255.255.255.255'), withEntry(0, '0.0.0.0'),
    withEntry(0, '2001:0002::1'), withEntry(0, '2001:2:0:0:0:0:0:1'), withEntry(0, 'FE80::1'), withEntry(0, 'ff02::1'),
    withEntry(0, 7), withEntry(1, '02:00:00:00:00:0A'), withEntry(1, '01:00:5e:00:00:01'), withEntry(1, '00:00:00:00:00:00'),
    withEntry(2, -1), withEntry(2, 2 ** 32), withEntry(2, 0.5), withEntry(2, '1'), withEntry(3, 'x'), withEntry(3, 'arp'),
    withEntry(4, 16), withEntry(4, -1), withEntry(4, null),
    up({ u: [[...e, 0]] }), up({ u: [e.slice(0, 4)] }), up({ u: [{ ip: '198.18.0.1' }] }),
    JSON.stringify({ t: 'nb-ack', e: 1 }), JSON.stringify({ t: 'nb-ack', e: 1, n: 1, x: 0 }), JSON.stringify({ t: 'nb-ack', e: 0, n: 1 }),
    JSON.stringify({ t: 'nb-resync' }), JSON.stringify({ t: 'nb-resync', e: 1, n: 1 }), JSON.stringify({ t: 'nb-other', e: 1 }),
    '{"t":"nb-ack","e":1,"n":1,"__proto__":{"x":1}}', '[{"t":"nb-ack","e":1,"n":1}]', '"nb-ack"', 'null', '{"t":"nb-up"',
  ];
  for (const s of bad) {
    assert.equal(decodePeerMessage(Buffer.from(s)), null, s);
    assert.equal(decodeNeighborMessage(Buffer.from(s)), null, s);
  }
  assert.equal(decodeNeighborMessage(Buffer.alloc(0)), null);
  const big = up({ pad: 'x'.repeat(1200) });
  assert.equal(decodePeerMessage(Buffer.from(big)), null);
  assert.equal(decodeNeighborMessage(Buffer.from(big)), null);
  assert.throws(() => encodeNeighborMessage({ t: 'nb-up', e: 1, n: 1, f: 0, u: [], w: Array.from({ length: 40 }, (_, i) => `2001:db8:ffff:ffff:ffff:ffff:ffff:${i + 1}`) }), RangeError);
});

// ---------------------------------------------------------------- protocol

function pair(opt = PERFECT, seed = 1, cfg: Partial<sync.NeighborSyncConfig> = {}): { link: Link; a: SyncPeer; b: SyncPeer } {
  const link = new Link(rng(seed), opt);
  const c = { ...sync.DEFAULT_NEIGHBOR_SYNC, ...cfg };
  return { link, a: new SyncPeer('A', link, c), b: new SyncPeer('B', link, c) };
}

function assertConverged(a: SyncPeer, b: SyncPeer): void {
  const sorted = (m: Map<string, NeighborEntry>): NeighborEntry[] => [...m.values()].sort((x, y) => x.ip.localeCompare(y.ip));
  assert.deepEqual(sorted(b.s.remote), sorted(a.s.local), 'B holds exactly what A shares');
  assert.deepEqual(sorted(a.s.remote), sorted(b.s.local), 'A holds exactly what B shares');
  assert.deepEqual(sorted(b.mirror), sorted(b.s.remote), 'B\'s actions reproduce its table');
  assert.deepEqual(sorted(a.mirror), sorted(a.s.remote), 'A\'s actions reproduce its table');
}

test('full sync on session up: BEGIN on the first update, END on the last, 14 items per update', () => {
  const { link, a, b } = pair();
  for (let i = 1; i <= 100; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, 0);
  assert.equal(link.sent, 0, 'nothing is sent before the session is up');
  const sent: NbUpdate[] = [];
  for (const x of a.ev({ kind: 'session-up', epoch: 77 }, 0)) if (x.kind === 'send' && x.msg.t === 'nb-up') sent.push(x.msg);
  b.ev({ kind: 'session-up', epoch: 99 }, 0);
  assert.equal(sent.length, 8, 'window 8 -> 8 updates at once, 100 entries need ceil(100/14) = 8');
  assert.deepEqual(sent.map((m) => m.n), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(sent.map((m) => m.f), [NB_BEGIN, 0, 0, 0, 0, 0, 0, NB_END]);
  assert.deepEqual(sent.map((m) => m.u.length), [14, 14, 14, 14, 14, 14, 14, 2]);
  const t = runSync(link, a, b, 0, 10_000);
  assert.ok(t < 200, `quiet after ${t} ms`);
  assertConverged(a, b);
  assert.equal(b.upserts, 100);
  assert.equal(b.s.counters.updatesApplied, 8);
  // B had nothing to share: one empty BEGIN|END update
  assert.equal(a.s.counters.updatesApplied, 1);
  assert.equal(a.s.remote.size, 0);
});

test('incremental updates and withdrawals after the full sync; unchanged upserts send nothing', () => {
  const { link, a, b } = pair();
  a.ev({ kind: 'session-up', epoch: 1 }, 0);
  b.ev({ kind: 'session-up', epoch: 2 }, 0);
  for (let i = 1; i <= 30; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, 0);
  let t = runSync(link, a, b, 0, 10_000);
  assertConverged(a, b);
  const before = link.sent;
  a.ev({ kind: 'local-upsert', entry: entry(5) }, t); // identical
  assert.equal(link.sent, before);
  a.ev({ kind: 'local-upsert', entry: entry(5, 1) }, t); // seq changed
  a.ev({ kind: 'local-withdraw', ip: entry(6).ip }, t);
  a.ev({ kind: 'local-withdraw', ip: ip4(999) }, t); // never shared: nothing
  const w0 = b.withdrawals;
  t = runSync(link, a, b, t, t + 10_000);
  assertConverged(a, b);
  assert.equal(b.s.remote.get(entry(5).ip)!.seq, 1);
  assert.equal(b.withdrawals - w0, 1);
  // changes to one IP coalesce while waiting for the window
  const c = pair(PERFECT, 3, { window: 1 });
  c.a.ev({ kind: 'session-up', epoch: 5 }, 0);
  for (let s = 1; s <= 50; s++) c.a.ev({ kind: 'local-upsert', entry: entry(1, s) }, 0);
  runSync(c.link, c.a, c.b, 0, 10_000);
  assert.equal(c.b.s.remote.get(entry(1).ip)!.seq, 50);
  assert.ok(c.a.s.counters.updatesSent <= 3, `${c.a.s.counters.updatesSent} updates for 50 changes of one IP`);
});

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`random changes over a link with 30% loss, 20% duplication and reordering converge (seed ${seed})`, () => {
    const { link, a, b } = pair({ loss: 0.3, dup: 0.2, minDelayMs: 5, jitterMs: 400 }, seed);
    const r = rng(seed * 7919);
    a.ev({ kind: 'session-up', epoch: 1000 + seed }, 0);
    b.ev({ kind: 'session-up', epoch: 2000 + seed }, 0);
    let t = 0;
    for (let round = 0; round < 600; round++) {
      t += 50;
      for (const peer of [a, b]) {
        const i = 1 + Math.floor(r() * 300);
        if (r() < 0.25) peer.ev({ kind: 'local-withdraw', ip: entry(i).ip }, t);
        else peer.ev({ kind: 'local-upsert', entry: entry(i, Math.floor(r() * 5), r() < 0.2 ? NB_ROUTER : 0) }, t);
      }
      for (const d of link.due(t)) (d.to === 'A' ? a : b).ev({ kind: 'message', msg: d.msg }, t);
      a.ev({ kind: 'tick' }, t);
      b.ev({ kind: 'tick' }, t);
    }
    t = runSync(link, a, b, t, t + 300_000);
    assert.ok(a.quiet && b.quiet && link.inFlight === 0, 'quiesced');
    assertConverged(a, b);
    for (const p of [a, b]) {
      assert.ok(p.maxInflight <= 8, `inflight ${p.maxInflight}`);
      assert.ok(p.maxReorder <= sync.MAX_WINDOW, `reorder ${p.maxReorder}`);
      assert.ok(p.s.counters.updatesResent > 0 && p.s.counters.duplicates > 0, 'loss and duplicates were exercised');
    }
    assert.ok(link.maxBytes <= MAX_PEER_MESSAGE);
  });
}

test('a receiver that lost its state asks for a resync and converges; a BEGIN supersedes older updates', () => {
  const { link, a, b } = pair({ loss: 0, dup: 0, minDelayMs: 10, jitterMs: 30 }, 9);
  a.ev({ kind: 'session-up', epoch: 11 }, 0);
  b.ev({ kind: 'session-up', epoch: 12 }, 0);
  for (let i = 1; i <= 40; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, 0);
  let t = runSync(link, a, b, 0, 10_000);
  assertConverged(a, b);
  // B restarts without A noticing a session change (quick re-handshake): fresh state, same link
  b.s = sync.initialNeighborSync();
  b.mirror.clear();
  b.ev({ kind: 'session-up', epoch: 13 }, t);
  a.ev({ kind: 'local-upsert', entry: entry(41) }, t);
  t = runSync(link, a, b, t, t + 60_000);
  assertConverged(a, b);
  assert.equal(b.s.remote.size, 41);
  assert.ok(b.s.counters.resyncsSent >= 1);
  assert.ok(a.s.counters.resyncsHonored >= 1);
  assert.notEqual(a.s.txEpoch, 11, 'A answered with a new epoch');
  // a delayed resync for an epoch that is not ours, or while our BEGIN is in flight, is ignored
  const ign = a.s.counters.resyncsIgnored;
  a.ev({ kind: 'message', msg: { t: 'nb-resync', e: 999 } }, t);
  assert.equal(a.s.counters.resyncsIgnored, ign + 1);
});

test('a late BEGIN of an older epoch is followed, then the current epoch is retired: resync to a new one', () => {
  const { link, a, b } = pair();
  a.ev({ kind: 'session-up', epoch: 50 }, 0);
  b.ev({ kind: 'session-up', epoch: 60 }, 0);
  // A's first epoch 50 starts, but its BEGIN is held back on the link; A restarts its session (51)
  a.ev({ kind: 'local-upsert', entry: entry(1) }, 0);
  const held = link.due(100).filter((d) => d.to === 'B');
  const begin50 = held.find((d) => d.msg.t === 'nb-up' && d.msg.e === 50);
  assert.ok(begin50);
  a.ev({ kind: 'session-down' }, 100);
  a.ev({ kind: 'local-upsert', entry: entry(2) }, 100);
  a.ev({ kind: 'session-up', epoch: 51 }, 100);
  let t = runSync(link, a, b, 100, 10_000);
  assert.equal(b.s.rxEpoch, 51);
  // now the held BEGIN of epoch 50 arrives: B cannot tell it is older and follows it
  b.ev({ kind: 'message', msg: begin50!.msg }, t);
  assert.equal(b.s.rxEpoch, 50);
  assert.ok(b.s.retired.includes(51));
  // A's next change (epoch 51, retired at B) makes B ask for a resync; A moves to epoch 52
  a.ev({ kind: 'local-upsert', entry: entry(3) }, t);
  t = runSync(link, a, b, t, t + 60_000);
  assert.equal(a.s.txEpoch, 52);
  assert.equal(b.s.rxEpoch, 52);
  assert.ok(b.s.counters.staleEpoch >= 1);
  assertConverged(a, b);
});

test('updates acknowledged by a previous incarnation leave a gap: resync after stuckMs', () => {
  const { link, a, b } = pair(PERFECT, 1, { stuckMs: 5000 });
  a.ev({ kind: 'session-up', epoch: 70 }, 0);
  b.ev({ kind: 'session-up', epoch: 80 }, 0);
  let t = runSync(link, a, b, 0, 10_000);
  // B adopts A's epoch 70 and acknowledges update 2, then loses its state; the new B has seen the
  // BEGIN again (a duplicate) but update 2 is never resent: a gap at 2
  for (let i = 1; i <= 20; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, t);
  const burst = link.due(t + 100).filter((d) => d.to === 'B').map((d) => d.msg as NbUpdate);
  assert.deepEqual(burst.map((m) => m.n), [2, 3, 4, 5, 6, 7, 8, 9], 'one update per change while the window is open');
  a.ev({ kind: 'message', msg: { t: 'nb-ack', e: 70, n: 2 } }, t + 100); // from the old incarnation
  b.s = sync.initialNeighborSync({ ...sync.DEFAULT_NEIGHBOR_SYNC, stuckMs: 5000 });
  b.mirror.clear();
  b.ev({ kind: 'message', msg: { t: 'nb-up', e: 70, n: 1, f: NB_BEGIN | NB_END, u: [], w: [] } }, t + 100);
  for (const m of burst.slice(1)) b.ev({ kind: 'message', msg: m }, t + 100);
  assert.equal(b.s.rxNext, 2);
  assert.equal(b.s.reorder.size, 7);
  t = runSync(link, a, b, t + 100, t + 60_000);
  assertConverged(a, b);
  assert.equal(a.s.counters.resyncsHonored, 1);
  assert.equal(b.s.remote.size, 20);
});

test('resync 0 (the peer holds nothing of ours) is ignored while nothing of the epoch was acknowledged', () => {
  const { a } = pair();
  a.ev({ kind: 'local-upsert', entry: entry(1) }, 0);
  a.ev({ kind: 'session-up', epoch: 90 }, 0);
  a.ev({ kind: 'message', msg: { t: 'nb-resync', e: 0 } }, 10);
  assert.equal(a.s.counters.resyncsIgnored, 1);
  assert.equal(a.s.txEpoch, 90);
  a.ev({ kind: 'message', msg: { t: 'nb-ack', e: 90, n: 1 } }, 20);
  a.ev({ kind: 'message', msg: { t: 'nb-resync', e: 0 } }, 30);
  assert.equal(a.s.counters.resyncsHonored, 1);
  assert.equal(a.s.txEpoch, 91);
  // a receiver without any epoch of the peer asks (rate-limited) on its ticks until it gets one
  const { b } = pair();
  const asks = (t: number): number => b.ev({ kind: 'tick' }, t).filter((x) => x.kind === 'send' && x.msg.t === 'nb-resync').length;
  assert.equal(asks(0), 0, 'not before the session is up');
  b.ev({ kind: 'session-up', epoch: 5 }, 0); // asks at once
  assert.equal(asks(1000), 0);
  assert.equal(asks(2000), 1);
  assert.equal(asks(3000), 0);
});

for (const seed of [11, 12, 13, 14]) {
  test(`lossy link with session restarts and state loss on either side converges (seed ${seed})`, () => {
    const cfg = { window: 1 + (seed % 8), localCapacity: 120, pendingCapacity: 130, stuckMs: 8000 };
    const { link, a, b } = pair({ loss: 0.25, dup: 0.2, minDelayMs: 5, jitterMs: 800 }, seed, cfg);
    const r = rng(seed * 104729);
    a.ev({ kind: 'session-up', epoch: 1 }, 0);
    b.ev({ kind: 'session-up', epoch: 2 }, 0);
    let t = 0;
    for (let round = 0; round < 800; round++) {
      t += 50;
      for (const p of [a, b]) {
        const i = 1 + Math.floor(r() * 150);
        if (r() < 0.3) p.ev({ kind: 'local-withdraw', ip: entry(i).ip }, t);
        else p.ev({ kind: 'local-upsert', entry: entry(i, Math.floor(r() * 4)) }, t);
      }
      const x = r();
      if (x < 0.01) { // a session restart on one side (the other does not notice)
        const p = r() < 0.5 ? a : b;
        p.ev({ kind: 'session-down' }, t);
        p.ev({ kind: 'session-up', epoch: 1 + Math.floor(r() * 0xfffffffe) }, t);
      } else if (x < 0.015) { // a restart that loses all state
        const p = r() < 0.5 ? a : b;
        const local = [...p.s.local.values()];
        p.s = sync.initialNeighborSync(p.s.cfg);
        p.mirror.clear();
        for (const e of local) p.ev({ kind: 'local-upsert', entry: e }, t);
        p.ev({ kind: 'session-up', epoch: 1 + Math.floor(r() * 0xfffffffe) }, t);
      }
      for (const d of link.due(t)) (d.to === 'A' ? a : b).ev({ kind: 'message', msg: d.msg }, t);
      a.ev({ kind: 'tick' }, t);
      b.ev({ kind: 'tick' }, t);
    }
    t = runSync(link, a, b, t, t + 600_000);
    assert.ok(a.quiet && b.quiet, 'quiesced');
    assertConverged(a, b);
    for (const p of [a, b]) {
      assert.ok(p.maxReorder <= sync.MAX_WINDOW && p.maxPending <= 130 && p.s.retired.length <= sync.RETIRED_EPOCHS);
      assert.ok(p.s.resyncLog.length <= sync.RETIRED_EPOCHS);
    }
  });
}

test('session restart: new epoch, entries removed meanwhile are swept at END, unchanged ones cause no churn', () => {
  const { link, a, b } = pair();
  a.ev({ kind: 'session-up', epoch: 21 }, 0);
  b.ev({ kind: 'session-up', epoch: 22 }, 0);
  for (let i = 1; i <= 20; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, 0);
  let t = runSync(link, a, b, 0, 10_000);
  a.ev({ kind: 'session-down' }, t);
  for (let i = 1; i <= 5; i++) a.ev({ kind: 'local-withdraw', ip: entry(i).ip }, t);
  a.ev({ kind: 'local-upsert', entry: entry(6, 9) }, t);
  assert.equal(a.s.pending.size, 0, 'nothing queued while down');
  // an update of the old epoch is still on its way and arrives late
  const late: NbUpdate = { t: 'nb-up', e: 21, n: 50, f: 0, u: [entry(500)], w: [] };
  const up0 = b.upserts, wd0 = b.withdrawals;
  a.ev({ kind: 'session-up', epoch: 23 }, t);
  t = runSync(link, a, b, t, t + 10_000);
  assertConverged(a, b);
  assert.equal(b.upserts - up0, 1, 'only the changed entry is re-announced');
  assert.equal(b.withdrawals - wd0, 5, 'the five withdrawn while down are swept');
  assert.equal(b.s.counters.swept, 5);
  b.ev({ kind: 'message', msg: late }, t);
  assert.equal(b.s.counters.staleEpoch, 1);
  assert.equal(b.s.remote.has(entry(500).ip), false);
  assert.equal(b.s.retired.includes(21), true);
});

test('resend backoff doubles up to maxRtoMs; acks stop it; stale and duplicate acks are counted', () => {
  const { link, a } = pair(PERFECT, 1, { rtoMs: 100, maxRtoMs: 400 });
  a.ev({ kind: 'local-upsert', entry: entry(1) }, 0);
  a.ev({ kind: 'session-up', epoch: 31 }, 0);
  const times: number[] = [];
  for (let t = 0; t <= 2000; t += 10) {
    for (const x of a.ev({ kind: 'tick' }, t)) if (x.kind === 'send' && x.msg.t === 'nb-up') times.push(t);
  }
  assert.deepEqual(times, [100, 300, 700, 1100, 1500, 1900]);
  link.clear();
  a.ev({ kind: 'message', msg: { t: 'nb-ack', e: 31, n: 1 } }, 2000);
  assert.equal(a.s.inflight.size, 0);
  assert.equal(a.s.counters.acksReceived, 1);
  a.ev({ kind: 'message', msg: { t: 'nb-ack', e: 31, n: 1 } }, 2000);
  a.ev({ kind: 'message', msg: { t: 'nb-ack', e: 30, n: 2 } }, 2000);
  assert.equal(a.s.counters.acksStale, 2);
  assert.deepEqual(a.ev({ kind: 'tick' }, 10_000).filter((x) => x.kind === 'send' && x.msg.t === 'nb-up'), []);
});

test('fast resend: an update whose later neighbors were acknowledged three times is resent at once', () => {
  const { link, a } = pair(PERFECT, 1, { rtoMs: 1000, maxRtoMs: 8000 });
  a.ev({ kind: 'session-up', epoch: 33 }, 0);
  for (let i = 1; i <= 5; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, 0); // updates 1 (BEGIN|END) .. 6
  link.clear();
  const resent = (n: number): number[] => a.ev({ kind: 'message', msg: { t: 'nb-ack', e: 33, n } }, 100)
    .flatMap((x) => (x.kind === 'send' && x.msg.t === 'nb-up' ? [x.msg.n] : []));
  assert.deepEqual(resent(3), []);
  assert.deepEqual(resent(4), []);
  assert.deepEqual(resent(5), [1, 2], 'updates 1 and 2 missed three later acks');
  assert.deepEqual(resent(6), [], 'counted again from zero after a resend');
  assert.equal(a.s.counters.fastResends, 2);
  assert.equal(a.s.inflight.get(1)!.nextMs, 1100, 'the timeout restarts from the fast resend');
});

test('the receiver buffers at most MAX_WINDOW updates ahead and acknowledges only what it keeps', () => {
  const { b } = pair();
  const up = (n: number, f = 0): NbUpdate => ({ t: 'nb-up', e: 7, n, f, u: [entry(n)], w: [] });
  b.ev({ kind: 'message', msg: up(1, NB_BEGIN) }, 0);
  assert.equal(b.s.rxNext, 2);
  const acks = (n: number): number => b.ev({ kind: 'message', msg: up(n) }, 0)
    .filter((x) => x.kind === 'send' && x.msg.t === 'nb-ack').length;
  assert.equal(acks(2 + sync.MAX_WINDOW), 0, 'beyond the window: dropped, not acknowledged');
  assert.equal(b.s.counters.outOfWindow, 1);
  assert.equal(acks(1 + sync.MAX_WINDOW), 1, 'last slot of the window: kept');
  assert.equal(acks(1 + sync.MAX_WINDOW), 1, 'duplicate: acknowledged again');
  assert.equal(b.s.reorder.size, 1);
  assert.equal(b.s.remote.size, 1);
  for (let n = 2; n <= sync.MAX_WINDOW; n++) acks(n);
  assert.equal(b.s.rxNext, 2 + sync.MAX_WINDOW);
  assert.equal(b.s.remote.size, 1 + sync.MAX_WINDOW);
  assert.equal(b.s.reorder.size, 0);
  // a later BEGIN supersedes a gap: the receiver jumps to it
  b.ev({ kind: 'message', msg: up(sync.MAX_WINDOW + 10, NB_BEGIN | NB_END) }, 0);
  assert.equal(b.s.counters.jumps, 1);
  assert.equal(b.s.rxNext, sync.MAX_WINDOW + 11);
  assert.equal(b.s.remote.size, 1, 'the full sync re-announced one entry: the rest are swept');
});

test('bounded: local and remote capacity, pending overflow collapses into a full sync, invalid entries', () => {
  const { link, a, b } = pair(PERFECT, 1, { localCapacity: 10, remoteCapacity: 5, pendingCapacity: 11, window: 1 });
  a.ev({ kind: 'session-up', epoch: 41 }, 0);
  b.ev({ kind: 'session-up', epoch: 42 }, 0);
  for (let i = 1; i <= 12; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, 0);
  assert.equal(a.s.local.size, 10);
  assert.equal(a.s.counters.localFull, 2);
  // many withdrawals and re-adds while the window is blocked overflow the queue
  for (let k = 0; k < 3; k++) {
    for (let i = 1; i <= 10; i++) a.ev({ kind: 'local-withdraw', ip: entry(i).ip }, 0);
    for (let i = 13; i <= 22; i++) a.ev({ kind: 'local-upsert', entry: entry(i) }, 0);
    for (let i = 13; i <= 22; i++) a.ev({ kind: 'local-withdraw', ip: entry(i).ip }, 0);
    for (let i = 1; i <= 10; i++) a.ev({ kind: 'local-upsert', entry: entry(i, k) }, 0);
  }
  assert.ok(a.s.counters.pendingCollapsed > 0);
  assert.ok(a.maxPending <= 11);
  runSync(link, a, b, 0, 60_000);
  assert.equal(b.s.remote.size, 5);
  assert.ok(b.s.counters.remoteFull > 0);
  for (const e of b.s.remote.values()) assert.deepEqual(e, a.s.local.get(e.ip));
  const inv = a.s.counters.invalid;
  a.ev({ kind: 'local-upsert', entry: { ip: '224.0.0.1', mac: mac(1), seq: 0, origin: 'arp', flags: 0 } }, 0);
  a.ev({ kind: 'local-upsert', entry: { ip: ip4(1), mac: '01:00:5e:00:00:01', seq: 0, origin: 'arp', flags: 0 } }, 0);
  a.ev({ kind: 'local-upsert', entry: { ip: ip4(1), mac: mac(1), seq: -1, origin: 'arp', flags: 0 } }, 0);
  a.ev({ kind: 'local-upsert', entry: { ip: ip4(1), mac: mac(1), seq: 0, origin: 'arp', flags: 64 } }, 0);
  assert.equal(a.s.counters.invalid, inv + 4);
});

test('config and epoch validation', () => {
  assert.throws(() => sync.initialNeighborSync({ ...sync.DEFAULT_NEIGHBOR_SYNC, window: 0 }), /window 0/);
  assert.throws(() => sync.initialNeighborSync({ ...sync.DEFAULT_NEIGHBOR_SYNC, window: 33 }), /window 33/);
  assert.throws(() => sync.initialNeighborSync({ ...sync.DEFAULT_NEIGHBOR_SYNC, pendingCapacity: 4096 }), /pendingCapacity/);
  assert.throws(() => sync.initialNeighborSync({ ...sync.DEFAULT_NEIGHBOR_SYNC, maxRtoMs: 10 }), /maxRtoMs/);
  const s = sync.initialNeighborSync();
  for (const e of [0, -1, 2 ** 32, 1.5]) assert.throws(() => sync.step(s, { kind: 'session-up', epoch: e }, 0), RangeError);
  const st = sync.neighborSyncStatus(s);
  assert.deepEqual([st.up, st.local, st.remote, st.pending, st.inflight, st.syncing], [false, 0, 0, 0, 0, false]);
});
