// Mobility and the split-brain guard: two appliances (tenant, provider) wired through neighbor
// sync over a simulated link, plus single-instance cases for each rule: learning, failover and
// failback from either side, a VM that simply boots at the other site, --check with the probe
// result, refusals, flapping within / outside the window, IP answered by two MACs, equal seq,
// stale updates, the three policies, quarantine and resolve on both appliances, bounds.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as mob from '../../src/control/mobility';
import { NB_HANDOVER, NB_PINNED, NB_RESOLVED, NB_ROUTER, type NeighborEntry } from '../../src/control/neighbor-messages';
import { Appliance, Link, PERFECT, rng, runPair } from './failover-sim';

const H = '198.18.0.10', M = '02:00:00:00:00:10', M2 = '02:00:00:00:00:99';
const H6 = '2001:2::10';
const SEC = 1000;

function pairOf(policy: mob.ConflictPolicy = 'quarantine', opt = PERFECT): { link: Link; t: Appliance; p: Appliance } {
  const link = new Link(rng(7), opt);
  const t = new Appliance('tenant', 'A', link, policy);
  const p = new Appliance('provider', 'B', link, policy);
  t.partner = p;
  p.partner = t;
  t.sp.ev({ kind: 'session-up', epoch: 100 }, 0);
  p.sp.ev({ kind: 'session-up', epoch: 200 }, 0);
  return { link, t, p };
}

const seen = (a: Appliance, ip: string, mac: string, how: mob.SeenHow, now: number, router = false): mob.MobilityAction[] =>
  a.ev({ kind: 'local-seen', ip, mac, how, router }, now);

/** The host as both appliances see it. */
function where(t: Appliance, p: Appliance, ip = H): { t?: { site: string; seq: number }; p?: { site: string; seq: number } } {
  const f = (a: Appliance): { site: string; seq: number } | undefined => {
    const r = a.m.hosts.get(ip);
    return r && { site: r.site, seq: r.seq };
  };
  return { t: f(t), p: f(p) };
}

/** One appliance. silentPeer: every verification is answered at once with 'silent' (the old copy is
 *  gone: a genuine move), its actions returned in place of the 'verify'. */
function single(localSite: mob.Site, policy: mob.ConflictPolicy = 'quarantine', extra: Partial<mob.MobilityConfig> = {},
  silentPeer = false) {
  const s = mob.initialMobility({ localSite, policy, ...extra });
  return (ev: mob.MobilityEvent, now = 0): mob.MobilityAction[] => {
    const out: mob.MobilityAction[] = [];
    for (const a of mob.step(s, ev, now).actions) {
      if (a.kind === 'verify' && silentPeer) out.push(...mob.step(s, { kind: 'verify-result', ip: a.ip, id: a.id, result: 'silent' }, now).actions);
      else out.push(a);
    }
    return out;
  };
}
const kinds = (as: mob.MobilityAction[]): string[] => as.map((a) => a.kind);
const remote = (ip: string, mac: string, seq: number, flags = 0): mob.MobilityEvent =>
  ({ kind: 'remote-update', entry: { ip, mac, seq, origin: 'arp', flags } });

test('a host learned on the tenant LAN reaches the provider through the sync', () => {
  const { link, t, p } = pairOf();
  const a = seen(t, H, M, 'arp', 0);
  assert.deepEqual(kinds(a), ['neigh-set', 'share']);
  runPair(link, t, p, 0, 10 * SEC);
  assert.deepEqual(where(t, p), { t: { site: 'tenant', seq: 0 }, p: { site: 'tenant', seq: 0 } });
  assert.deepEqual(p.table.get(H), { mac: M, site: 'tenant', seq: 0, frozen: false });
  assert.equal(t.sp.s.local.get(H)?.mac, M);
  assert.equal(p.sp.s.local.has(H), false);
});

test('failover issued on the tenant: handover, provider adopts, GARP on the tenant LAN, no conflict', () => {
  const { link, t, p } = pairOf();
  seen(t, H, M, 'arp', 0);
  let now = runPair(link, t, p, 0, 10 * SEC);
  const mark = t.log.length;
  const a = t.ev({ kind: 'failover', ip: H }, now);
  assert.deepEqual(kinds(a), ['neigh-set', 'share', 'announce', 'moved']);
  const share = a.find((x) => x.kind === 'share') as { entry: NeighborEntry };
  assert.equal(share.entry.flags & NB_HANDOVER, NB_HANDOVER);
  assert.equal(share.entry.seq, 1);
  assert.deepEqual(a.find((x) => x.kind === 'announce'),
    { kind: 'announce', lan: 'tenant', ip: H, mac: M, frame: 'garp', router: false });
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.deepEqual(where(t, p), { t: { site: 'provider', seq: 1 }, p: { site: 'provider', seq: 1 } });
  assert.equal(t.sp.s.local.has(H), false, 'the tenant stops sharing once the provider has it');
  assert.equal(p.sp.s.local.get(H)?.seq, 1);
  assert.equal(p.since(0, 'announce').length, 0, 'nothing is announced on the LAN the host arrives on');
  assert.equal(t.since(mark, 'announce').length, 1);
  // the replica boots and speaks: nothing changes
  seen(p, H, M, 'garp', now);
  seen(p, H, M, 'traffic', now);
  runPair(link, t, p, now, now + 10 * SEC);
  assert.deepEqual(where(t, p), { t: { site: 'provider', seq: 1 }, p: { site: 'provider', seq: 1 } });
  for (const a2 of [t, p]) {
    assert.equal(a2.m.counters.conflicts, 0);
    assert.equal(a2.since(0, 'quarantine').length, 0);
  }
  assert.equal(t.m.counters.failovers, 1);
});

test('failover issued on the provider, then failback issued on the tenant: mirror images', () => {
  const { link, t, p } = pairOf();
  seen(t, H6, M, 'nd', 0, true);
  let now = runPair(link, t, p, 0, 10 * SEC);
  assert.equal(p.m.hosts.get(H6)?.router, true, 'the Router flag travels with the entry');
  const a = p.ev({ kind: 'failover', ip: H6 }, now);
  assert.deepEqual(kinds(a), ['neigh-set', 'share', 'moved']);
  const tMark = t.log.length;
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.deepEqual(where(t, p, H6), { t: { site: 'provider', seq: 1 }, p: { site: 'provider', seq: 1 } });
  assert.deepEqual(t.since(tMark, 'announce'), [{ kind: 'announce', lan: 'tenant', ip: H6, mac: M, frame: 'una', router: true }]);
  assert.deepEqual(t.since(tMark, 'moved').map((m) => m.cause), ['seen-there']);
  // failback from the tenant side: it takes the host back itself
  const pMark = p.log.length;
  const b = t.ev({ kind: 'failback', ip: H6 }, now);
  assert.deepEqual(kinds(b), ['neigh-set', 'share', 'moved']);
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.deepEqual(where(t, p, H6), { t: { site: 'tenant', seq: 2 }, p: { site: 'tenant', seq: 2 } });
  assert.deepEqual(p.since(pMark, 'announce').map((x) => x.lan), ['provider']);
  assert.equal(p.sp.s.local.has(H6), false);
  assert.equal(t.m.counters.failbacks, 1);
  assert.equal(p.m.counters.failovers, 1);
});

test('failback issued on the provider hands the host back to the tenant', () => {
  const { link, t, p } = pairOf();
  seen(p, H, M, 'arp', 0); // lives at the provider
  let now = runPair(link, t, p, 0, 10 * SEC);
  const a = p.ev({ kind: 'failback', ip: H }, now);
  assert.deepEqual(kinds(a), ['neigh-set', 'share', 'announce', 'moved']);
  assert.equal((a[2] as { lan: string }).lan, 'provider');
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.deepEqual(where(t, p), { t: { site: 'tenant', seq: 1 }, p: { site: 'tenant', seq: 1 } });
  assert.equal(p.sp.s.local.has(H), false);
  assert.equal(t.sp.s.local.get(H)?.seq, 1);
});

test('a VM that simply boots at the provider converges the same way (traffic or GARP)', () => {
  for (const how of ['traffic', 'garp'] as const) {
    const { link, t, p } = pairOf();
    seen(t, H, M, 'arp', 0);
    let now = runPair(link, t, p, 0, 10 * SEC);
    // the original is gone from the tenant LAN: the tenant's probe goes unanswered, a genuine move
    const a = seen(p, H, M, how, now);
    assert.deepEqual(kinds(a), ['verify'], 'not moved before the old site was probed');
    assert.deepEqual(a[0], { kind: 'verify', lan: 'tenant', ip: H, id: 1, mac: M, frame: 'arp-probe' });
    assert.deepEqual(seen(p, H, M, how, now + 10), [], 'one verification at a time');
    const mark = p.log.length;
    now = runPair(link, t, p, now, now + 10 * SEC);
    assert.deepEqual(p.since(mark, 'moved'), [{ kind: 'moved', ip: H, mac: M, from: 'tenant', to: 'provider', seq: 1, cause: 'seen-here' }]);
    assert.equal(p.m.counters.verifySilent, 1);
    assert.equal(t.m.counters.conflicts + p.m.counters.conflicts, 0);
    assert.deepEqual(where(t, p), { t: { site: 'provider', seq: 1 }, p: { site: 'provider', seq: 1 } });
    assert.equal(t.since(0, 'announce').length, 1);
  }
});

test('failover racing with the replica\'s own boot converges without a conflict', () => {
  const { link, t, p } = pairOf('quarantine', { loss: 0, dup: 0, minDelayMs: 200, jitterMs: 0 });
  seen(t, H, M, 'arp', 0);
  let now = runPair(link, t, p, 0, 10 * SEC);
  t.ev({ kind: 'failover', ip: H }, now);  // handover seq 1 on its way...
  seen(p, H, M, 'garp', now);              // ...while the replica announces itself (seq 1 too)
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.deepEqual(where(t, p), { t: { site: 'provider', seq: 1 }, p: { site: 'provider', seq: 1 } });
  assert.equal(t.m.counters.conflicts + p.m.counters.conflicts, 0);
  assert.equal(t.sp.s.local.has(H), false);
});

test('--check: probe first; refuse while the host still answers at its current site unless forced', () => {
  const ev = single('provider');
  ev(remote(H, M, 4));
  ev(remote(H6, M, 0));
  assert.deepEqual(ev({ kind: 'failover', ip: H, check: true }),
    [{ kind: 'probe', lan: 'tenant', ip: H, frame: 'arp-probe', reason: 'check' }]);
  assert.deepEqual(ev({ kind: 'failover', ip: H6, check: true }),
    [{ kind: 'probe', lan: 'tenant', ip: H6, frame: 'dad-ns', reason: 'check' }]);
  assert.deepEqual(ev({ kind: 'failover', ip: H, check: true, probe: 'answered' }),
    [{ kind: 'refused', op: 'failover', ip: H, reason: 'still-answers' }]);
  const plan = { kind: 'plan', op: 'failover', ip: H, from: 'tenant', to: 'provider', seq: 5,
    announcements: [{ lan: 'tenant', ip: H, mac: M, frame: 'garp', router: false }] };
  assert.deepEqual(ev({ kind: 'failover', ip: H, check: true, probe: 'answered', force: true }), [plan]);
  assert.deepEqual(ev({ kind: 'failover', ip: H, check: true, probe: 'silent' }), [plan]);
  // a dry run changes nothing; without --check a probe result is still honoured
  assert.deepEqual(ev({ kind: 'failover', ip: H, probe: 'answered' }), [{ kind: 'refused', op: 'failover', ip: H, reason: 'still-answers' }]);
  const done = ev({ kind: 'failover', ip: H, probe: 'answered', force: true });
  assert.deepEqual(kinds(done), ['neigh-set', 'share', 'moved']);
  assert.equal((done[1] as { entry: NeighborEntry }).entry.seq, 5);
});

test('refusals: unknown host, in conflict, resolve without conflict; already there is not an error', () => {
  const ev = single('tenant');
  assert.deepEqual(ev({ kind: 'failover', ip: H }), [{ kind: 'refused', op: 'failover', ip: H, reason: 'unknown-host' }]);
  ev({ kind: 'local-seen', ip: H, mac: M, how: 'arp' });
  // idempotent: the host stays, now pinned here (shared with the pin flag); again: nothing at all
  assert.deepEqual(ev({ kind: 'failback', ip: H }), [
    { kind: 'share', entry: { ip: H, mac: M, seq: 0, origin: 'arp', flags: NB_PINNED } },
    { kind: 'unchanged', op: 'failback', ip: H, site: 'tenant' }]);
  assert.deepEqual(ev({ kind: 'failback', ip: H }), [{ kind: 'unchanged', op: 'failback', ip: H, site: 'tenant' }]);
  assert.deepEqual(ev({ kind: 'failback', ip: H, check: true }), [{ kind: 'unchanged', op: 'failback', ip: H, site: 'tenant' }]);
  assert.deepEqual(ev({ kind: 'resolve', ip: H, keep: 'tenant' }), [{ kind: 'refused', op: 'resolve', ip: H, reason: 'no-conflict' }]);
  ev(remote(H, M2, 3)); // the same IP with another MAC at the provider
  assert.deepEqual(ev({ kind: 'failover', ip: H }), [{ kind: 'refused', op: 'failover', ip: H, reason: 'in-conflict' }]);
  assert.deepEqual(ev({ kind: 'resolve', ip: H, keep: 'moon' as mob.Site }), [{ kind: 'refused', op: 'resolve', ip: H, reason: 'bad-site' }]);
});

test('split brain after a failover: the original comes back while the replica runs; pinned: a conflict after one probe round trip, at both appliances', () => {
  for (const how of ['garp', 'traffic', 'arp'] as const) {
    const { link, t, p } = pairOf();
    seen(t, H, M, 'arp', 0);
    let now = runPair(link, t, p, 0, 10 * SEC);
    t.ev({ kind: 'failover', ip: H }, now);
    p.alive.set(H, M); // the replica runs at the provider
    now = runPair(link, t, p, now, now + 2 * SEC);
    assert.equal(t.m.hosts.get(H)!.pinned, true);
    assert.equal(p.m.hosts.get(H)!.pinned, true, 'the pin travels with the handover');
    // the original comes back on the tenant LAN
    t.alive.set(H, M);
    assert.deepEqual(kinds(seen(t, H, M, how, now)), ['verify'], how);
    const vr = t.log.length;
    now = runPair(link, t, p, now, now + 40); // the probe's round trip (the sim answers after 60 ms)
    assert.equal(t.since(vr, 'conflict').length, 0);
    t.runDue(now + 60);
    const a = t.log.slice(vr);
    assert.deepEqual(kinds(a), ['conflict', 'quarantine', 'neigh-set'], how);
    const c = (a[0] as { conflict: mob.Conflict }).conflict;
    assert.equal(c.reason, 'pinned');
    assert.deepEqual(c.macs, { tenant: M, provider: M });
    assert.deepEqual(c.quarantined, { site: 'tenant', mac: M }, 'quarantine cuts the copy that appeared last');
    now = runPair(link, t, p, now, now + 2 * SEC);
    for (const x of [t, p]) {
      assert.equal(x.m.counters.conflicts, 1, `${x.site} shows the conflict (${how})`);
      assert.equal(x.since(0, 'conflict')[0].conflict.reason, 'pinned');
      assert.deepEqual(x.table.get(H), { mac: M, site: 'provider', seq: x.m.hosts.get(H)!.seq, frozen: true });
      assert.equal(x.m.counters.moves, 1, 'no move back');
    }
    assert.deepEqual(t.quarantined.get(H), { site: 'tenant', mac: M });
    // frozen: more sightings change nothing, counted
    const f0 = t.m.counters.frozen;
    assert.deepEqual(seen(t, H, M, 'garp', now), []);
    assert.equal(t.m.counters.frozen, f0 + 1);
    // the operator keeps the provider copy: both release, unpinned
    const r = t.ev({ kind: 'resolve', ip: H, keep: 'provider' }, now);
    assert.deepEqual(kinds(r), ['release', 'neigh-set', 'share', 'resolved']);
    now = runPair(link, t, p, now, now + 10 * SEC);
    for (const x of [t, p]) {
      assert.equal(x.m.hosts.get(H)!.conflict, null);
      assert.equal(x.m.hosts.get(H)!.pinned, false);
      assert.equal(x.m.hosts.get(H)!.site, 'provider');
      assert.equal(x.table.get(H)!.frozen, false);
    }
    assert.equal(p.m.counters.resolves, 1);
  }
});

test('split brain without a failover (the replica booted by hand): verify on move finds the original still answering', () => {
  const { link, t, p } = pairOf();
  seen(t, H6, M, 'nd', 0);
  t.alive.set(H6, M);
  let now = runPair(link, t, p, 0, 10 * SEC);
  p.alive.set(H6, M);
  const a = seen(p, H6, M, 'una', now);
  assert.deepEqual(a, [{ kind: 'verify', lan: 'tenant', ip: H6, id: 1, mac: M, frame: 'dad-ns' }]);
  now = runPair(link, t, p, now, now + 2 * SEC);
  for (const x of [p, t]) {
    assert.equal(x.m.counters.conflicts, 1, x.site);
    const c = x.since(0, 'conflict')[0].conflict;
    assert.equal(c.reason, 'still-answers');
    assert.deepEqual(c.quarantined, { site: 'provider', mac: M });
    assert.equal(x.m.hosts.get(H6)!.site, 'tenant');
    assert.equal(x.m.counters.moves, 0, 'the host never moved');
  }
  assert.equal(p.m.counters.verifyAnswered, 1);
  assert.deepEqual(p.quarantined.get(H6), { site: 'provider', mac: M });
});

test('verify on move: lost probes, late and stale results, a move racing the probe', () => {
  // every probe result lost ('unknown': the peer could not tell): moves as before; the flap counter
  // is the second line of defence
  const { link, t, p } = pairOf();
  seen(t, H, M, 'arp', 0);
  let now = runPair(link, t, p, 0, 10 * SEC);
  t.verifyLoss = p.verifyLoss = 1;
  for (let i = 0; i < 12 && t.m.counters.conflicts === 0; i++) {
    seen(i % 2 ? t : p, H, M, 'traffic', now);
    now = runPair(link, t, p, now, now + 2 * SEC);
  }
  assert.equal(t.m.counters.conflicts, 1);
  assert.equal(t.since(0, 'conflict')[0].conflict.reason, 'flapping');
  assert.ok(t.m.counters.verifyUnknown + p.m.counters.verifyUnknown >= 5);
  // single instance: results matched by id
  const ev = single('tenant', 'quarantine', { verifyTimeoutMs: 1000 });
  ev(remote(H, M, 4));
  const v1 = ev({ kind: 'local-seen', ip: H, mac: M, how: 'garp' }, 0)[0] as { id: number };
  assert.deepEqual(ev({ kind: 'verify-result', ip: H, id: v1.id + 7, result: 'answered', mac: M }, 10), [], 'unknown id');
  // the verification times out; the next sighting starts another; the late answer of the first is stale
  assert.deepEqual(ev({ kind: 'local-seen', ip: H, mac: M, how: 'garp' }, 500), []);
  const v2 = ev({ kind: 'local-seen', ip: H, mac: M, how: 'garp' }, 1500)[0] as { kind: string; id: number };
  assert.equal(v2.kind, 'verify');
  assert.notEqual(v2.id, v1.id);
  assert.deepEqual(ev({ kind: 'verify-result', ip: H, id: v1.id, result: 'answered', mac: M }, 1600), []);
  // the peer hands the host over (an operator's failback there) before the probe result arrives:
  // the result is stale, no conflict
  const h = ev(remote(H, M, 5, NB_HANDOVER | NB_PINNED), 1650);
  assert.ok(kinds(h).includes('moved'));
  assert.deepEqual(ev({ kind: 'verify-result', ip: H, id: v2.id, result: 'answered', mac: M }, 1700), []);
  // a silent result after the record changed MAC at the peer: the sighting is void, no move
  const ev2 = single('tenant');
  ev2(remote(H, M, 1));
  const v3 = ev2({ kind: 'local-seen', ip: H, mac: M, how: 'arp' }, 0)[0] as { id: number };
  ev2(remote(H, M2, 2));
  assert.deepEqual(ev2({ kind: 'verify-result', ip: H, id: v3.id, result: 'silent' }, 100), []);
  // a silent result: the move goes through with seq + 1
  const v4 = ev2({ kind: 'local-seen', ip: H, mac: M2, how: 'arp' }, 200)[0] as { id: number };
  assert.deepEqual(kinds(ev2({ kind: 'verify-result', ip: H, id: v4.id, result: 'silent' }, 300)), ['neigh-set', 'share', 'moved']);
});

test('pinned host: the original comes back right after a failback issued on the peer: no conflict (the handover overtakes the probe)', () => {
  const { link, t, p } = pairOf('quarantine', { loss: 0, dup: 0, minDelayMs: 20, jitterMs: 0 });
  seen(t, H, M, 'arp', 0);
  let now = runPair(link, t, p, 0, 10 * SEC);
  t.ev({ kind: 'failover', ip: H }, now);
  now = runPair(link, t, p, now, now + 10 * SEC);
  // the replica is stopped, failback on the provider, the original started at once
  p.ev({ kind: 'failback', ip: H }, now);
  t.alive.set(H, M);
  assert.deepEqual(kinds(seen(t, H, M, 'garp', now + 1)), ['verify'], 'the handover is still on its way');
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.equal(t.m.counters.conflicts + p.m.counters.conflicts, 0);
  assert.deepEqual(where(t, p), { t: { site: 'tenant', seq: 2 }, p: { site: 'tenant', seq: 2 } });
  assert.equal(t.m.counters.verifyStale, 1);
  assert.equal(t.m.hosts.get(H)!.pinned, true);
  // pinned at the tenant now: the replica booting again at the provider is a conflict even when the
  // probe of the tenant LAN is lost
  p.verifyLoss = 1;
  p.alive.set(H, M);
  seen(p, H, M, 'traffic', now);
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.equal(p.since(0, 'conflict')[0]?.conflict.reason, 'pinned');
  assert.equal(p.m.counters.verifyUnknown, 1);
});

test('pinned host: a new address of its MAC at the other site (the original\'s link-local) is verified and a conflict', () => {
  const { link, t, p } = pairOf();
  seen(t, H, M, 'arp', 0);
  let now = runPair(link, t, p, 0, 10 * SEC);
  t.ev({ kind: 'failover', ip: H }, now);
  p.alive.set(H, M);
  now = runPair(link, t, p, now, now + 10 * SEC);
  const a = seen(t, 'fe80::10', M, 'nd', now); // the original is back, speaking IPv6 first
  assert.deepEqual(kinds(a), ['neigh-set', 'share', 'verify']);
  assert.equal((a[2] as { ip: string }).ip, H, 'the pinned record is verified');
  assert.deepEqual(seen(t, 'fe80::11', M2, 'nd', now).filter((x) => x.kind === 'verify'), [], 'another MAC: nothing');
  now = runPair(link, t, p, now, now + 10 * SEC);
  for (const x of [t, p]) assert.equal(x.m.hosts.get(H)!.conflict?.reason, 'pinned', x.site);
  assert.equal(t.m.hosts.get('fe80::10')!.conflict, null);
});

test('explicit failover/failback cycles are not flapping (100 cycles within the flap window, from either side)', () => {
  const { link, t, p } = pairOf();
  seen(t, H, M, 'arp', 0);
  let now = runPair(link, t, p, 0, 10 * SEC);
  for (let i = 0; i < 100; i++) {
    (i % 2 ? p : t).ev({ kind: 'failover', ip: H }, now);
    now = runPair(link, t, p, now, now + 2 * SEC);
    (i % 3 ? t : p).ev({ kind: 'failback', ip: H }, now);
    now = runPair(link, t, p, now, now + 2 * SEC);
  }
  assert.equal(t.m.counters.conflicts + p.m.counters.conflicts, 0);
  assert.deepEqual(where(t, p), { t: { site: 'tenant', seq: 200 }, p: { site: 'tenant', seq: 200 } });
});

test('pinned host: a peer\'s unpinned claim is a conflict, its own failover/failback is not', () => {
  const ev = single('provider');
  ev({ kind: 'local-seen', ip: H, mac: M, how: 'arp' });
  ev({ kind: 'failover', ip: H });             // already here: pinned (unchanged)
  const c = ev(remote(H, M, 3));               // the tenant claims it without a pin
  assert.equal((c[0] as { conflict: mob.Conflict }).conflict.reason, 'pinned');
  const ev2 = single('provider');
  ev2({ kind: 'local-seen', ip: H, mac: M, how: 'arp' });
  ev2({ kind: 'failover', ip: H });
  const m = ev2(remote(H, M, 3, NB_PINNED));   // the tenant's operator failed it back
  assert.deepEqual(kinds(m), ['neigh-set', 'unshare', 'announce', 'moved']);
});

test('resolve keeping the provider copy hands the host over and clears both appliances', () => {
  const { link, t, p } = pairOf();
  seen(t, H, M, 'arp', 0);
  let now = runPair(link, t, p, 0, 10 * SEC);
  seen(p, H, M2, 'arp', now); // another MAC answers for H at the provider
  now = runPair(link, t, p, now, now + 10 * SEC);
  const c = p.since(0, 'conflict')[0].conflict;
  assert.equal(c.reason, 'ip-two-macs');
  assert.deepEqual(c.macs, { tenant: M, provider: M2 });
  assert.deepEqual(c.quarantined, { site: 'provider', mac: M2 }, 'the copy that appeared last');
  assert.deepEqual(p.table.get(H), { mac: M, site: 'tenant', seq: 0, frozen: true });
  assert.equal(t.m.counters.conflicts, 0, 'the tenant never saw the second copy (it is cut off)');
  // the operator keeps the provider copy (the replica): resolve on the provider
  p.ev({ kind: 'resolve', ip: H, keep: 'provider' }, now);
  const tMark = t.log.length;
  now = runPair(link, t, p, now, now + 10 * SEC);
  assert.deepEqual(where(t, p), { t: { site: 'provider', seq: 1 }, p: { site: 'provider', seq: 1 } });
  assert.equal(p.m.hosts.get(H)!.mac, M2);
  assert.equal(t.m.hosts.get(H)!.mac, M2);
  assert.equal(p.quarantined.size, 0);
  assert.equal(t.since(tMark, 'announce').length, 1, 'the tenant LAN learns the host left');
  // resolving keeping the peer's copy from the other side: handover with NB_RESOLVED
  const ev = single('tenant');
  ev({ kind: 'local-seen', ip: H, mac: M, how: 'arp' });
  ev(remote(H, M2, 2));
  const r = ev({ kind: 'resolve', ip: H, keep: 'provider' }, 5);
  const share = r.find((x) => x.kind === 'share') as { entry: NeighborEntry };
  assert.equal(share.entry.flags, NB_HANDOVER | NB_RESOLVED);
  assert.equal(share.entry.mac, M2);
  assert.equal(share.entry.seq, 3, 'numbered above every seq seen meanwhile');
});

test('flapping: more than 5 moves within 180 s is a conflict; the same moves spread out are not', () => {
  const drive = (gapMs: number): { ev: ReturnType<typeof single>; conflicts: number } => {
    const ev = single('tenant', 'quarantine', {}, true);
    let conflicts = 0, seq = 0, now = 0;
    ev({ kind: 'local-seen', ip: H, mac: M, how: 'arp' }, now);
    for (let i = 0; i < 6; i++) { // 6 moves: provider, tenant, provider, ...
      now += gapMs;
      const a = i % 2 === 0 ? ev(remote(H, M, seq + 1), now) : ev({ kind: 'local-seen', ip: H, mac: M, how: 'traffic' }, now);
      seq++;
      conflicts += a.filter((x) => x.kind === 'conflict').length;
    }
    return { ev, conflicts };
  };
  assert.equal(drive(30 * SEC).conflicts, 1, '6 moves in 180 s');
  assert.equal(drive(36 * SEC).conflicts, 0, '6 moves over 216 s: never more than 5 in a window');
  // exactly 5 moves: no conflict
  const ev = single('provider', 'quarantine', {}, true);
  ev(remote(H, M, 0));
  let now = 0, conflicts = 0;
  for (let i = 0; i < 5; i++) {
    now += 1000;
    const a = i % 2 === 0 ? ev({ kind: 'local-seen', ip: H, mac: M, how: 'traffic' }, now) : ev(remote(H, M, i + 1), now);
    conflicts += a.filter((x) => x.kind === 'conflict').length;
  }
  assert.equal(conflicts, 0);
  // a custom threshold
  const ev2 = single('provider', 'log-only', { flapMoves: 1, flapWindowMs: 10 * SEC }, true);
  ev2(remote(H, M, 0));
  ev2({ kind: 'local-seen', ip: H, mac: M, how: 'traffic' }, 1000);
  const a = ev2(remote(H, M, 2), 2000);
  assert.deepEqual(kinds(a).filter((k) => k === 'conflict' || k === 'quarantine'), ['conflict'], 'log-only: no quarantine');
});

test('IP answered by two MACs: ordinary traffic is not evidence, ARP/ND/GARP are', () => {
  const ev = single('provider');
  ev(remote(H, M, 0));
  // a routed packet with the router's MAC as source: ignored
  assert.deepEqual(ev({ kind: 'local-seen', ip: H, mac: M2, how: 'traffic' }), []);
  const a = ev({ kind: 'local-seen', ip: H, mac: M2, how: 'garp' }, 7);
  assert.deepEqual(kinds(a), ['conflict', 'quarantine', 'neigh-set']);
  const c = (a[0] as { conflict: mob.Conflict }).conflict;
  assert.deepEqual({ reason: c.reason, macs: c.macs, quarantined: c.quarantined, detectedMs: c.detectedMs, atSeq: c.atSeq },
    { reason: 'ip-two-macs', macs: { tenant: M, provider: M2 }, quarantined: { site: 'provider', mac: M2 }, detectedMs: 7, atSeq: 0 });
  // the tenant appliance sees the peer claim another MAC for a host it has live
  const ev2 = single('tenant');
  ev2({ kind: 'local-seen', ip: H, mac: M, how: 'arp' });
  const b = ev2(remote(H, M2, 9));
  assert.deepEqual(kinds(b), ['conflict', 'quarantine', 'neigh-set', 'share']);
  assert.deepEqual((b[1] as { site: string; mac: string }), { kind: 'quarantine', ip: H, mac: M2, site: 'provider' });
  // the same MAC with a lower seq is stale; a local MAC change announced by the host bumps seq
  const ev3 = single('tenant', 'quarantine', {}, true);
  ev3({ kind: 'local-seen', ip: H, mac: M, how: 'arp' });
  ev3(remote(H, M, 1));                                   // moved to the provider, seq 1
  ev3({ kind: 'local-seen', ip: H, mac: M, how: 'traffic' }); // back, seq 2
  assert.deepEqual(ev3(remote(H, M, 1)), []);             // stale
  const s3 = mob.initialMobility({ localSite: 'tenant' });
  mob.step(s3, { kind: 'local-seen', ip: H, mac: M, how: 'arp' }, 0);
  assert.deepEqual(mob.step(s3, { kind: 'local-seen', ip: H, mac: M2, how: 'traffic' }, 0).actions, []);
  const ch = mob.step(s3, { kind: 'local-seen', ip: H, mac: M2, how: 'arp' }, 0).actions;
  assert.deepEqual(kinds(ch), ['neigh-set', 'share']);
  assert.equal((ch[1] as { entry: NeighborEntry }).entry.seq, 1);
  assert.equal(s3.counters.macChanges, 1);
  assert.equal(s3.counters.weakIgnored, 1);
});

test('equal seq claimed by both sites is a conflict; the provider copy is taken as the newcomer', () => {
  const ev = single('tenant', 'quarantine', {}, true);
  ev({ kind: 'local-seen', ip: H, mac: M, how: 'arp' });
  ev(remote(H, M, 1));                                        // -> provider, seq 1
  ev({ kind: 'local-seen', ip: H, mac: M, how: 'traffic' });  // -> tenant, seq 2
  const a = ev(remote(H, M, 2));                              // the provider claims seq 2 as well
  assert.equal((a[0] as { conflict: mob.Conflict }).conflict.reason, 'equal-seq');
  assert.deepEqual((a[0] as { conflict: mob.Conflict }).conflict.quarantined, { site: 'provider', mac: M });
});

test('policies: prefer-tenant cuts the provider copy even when the tenant copy is the newcomer; log-only freezes nothing', () => {
  const ev = single('tenant', 'prefer-tenant');
  ev(remote(H, M, 0));                                          // lives at the provider
  const a = ev({ kind: 'local-seen', ip: H, mac: M2, how: 'arp' }); // a second copy appears here
  assert.deepEqual(a.find((x) => x.kind === 'quarantine'), { kind: 'quarantine', ip: H, mac: M, site: 'provider' });
  assert.deepEqual(a.find((x) => x.kind === 'neigh-set'), { kind: 'neigh-set', ip: H, mac: M2, site: 'tenant', seq: 0, router: false, frozen: true });
  assert.ok(a.some((x) => x.kind === 'share'), 'the kept copy lives here now: shared');
  const lo = single('tenant', 'log-only', {}, true);
  lo(remote(H, M, 0));
  const b = lo({ kind: 'local-seen', ip: H, mac: M2, how: 'arp' });
  assert.deepEqual(kinds(b), ['conflict']);
  // not frozen: the record keeps following the rules (a higher seq from the provider still applies)
  assert.deepEqual(kinds(lo(remote(H, M, 1))), ['neigh-set']);
  assert.deepEqual(kinds(lo({ kind: 'local-seen', ip: H, mac: M, how: 'traffic' })), ['neigh-set', 'share', 'moved']);
  assert.equal(lo({ kind: 'failover', ip: H }).length, 1, 'but failover waits for resolve');
  assert.deepEqual(kinds(lo({ kind: 'resolve', ip: H, keep: 'tenant' })), ['neigh-set', 'share', 'resolved']);
});

test('aging and withdrawal; handover pending is kept; bounds and invalid input are counted', () => {
  const s = mob.initialMobility({ localSite: 'tenant', maxHosts: 3 });
  const ev = (e: mob.MobilityEvent): mob.MobilityAction[] => mob.step(s, e, 0).actions;
  ev({ kind: 'local-seen', ip: '198.18.0.1', mac: M, how: 'arp' });
  ev(remote('198.18.0.2', M2, 0));
  ev({ kind: 'local-seen', ip: '198.18.0.3', mac: M, how: 'arp' });
  assert.deepEqual(ev({ kind: 'local-seen', ip: '198.18.0.4', mac: M, how: 'arp' }), []);
  assert.deepEqual(ev(remote('198.18.0.5', M, 0)), []);
  assert.equal(s.counters.full, 2);
  assert.deepEqual(ev({ kind: 'local-gone', ip: '198.18.0.1' }), [{ kind: 'unshare', ip: '198.18.0.1' }, { kind: 'neigh-del', ip: '198.18.0.1' }]);
  assert.deepEqual(ev({ kind: 'local-gone', ip: '198.18.0.2' }), [], 'not local: the peer withdraws it');
  assert.deepEqual(ev({ kind: 'remote-withdraw', ip: '198.18.0.3' }), [], 'local: not the peer\'s to withdraw');
  assert.deepEqual(ev({ kind: 'remote-withdraw', ip: '198.18.0.2' }), [{ kind: 'neigh-del', ip: '198.18.0.2' }]);
  ev({ kind: 'failover', ip: '198.18.0.3' });
  assert.deepEqual(ev({ kind: 'remote-withdraw', ip: '198.18.0.3' }), [], 'handed over, not yet confirmed: kept');
  assert.equal(s.hosts.size, 1);
  const inv0 = s.counters.invalid;
  ev({ kind: 'local-seen', ip: '224.0.0.1', mac: M, how: 'arp' });
  ev({ kind: 'local-seen', ip: '198.18.0.9', mac: '01:00:5e:00:00:01', how: 'arp' });
  ev({ kind: 'local-seen', ip: '2001:0002::1', mac: M, how: 'nd' });
  ev({ kind: 'local-seen', ip: '198.18.0.9', mac: M, how: 'bogus' as mob.SeenHow });
  ev({ kind: 'remote-update', entry: { ip: '198.18.0.9', mac: M, seq: -1, origin: 'arp', flags: 0 } });
  ev({ kind: 'remote-update', entry: { ip: '198.18.0.9', mac: M, seq: 0, origin: 'arp', flags: NB_ROUTER | 64 } });
  assert.equal(s.counters.invalid, inv0 + 6);
  assert.throws(() => mob.initialMobility({ localSite: 'the moon' as mob.Site }), /localSite the moon/);
  assert.throws(() => mob.initialMobility({ localSite: 'tenant', policy: 'pray' as mob.ConflictPolicy }), /policy pray/);
  assert.throws(() => mob.initialMobility({ localSite: 'tenant', flapMoves: 0 }), /flapMoves 0/);
  assert.throws(() => mob.initialMobility({ localSite: 'tenant', maxHosts: 0 }), /maxHosts 0/);
});

test('two appliances over a lossy, reordering link: failover, flapping conflict, resolve, failback', () => {
  const link = new Link(rng(3), { loss: 0.3, dup: 0.2, minDelayMs: 5, jitterMs: 300 });
  const t = new Appliance('tenant', 'A', link);
  const p = new Appliance('provider', 'B', link);
  t.partner = p;
  p.partner = t;
  t.sp.ev({ kind: 'session-up', epoch: 1 }, 0);
  p.sp.ev({ kind: 'session-up', epoch: 2 }, 0);
  const hosts = Array.from({ length: 40 }, (_, i) => ({ ip: `198.18.1.${i + 1}`, mac: `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}` }));
  for (const h of hosts) seen(t, h.ip, h.mac, 'arp', 0);
  let now = runPair(link, t, p, 0, 120 * SEC);
  for (const h of hosts.slice(0, 10)) t.ev({ kind: 'failover', ip: h.ip }, now);
  for (const h of hosts.slice(10, 20)) p.ev({ kind: 'failover', ip: h.ip }, now);
  now = runPair(link, t, p, now, now + 120 * SEC);
  for (const [i, h] of hosts.entries()) {
    const want = i < 20 ? 'provider' : 'tenant';
    assert.equal(t.m.hosts.get(h.ip)?.site, want, `${h.ip} at the tenant`);
    assert.equal(p.m.hosts.get(h.ip)?.site, want, `${h.ip} at the provider`);
    assert.equal(t.table.get(h.ip)?.site, want);
    assert.equal(p.table.get(h.ip)?.site, want);
    assert.equal(t.sp.s.local.has(h.ip), want === 'tenant');
    assert.equal(p.sp.s.local.has(h.ip), want === 'provider');
  }
  for (const h of hosts.slice(0, 20)) t.ev({ kind: 'failback', ip: h.ip }, now);
  now = runPair(link, t, p, now, now + 120 * SEC);
  for (const h of hosts) {
    assert.equal(t.m.hosts.get(h.ip)?.site, 'tenant');
    assert.equal(p.m.hosts.get(h.ip)?.site, 'tenant');
    assert.equal(p.sp.s.local.has(h.ip), false);
  }
  assert.equal(t.m.counters.conflicts + p.m.counters.conflicts, 0);
});

for (const seed of [21, 22]) {
  test(`soak: hosts move by failover/failback and by themselves over a lossy link; both appliances agree (seed ${seed})`, () => {
    const link = new Link(rng(seed), { loss: 0.2, dup: 0.1, minDelayMs: 5, jitterMs: 200 });
    const apps = { tenant: new Appliance('tenant', 'A', link), provider: new Appliance('provider', 'B', link) };
    apps.tenant.partner = apps.provider;
    apps.provider.partner = apps.tenant;
    for (const a of Object.values(apps)) a.m.cfg.flapMoves = 1000; // consistency only: no flapping guard here
    apps.tenant.sp.ev({ kind: 'session-up', epoch: seed }, 0);
    apps.provider.sp.ev({ kind: 'session-up', epoch: seed + 1 }, 0);
    const r = rng(seed * 13);
    const hosts = Array.from({ length: 20 }, (_, i) => ({
      ip: i % 4 === 3 ? `2001:2::${i + 1}` : `198.18.2.${i + 1}`,
      mac: `02:00:00:00:02:${(i + 1).toString(16).padStart(2, '0')}`,
      live: (i % 3 === 0 ? 'provider' : 'tenant') as mob.Role,
      pinned: false,
    }));
    const speak = (h: typeof hosts[number], now: number): void => {
      apps[h.live].alive.set(h.ip, h.mac); // the old copy is gone: its LAN no longer answers probes
      apps[h.live === 'tenant' ? 'provider' : 'tenant'].alive.delete(h.ip);
      const v6 = h.ip.includes(':');
      const how = (['traffic', v6 ? 'nd' : 'arp', v6 ? 'una' : 'garp'] as const)[Math.floor(r() * 3)];
      seen(apps[h.live], h.ip, h.mac, how, now);
    };
    let now = 0;
    for (const h of hosts) speak(h, now);
    now = runPair(link, apps.tenant, apps.provider, now, now + 120 * SEC);
    let ops = 0, refusals = 0;
    for (let step = 0; step < 400; step++) {
      const h = hosts[Math.floor(r() * hosts.length)];
      const x = r();
      if (x < 0.5) {
        speak(h, now);
      } else if (x < 0.8) { // an operator command on a random appliance, issued when settled
        // live hosts keep talking: a sighting that raced with a move elsewhere is corrected
        for (const g of hosts) speak(g, now);
        now = runPair(link, apps.tenant, apps.provider, now, now + 120 * SEC);
        const on = r() < 0.5 ? apps.tenant : apps.provider;
        const op = r() < 0.5 ? 'failover' : 'failback';
        const target: mob.Role = op === 'failover' ? 'provider' : 'tenant';
        const a = on.ev({ kind: op, ip: h.ip }, now);
        assert.deepEqual(a.filter((y) => y.kind === 'refused'), [], `${op} ${h.ip} on ${on.site}`);
        h.pinned = true;
        if (a.some((y) => y.kind === 'unchanged')) {
          refusals++;
          assert.equal(h.live, target, 'unchanged only when the host is already there');
        } else {
          ops++;
          h.live = target;
          // the move reaches both appliances before the host speaks again (a pinned host seen at
          // the other site before the handover arrived is a conflict, by design)
          now = runPair(link, apps.tenant, apps.provider, now, now + 120 * SEC);
          if (r() < 0.7) speak(h, now + 1); // the replica (or the original) comes up
        }
      } else if (!h.pinned) { // the VM moves by itself (vMotion across; a pinned host would be a conflict)
        h.live = h.live === 'tenant' ? 'provider' : 'tenant';
        speak(h, now);
      }
      now += 1 + Math.floor(r() * 3000);
      apps.tenant.runDue(now);
      apps.provider.runDue(now);
      for (const d of link.due(now)) (d.to === 'A' ? apps.tenant.sp : apps.provider.sp).ev({ kind: 'message', msg: d.msg }, now);
      apps.tenant.sp.ev({ kind: 'tick' }, now);
      apps.provider.sp.ev({ kind: 'tick' }, now);
    }
    now = runPair(link, apps.tenant, apps.provider, now, now + 300 * SEC);
    for (const g of hosts) speak(g, now);
    now = runPair(link, apps.tenant, apps.provider, now, now + 300 * SEC);
    assert.ok(ops > 30 && refusals > 5, `${ops} operations, ${refusals} refusals`);
    for (const h of hosts) {
      const rt = apps.tenant.m.hosts.get(h.ip)!, rp = apps.provider.m.hosts.get(h.ip)!;
      assert.equal(rt.site, h.live, `${h.ip}: tenant appliance`);
      assert.equal(rp.site, h.live, `${h.ip}: provider appliance`);
      assert.equal(rt.seq, rp.seq, `${h.ip}: same seq on both`);
      assert.equal(rt.mac, h.mac);
      assert.equal(apps.tenant.table.get(h.ip)?.site, h.live);
      assert.equal(apps.provider.table.get(h.ip)?.site, h.live);
      assert.equal(apps[h.live].sp.s.local.has(h.ip), true, `${h.ip} shared by the appliance where it lives`);
      const other = apps[h.live === 'tenant' ? 'provider' : 'tenant'];
      assert.equal(other.sp.s.local.has(h.ip), false, `${h.ip} not shared by the other appliance`);
      assert.equal(rt.handover || rp.handover, false);
    }
    for (const a of Object.values(apps)) {
      assert.equal(a.m.counters.conflicts, 0);
      assert.equal(a.quarantined.size, 0);
    }
  });
}
