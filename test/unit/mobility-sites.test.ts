// The mobility machine with three named sites (issue 13 part 2): site-a and site-b are tenant data
// centres, site-c the provider. A small mesh harness delivers each site's share/unshare to the other
// two as remote-update/withdraw with `from` (the neighbor sync is tested on its own), answers
// verifications from the LAN of the site asked (or loses them), and relays conflicts the way the
// daemon does (fo-conflict to the site on record).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as mob from '../../src/control/mobility';
import { NB_HANDOVER } from '../../src/control/neighbor-messages';

const A = 'site-a', B = 'site-b', C = 'site-c';
const H = '198.18.7.10', HMAC = '02:00:00:00:07:10', OTHER = '02:00:00:00:07:99';

interface Msg { to: string; ev: mob.MobilityEvent }

class Site {
  readonly m: mob.MobilityState;
  readonly table = new Map<string, { mac: string; site: string; seq: number; frozen: boolean }>();
  readonly alive = new Map<string, string>(); // ip -> mac answering probes on this LAN
  readonly announced: mob.Announcement[] = [];
  readonly conflicts: mob.Conflict[] = [];
  readonly verifies: Array<{ lan: string; ip: string }> = [];
  readonly moved: Array<{ from: string; to: string; seq: number; cause: string }> = [];
  readonly quarantined: Array<{ site: string; mac: string }> = [];
  constructor(readonly name: string, role: mob.Role, policy: mob.ConflictPolicy = 'quarantine') {
    this.m = mob.initialMobility({ localSite: name, policy }, role);
  }
}

class Mesh {
  readonly sites = new Map<string, Site>();
  queue: Msg[] = [];
  loseProbes = false;
  now = 1000;
  constructor(policy: mob.ConflictPolicy = 'quarantine') {
    for (const [n, r] of [[A, 'tenant'], [B, 'tenant'], [C, 'provider']] as const) this.sites.set(n, new Site(n, r, policy));
    for (const s of this.sites.values()) {
      for (const [n, r] of [[A, 'tenant'], [B, 'tenant'], [C, 'provider']] as const) if (n !== s.name) mob.setSite(s.m, n, r);
    }
  }
  site(n: string): Site { return this.sites.get(n)!; }
  ev(n: string, ev: mob.MobilityEvent): mob.MobilityAction[] {
    const s = this.site(n);
    const acts = mob.step(s.m, ev, this.now).actions;
    for (const a of acts) this.apply(s, a);
    return acts;
  }
  private peersOf(s: Site, a: { only?: string }): string[] {
    return [...this.sites.keys()].filter((n) => n !== s.name && (a.only === undefined || n === a.only));
  }
  private apply(s: Site, a: mob.MobilityAction): void {
    switch (a.kind) {
      case 'neigh-set': s.table.set(a.ip, { mac: a.mac, site: a.site, seq: a.seq, frozen: a.frozen }); break;
      case 'neigh-del': s.table.delete(a.ip); break;
      case 'share': for (const p of this.peersOf(s, a)) this.queue.push({ to: p, ev: { kind: 'remote-update', entry: { ...a.entry }, from: s.name } }); break;
      case 'unshare': for (const p of this.peersOf(s, {})) this.queue.push({ to: p, ev: { kind: 'remote-withdraw', ip: a.ip, from: s.name } }); break;
      case 'announce': s.announced.push(a); break;
      case 'moved': s.moved.push({ from: a.from, to: a.to, seq: a.seq, cause: a.cause }); break;
      case 'quarantine': s.quarantined.push({ site: a.site, mac: a.mac }); break;
      case 'verify': {
        s.verifies.push({ lan: a.lan, ip: a.ip });
        // the daemon asks the peer of a.lan, retries once, and reports 'unknown' when no answer comes
        const lanMac = this.site(a.lan).alive.get(a.ip);
        const result: mob.VerifyResult = this.loseProbes ? 'unknown' : lanMac ? 'answered' : 'silent';
        this.queue.push({ to: s.name, ev: { kind: 'verify-result', ip: a.ip, id: a.id, result, ...(result === 'answered' ? { mac: lanMac } : {}) } });
        break;
      }
      case 'conflict': {
        s.conflicts.push(a.conflict);
        const c = a.conflict;
        const remote = c.sites[0] === s.name ? c.sites[1] : c.sites[0];
        if (a.seenHere && (c.reason === 'still-answers' || c.reason === 'pinned')) {
          this.queue.push({ to: remote, ev: { kind: 'peer-conflict', ip: c.ip, mac: c.macs[s.name], reason: c.reason, seq: c.atSeq, from: s.name } });
        }
        break;
      }
      default: break;
    }
  }
  /** Delivers everything queued (and what that causes), in order. */
  run(): void {
    for (let i = 0; this.queue.length > 0; i++) {
      assert.ok(i < 10_000, 'the mesh settles');
      const m = this.queue.shift()!;
      this.now += 5;
      this.ev(m.to, m.ev);
    }
  }
  /** Where each site has the host on record (site, seq) and where its data-plane table points. */
  where(ip = H): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of this.sites.values()) {
      const r = s.m.hosts.get(ip);
      out[s.name] = r ? `${r.site}#${r.seq}${r.pinned ? ' pinned' : ''}|${s.table.get(ip)?.site ?? '-'}` : 'none';
    }
    return out;
  }
}

/** A mesh with H living at site-a, known everywhere. */
function meshWithHostAtA(policy: mob.ConflictPolicy = 'quarantine'): Mesh {
  const m = new Mesh(policy);
  m.site(A).alive.set(H, HMAC);
  m.ev(A, { kind: 'local-seen', ip: H, mac: HMAC, how: 'arp' });
  m.run();
  assert.deepEqual(m.where(), { [A]: `${A}#0|${A}`, [B]: `${A}#0|${A}`, [C]: `${A}#0|${A}` });
  return m;
}

test('three sites: failover A -> C issued at A, then back to A issued at B; every site follows, seq bumps, the site left announces', () => {
  const m = meshWithHostAtA();
  const acts = m.ev(A, { kind: 'failover', ip: H, to: C });
  // the handover goes to site-c alone; site-b keeps A's claim until site-c's adoption replaces it
  const shares = acts.filter((a): a is Extract<mob.MobilityAction, { kind: 'share' }> => a.kind === 'share');
  assert.deepEqual(shares.map((a) => [a.only, (a.entry.flags & NB_HANDOVER) !== 0, a.entry.seq]), [[C, true, 1]]);
  assert.ok(!acts.some((a) => a.kind === 'unshare'));
  m.site(A).alive.delete(H);
  m.site(C).alive.set(H, HMAC);
  m.run();
  assert.deepEqual(m.where(), { [A]: `${C}#1 pinned|${C}`, [B]: `${C}#1 pinned|${C}`, [C]: `${C}#1 pinned|${C}` });
  assert.deepEqual(m.site(A).announced.map((a) => [a.lan, a.ip, a.mac]), [[A, H, HMAC]], 'GARP on the LAN the host left');
  assert.deepEqual(m.site(B).moved, [{ from: A, to: C, seq: 1, cause: 'seen-there' }], 'site-b learns the move from site-c');
  // back, issued at the third site
  m.ev(B, { kind: 'failback', ip: H, to: A });
  m.site(C).alive.delete(H);
  m.site(A).alive.set(H, HMAC);
  m.run();
  assert.deepEqual(m.where(), { [A]: `${A}#2 pinned|${A}`, [B]: `${A}#2 pinned|${A}`, [C]: `${A}#2 pinned|${A}` });
  assert.deepEqual(m.site(C).announced.map((a) => a.lan), [C], 'site-c announces on its LAN when the host leaves');
  for (const s of m.sites.values()) assert.deepEqual(s.conflicts, [], `${s.name}: no conflict`);
  // the pin holds at every site: the old copy showing up again at site-c is a conflict naming site-a and site-c
  m.site(C).alive.set(H, HMAC);
  m.ev(C, { kind: 'local-seen', ip: H, mac: HMAC, how: 'garp' });
  m.run();
  assert.deepEqual(m.site(C).verifies, [{ lan: A, ip: H }], 'verified at the site on record');
  assert.deepEqual(m.site(C).conflicts.map((c) => [c.reason, c.sites]), [['pinned', [A, C]]]);
  assert.deepEqual(m.site(A).conflicts.map((c) => [c.reason, c.sites]), [['pinned', [A, C]]]);
  assert.deepEqual(m.site(B).conflicts, [], 'site-b only follows');
});

test('three sites: defaults without --to: failover goes to the one provider site; failback is ambiguous (two tenant sites)', () => {
  const m = meshWithHostAtA();
  const r = m.ev(B, { kind: 'failback', ip: H });
  assert.deepEqual(r.filter((a) => a.kind === 'refused').map((a) => (a as { reason: string }).reason), ['need-site']);
  assert.deepEqual(m.ev(B, { kind: 'failover', ip: H, to: 'site-x' }).map((a) => (a as { reason?: string }).reason), ['bad-site']);
  m.ev(B, { kind: 'failover', ip: H });
  m.site(A).alive.delete(H);
  m.run();
  assert.deepEqual(m.where(), { [A]: `${C}#1 pinned|${C}`, [B]: `${C}#1 pinned|${C}`, [C]: `${C}#1 pinned|${C}` });
  // the role names a site too: --to tenant is ambiguous, --to provider is site-c
  assert.equal(mob.siteByName(m.site(B).m, 'provider').hasOwnProperty('site'), true);
  assert.deepEqual(mob.siteByName(m.site(B).m, 'tenant'), { error: 'need-site' });
});

test('three sites: a host moving by itself A -> C is verified at site-a (the site on record), moves everywhere; back likewise', () => {
  const m = meshWithHostAtA();
  m.site(A).alive.delete(H); // the VM was migrated: gone at site-a
  m.site(C).alive.set(H, HMAC);
  m.now += 60_000;
  m.ev(C, { kind: 'local-seen', ip: H, mac: HMAC, how: 'garp' });
  m.run();
  assert.deepEqual(m.site(C).verifies, [{ lan: A, ip: H }]);
  assert.deepEqual(m.where(), { [A]: `${C}#1|${C}`, [B]: `${C}#1|${C}`, [C]: `${C}#1|${C}` });
  assert.deepEqual(m.site(A).announced.map((a) => a.lan), [A]);
  m.site(C).alive.delete(H);
  m.site(A).alive.set(H, HMAC);
  m.now += 60_000;
  m.ev(A, { kind: 'local-seen', ip: H, mac: HMAC, how: 'arp' });
  m.run();
  assert.deepEqual(m.site(A).verifies, [{ lan: C, ip: H }], 'verified at site-c, where it was on record');
  assert.deepEqual(m.where(), { [A]: `${A}#2|${A}`, [B]: `${A}#2|${A}`, [C]: `${A}#2|${A}` });
});

test('three sites: sequence ordering: a stale lower-seq claim or a late withdrawal of the old site changes nothing', () => {
  const m = meshWithHostAtA();
  m.ev(A, { kind: 'failover', ip: H, to: C });
  m.run(); // site-c adopts, shares seq 1 with a and b; a confirms and withdraws its claim from b and c
  // a late duplicate of site-a's withdrawal (site-b has the host at site-c by now)
  m.ev(B, { kind: 'remote-withdraw', ip: H, from: A });
  assert.deepEqual(m.where(), { [A]: `${C}#1 pinned|${C}`, [B]: `${C}#1 pinned|${C}`, [C]: `${C}#1 pinned|${C}` },
    'the old site withdrawing a host it no longer has does not delete it at site-b');
  // a replayed seq-0 claim of site-a (a late resend) is stale at b and c
  const staleB = m.site(B).m.counters.stale;
  m.ev(B, { kind: 'remote-update', entry: { ip: H, mac: HMAC, seq: 0, origin: 'arp', flags: 0 }, from: A });
  assert.equal(m.site(B).m.counters.stale, staleB + 1);
  assert.equal(m.site(B).m.hosts.get(H)?.site, C);
  // a higher seq wins wherever the host was on record: site-a claims seq 5 (it verified a move back)
  m.ev(B, { kind: 'remote-update', entry: { ip: H, mac: HMAC, seq: 5, origin: 'arp', flags: 0 }, from: A });
  const rb = m.site(B).m.hosts.get(H);
  assert.deepEqual({ site: rb?.site, seq: rb?.seq, table: m.site(B).table.get(H)?.site }, { site: A, seq: 5, table: A });
});

test('three sites: an equal seq claimed by two other sites is a tie the observer breaks by name (the lower keeps it)', () => {
  const m = new Mesh();
  const b = m.site(B);
  const upd = (from: string, seq: number): void => { m.ev(B, { kind: 'remote-update', entry: { ip: H, mac: HMAC, seq, origin: 'arp', flags: 0 }, from }); };
  upd(C, 3);
  upd(A, 3);
  assert.equal(b.m.hosts.get(H)?.site, A, 'site-a < site-c');
  upd(C, 3);
  assert.equal(b.m.hosts.get(H)?.site, A, 'and stays there whatever the order');
  assert.equal(b.m.counters.ties, 1);
  const m2 = new Mesh();
  m2.ev(B, { kind: 'remote-update', entry: { ip: H, mac: HMAC, seq: 3, origin: 'arp', flags: 0 }, from: A });
  m2.ev(B, { kind: 'remote-update', entry: { ip: H, mac: HMAC, seq: 3, origin: 'arp', flags: 0 }, from: C });
  assert.equal(m2.site(B).m.hosts.get(H)?.site, A, 'same answer in the other order');
});

test('three sites: split brain between B and C (same IP and MAC live at both): detected, both name site-b and site-c; site-a keeps following site-b', () => {
  const m = new Mesh();
  m.site(B).alive.set(H, HMAC);
  m.ev(B, { kind: 'local-seen', ip: H, mac: HMAC, how: 'arp' });
  m.run();
  assert.deepEqual(m.where(), { [A]: `${B}#0|${B}`, [B]: `${B}#0|${B}`, [C]: `${B}#0|${B}` });
  // a clone of the same VM boots at site-c while the original still runs at site-b
  m.site(C).alive.set(H, HMAC);
  m.now += 60_000;
  m.ev(C, { kind: 'local-seen', ip: H, mac: HMAC, how: 'garp' });
  m.run();
  assert.deepEqual(m.site(C).verifies, [{ lan: B, ip: H }]);
  for (const n of [B, C]) {
    assert.deepEqual(m.site(n).conflicts.map((c) => [c.reason, c.sites, c.macs]), [['still-answers', [B, C], { [B]: HMAC, [C]: HMAC }]], n);
    assert.deepEqual(m.site(n).m.hosts.get(H)?.conflict?.quarantined, { site: C, mac: HMAC }, `${n}: the newcomer is cut`);
  }
  assert.deepEqual(m.site(A).conflicts, []);
  assert.equal(m.site(A).m.hosts.get(H)?.site, B);
  const st = mob.mobilityStatus(m.site(C).m);
  assert.deepEqual(st.conflicts.map((c) => c.sites), [[B, C]]);
  // resolve at site-a's operator is refused (no conflict there); at site-c keeping site-c: every site follows c
  assert.deepEqual(m.ev(A, { kind: 'resolve', ip: H, keep: C }).map((a) => (a as { reason?: string }).reason), ['no-conflict']);
  assert.deepEqual(m.ev(C, { kind: 'resolve', ip: H, keep: A }).map((a) => (a as { reason?: string }).reason), ['bad-site'],
    'only one of the two sites in conflict can be kept');
  assert.deepEqual(m.ev(C, { kind: 'resolve', ip: H, keep: 'tenant' }).filter((a) => a.kind === 'resolved').map((a) => (a as { keep: string }).keep), [B],
    'the role names the tenant one of the two');
  m.site(C).alive.delete(H);
  m.run();
  for (const n of [A, B, C]) assert.equal(m.site(n).m.hosts.get(H)?.site, B, n);
  for (const n of [B, C]) assert.equal(m.site(n).m.hosts.get(H)?.conflict, null, `${n}: resolved`);
});

test('three sites: split brain B vs C with two MACs (ip-two-macs) from the sync: both name the two sites', () => {
  const m = new Mesh();
  m.ev(B, { kind: 'local-seen', ip: H, mac: HMAC, how: 'arp' });
  m.ev(C, { kind: 'local-seen', ip: H, mac: OTHER, how: 'arp' });
  m.run();
  assert.deepEqual(m.site(B).conflicts.map((c) => [c.reason, c.sites]), [['ip-two-macs', [B, C]]]);
  assert.deepEqual(m.site(C).conflicts.map((c) => [c.reason, c.sites]), [['ip-two-macs', [C, B]]]);
  // site-a sees two claims at seq 0 with different MACs: the first stands, the other is stale
  assert.equal(m.site(A).m.hosts.get(H)?.site, B);
});

test('three sites: lost probes: an unpinned host seen elsewhere moves (unknown = genuine move); a pinned one is a conflict', () => {
  const m = meshWithHostAtA();
  m.loseProbes = true;
  m.ev(B, { kind: 'local-seen', ip: H, mac: HMAC, how: 'arp' });
  m.run();
  assert.deepEqual(m.site(B).verifies, [{ lan: A, ip: H }]);
  assert.deepEqual(m.where(), { [A]: `${B}#1|${B}`, [B]: `${B}#1|${B}`, [C]: `${B}#1|${B}` });
  m.loseProbes = false;
  m.ev(B, { kind: 'failover', ip: H, to: C });
  m.site(B).alive.delete(H);
  m.run();
  assert.deepEqual(m.where(), { [A]: `${C}#2 pinned|${C}`, [B]: `${C}#2 pinned|${C}`, [C]: `${C}#2 pinned|${C}` });
  m.loseProbes = true;
  m.ev(A, { kind: 'local-seen', ip: H, mac: HMAC, how: 'arp' });
  m.run();
  assert.deepEqual(m.site(A).conflicts.map((c) => [c.reason, c.sites]), [['pinned', [C, A]]], 'pinned at site-c: no silent move to a');
  assert.deepEqual(m.site(C).conflicts.map((c) => [c.reason, c.sites]), [['pinned', [C, A]]]);
});

test('two-site alias: events without `from` come from the other role; a site name must be valid', () => {
  const t = mob.initialMobility({ localSite: 'tenant' });
  const r = mob.step(t, { kind: 'remote-update', entry: { ip: H, mac: HMAC, seq: 0, origin: 'arp', flags: 0 } }, 0);
  assert.equal(r.actions.find((a) => a.kind === 'neigh-set')?.kind, 'neigh-set');
  assert.equal(t.hosts.get(H)?.site, 'provider');
  const named = mob.initialMobility({ localSite: 'dc1' });
  mob.step(named, { kind: 'remote-update', entry: { ip: H, mac: HMAC, seq: 0, origin: 'arp', flags: 0 } }, 0);
  assert.equal(named.hosts.size, 0, 'a named site needs the peer named');
  assert.equal(named.counters.noSite, 1);
  assert.equal(mob.setSite(named, 'dc1', 'tenant'), false, 'not our own name');
  assert.equal(mob.setSite(named, 'Bad Name', 'tenant'), false);
  assert.equal(mob.setSite(named, 'dc2', 'tenant'), true);
});
