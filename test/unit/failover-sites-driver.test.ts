// The failover driver (src/daemon/failover.ts) with three named sites in a full mesh, against a fake
// data plane, messages carried through the real codecs: dc-a and dc-b (tenant), prov (provider).
// Updates wait for a peer's site name (fo-site n); a failover --to issued at a third site moves the
// host at every site and re-points every data plane; a split brain between dc-b and prov is logged
// and shown naming both sites. The hub layout (prov the hub, dc-a and dc-b paired with it alone):
// prov passes on the records of the other sites (site name + seq, split horizon), handovers, probes
// and conflict reports, so failover, failback, verify on move and a split brain between the two
// spokes work through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodePeerMessage, encodePeerMessage } from '../../src/control/peer-channel-messages';
import { decodeFailoverObject, type FailoverMessage } from '../../src/control/failover-messages';
import type { NeighborMessage } from '../../src/control/neighbor-messages';
import { defaultFailoverConfig, formatFailoverConfig, parseFailoverConfig, siteNameOf } from '../../src/config/failover-config';
import type { FailoverEvent, FailoverOptions, NeighborEntry, NeighborResult, NeighborSet, FailoverStats, MacEntry } from '../../src/dataplane/types';
import { FailoverDriver } from '../../src/daemon/failover';
import { failoverHandlers } from '../../src/daemon/failover-ctlsock';
import { ProbeWaiters } from '../../src/daemon/failover-probes';

const H = '198.19.10.11', HMAC = '02:00:00:00:10:11';
const tick = (ms = 2) => new Promise((r) => setTimeout(r, ms));
const NAMES = ['dc-a', 'dc-b', 'prov'] as const;
type Name = typeof NAMES[number];

class Dp {
  table = new Map<string, NeighborEntry>();
  quarantined = new Set<string>();
  announced: string[] = [];
  lan = new Map<string, string>();
  driver!: FailoverDriver;
  route: (peerId: number, data: Buffer) => void = () => undefined;
  sendControl(id: number, data: Uint8Array): boolean { const c = Buffer.from(data); setImmediate(() => this.route(id, c)); return true; }
  setFailoverOptions(_o: FailoverOptions): void { /* not needed */ }
  setNeighbor(ip: string, e: NeighborSet): NeighborResult {
    const old = this.table.get(ip);
    if (old && e.seq < old.seq) return 'stale';
    this.table.set(ip, { ip, mac: e.mac, peer: e.peer, seq: e.seq, origin: e.origin ?? 'peer', router: false, frozen: e.frozen ?? false, ageMs: 0 });
    return 'updated';
  }
  deleteNeighbor(ip: string): boolean { return this.table.delete(ip); }
  neighbors(): NeighborEntry[] { return [...this.table.values()]; }
  setQuarantine(mac: string, on: boolean): void { if (on) this.quarantined.add(mac); else this.quarantined.delete(mac); }
  announce(ip: string): boolean { this.announced.push(ip); return true; }
  probe(ip: string): boolean {
    const mac = this.lan.get(ip);
    if (mac) setImmediate(() => this.driver.onEvent({ type: 'probe-answer', ip, mac }, Date.now()));
    return true;
  }
  failoverStats(): FailoverStats { return null as unknown as FailoverStats; }
  macTable(): MacEntry[] { return []; }
}

interface Node { name: Name; dp: Dp; drv: FailoverDriver; errors: Array<Record<string, unknown> & { msg: string }>; peerIds: Record<string, number>; others: Name[] }

/** Peer ids at each node: the sites it is paired with get ids 1, 2 in NAMES order. mesh: every
 *  pair; hub: dc-a and dc-b are paired with prov alone, which relays (config topology hub). */
function layout(kind: 'mesh' | 'hub', opt: { relay?: boolean; relayAll?: boolean } = {}): Record<Name, Node> {
  const nodes = {} as Record<Name, Node>;
  for (const name of NAMES) {
    const dp = new Dp();
    const errors: Node['errors'] = [];
    const others = NAMES.filter((n) => n !== name && (kind === 'mesh' || n === 'prov' || name === 'prov'));
    const peerIds = Object.fromEntries(others.map((n, i) => [n, i + 1]));
    const log = { error: (o: object, msg: string) => { errors.push({ ...o, msg }); }, info: () => undefined, warn: () => undefined, debug: () => undefined };
    const drv = new FailoverDriver({
      dp, log, cfg: { ...defaultFailoverConfig(name === 'prov' ? 'provider' : 'tenant'), enabled: true, siteName: name },
      peerName: (id) => others[id - 1] ?? `peer ${id}`, randomEpoch: () => 1000 + NAMES.indexOf(name),
      probes: new ProbeWaiters({ localWaitMs: 60, repeatMs: 20, remoteWaitMs: 400 }),
      relay: opt.relayAll === true || (kind === 'hub' && name === 'prov' && opt.relay !== false),
    });
    dp.driver = drv;
    nodes[name] = { name, dp, drv, errors, peerIds, others };
  }
  for (const n of Object.values(nodes)) {
    n.dp.route = (id, data) => {
      const to = nodes[n.others[id - 1]];
      const m = decodePeerMessage(data);
      assert.ok(m, `undecodable: ${data.toString()}`);
      to.drv.onPeerMessage(to.peerIds[n.name], m as NeighborMessage | FailoverMessage, Date.now());
    };
  }
  return nodes;
}

const mesh = (): Record<Name, Node> => layout('mesh');

const statsOf = (n: Node) => ({ peers: n.others.map((_, i) => ({ id: i + 1, currentKey: { localIndex: 1, ageMs: 0, sendCounter: 0 }, endpoint: { address: '198.18.3.2', port: 1 } })) });

async function settle(ns: Record<Name, Node>, rounds = 80): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await tick();
    for (const n of Object.values(ns)) n.drv.tick(statsOf(n) as never, Date.now());
  }
}

const seen = (n: Node, ip: string, mac: string, how: 'arp' | 'garp' = 'arp'): void =>
  n.drv.onEvent({ type: 'neigh', ip, mac, how, router: false, result: 'new', seq: 0 } as FailoverEvent, Date.now());

test('fo-site carries the site name (strict); the two-site form still decodes', () => {
  assert.deepEqual(decodeFailoverObject({ t: 'fo-site', s: 'tenant' }), { t: 'fo-site', s: 'tenant' });
  assert.deepEqual(decodeFailoverObject({ t: 'fo-site', s: 'tenant', n: 'dc-2' }), { t: 'fo-site', s: 'tenant', n: 'dc-2' });
  for (const bad of [{ t: 'fo-site', s: 'tenant', n: '' }, { t: 'fo-site', s: 'tenant', n: 'Dc 2' }, { t: 'fo-site', s: 'tenant', n: 'local' },
    { t: 'fo-site', s: 'tenant', n: 'x'.repeat(33) }, { t: 'fo-site', s: 'tenant', n: 5 }, { t: 'fo-site', s: 'hub', n: 'dc-2' },
    { t: 'fo-site', s: 'tenant', n: 'dc-2', x: 1 }]) {
    assert.equal(decodeFailoverObject(bad as Record<string, unknown>), null, JSON.stringify(bad));
  }
  assert.ok(encodePeerMessage({ t: 'fo-site', s: 'provider', n: 'prov' }).length < 64);
});

test('a named site holds a peer\'s updates until its fo-site names it, then follows', async () => {
  const ns = mesh();
  const c = ns.prov;
  // an update from dc-a before any fo-site: not applied, not acknowledged, our fo-site goes out
  c.drv.onPeerMessage(1, { t: 'nb-up', e: 7, n: 1, f: 3, u: [{ ip: H, mac: HMAC, seq: 0, origin: 'arp', flags: 0 }], w: [] }, Date.now());
  assert.equal(c.drv.status().counters.syncWaitingSite, 1);
  assert.equal(c.dp.table.size, 0);
  c.drv.onPeerMessage(1, { t: 'fo-site', s: 'tenant', n: 'dc-a' }, Date.now());
  c.drv.onPeerMessage(1, { t: 'nb-up', e: 7, n: 1, f: 3, u: [{ ip: H, mac: HMAC, seq: 0, origin: 'arp', flags: 0 }], w: [] }, Date.now());
  assert.deepEqual([c.dp.table.get(H)?.peer, c.drv.recordOf(H)?.site], [1, 'dc-a']);
});

test('three drivers: failover --to prov issued at dc-b moves a host of dc-a everywhere; failback --to dc-a issued at prov', async () => {
  const ns = mesh();
  await settle(ns);
  for (const n of Object.values(ns)) {
    assert.deepEqual(n.drv.status().peers.map((p) => [p.peerSite, p.up, p.siteMismatch]).sort(),
      NAMES.filter((x) => x !== n.name).map((x) => [x, true, false]), n.name);
  }
  ns['dc-a'].dp.lan.set(H, HMAC);
  seen(ns['dc-a'], H, HMAC);
  await settle(ns);
  for (const n of Object.values(ns)) assert.equal(n.drv.recordOf(H)?.site, 'dc-a', n.name);
  assert.equal(ns['dc-b'].dp.table.get(H)?.peer, ns['dc-b'].peerIds['dc-a']);
  // the original still answers at dc-a: the probe goes there, and the move is refused
  const alive = await ns['dc-b'].drv.move('failover', H, { to: 'prov' }, Date.now);
  assert.deepEqual([alive.ok, alive.items[0].reason, alive.items[0].probe?.lan, alive.items[0].probe?.mac], [false, 'still-answers', 'dc-a', HMAC]);
  ns['dc-a'].dp.lan.delete(H); // the original is stopped
  const r = await ns['dc-b'].drv.move('failover', H, { to: 'prov' }, Date.now);
  assert.deepEqual([r.ok, r.items[0].outcome, r.items[0].from, r.items[0].to, r.items[0].probe?.lan, r.items[0].probe?.result],
    [true, 'moved', 'dc-a', 'prov', 'dc-a', 'silent'], JSON.stringify(r));
  await settle(ns);
  const seqs = new Set<number>();
  for (const n of Object.values(ns)) {
    const rec = n.drv.recordOf(H);
    assert.deepEqual([rec?.site, rec?.pinned], ['prov', true], n.name);
    seqs.add(rec!.seq);
    assert.equal(n.dp.table.get(H)?.peer, n.name === 'prov' ? 0 : n.peerIds.prov, `${n.name}: data plane points at prov`);
  }
  assert.deepEqual([...seqs], [1], 'one seq everywhere, bumped by the move');
  assert.deepEqual(ns['dc-a'].dp.announced, [H], 'the site the host left announces it');
  // ctlsock neighbors at dc-b: the site name and seq
  const h = failoverHandlers({ dp: ns['dc-b'].dp, driver: ns['dc-b'].drv, peerName: (id) => `p${id}`, now: Date.now });
  const nb = await h.neighbors({}) as { site: string; role: string; entries: Array<{ ip: string; site: string; seq: number }> };
  assert.deepEqual([nb.site, nb.role, nb.entries.find((e) => e.ip === H)?.site, nb.entries.find((e) => e.ip === H)?.seq], ['dc-b', 'tenant', 'prov', 1]);
  await assert.rejects(async () => h.failover({ host: H, to: 'both' }), /"to" must be tenant or provider or a site name/);
  // failback without --to: two tenant sites -> refused, name it
  const amb = await ns.prov.drv.move('failback', H, {}, Date.now);
  assert.equal(amb.items[0].reason, 'need-site');
  ns.prov.dp.lan.delete(H);
  const back = await ns.prov.drv.move('failback', H, { to: 'dc-a', force: true }, Date.now);
  assert.equal(back.items[0].outcome, 'moved');
  await settle(ns);
  for (const n of Object.values(ns)) assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.recordOf(H)?.seq], ['dc-a', 2], n.name);
  for (const n of Object.values(ns)) assert.deepEqual(n.errors, [], `${n.name}: no conflict`);
});

test('three drivers: split brain between dc-b and prov: one error line each naming both sites; dc-a uninvolved', async () => {
  const ns = mesh();
  await settle(ns);
  ns['dc-b'].dp.lan.set(H, HMAC);
  seen(ns['dc-b'], H, HMAC);
  await settle(ns);
  ns.prov.dp.lan.set(H, HMAC); // a clone at the provider, the original still answers at dc-b
  seen(ns.prov, H, HMAC, 'garp');
  await settle(ns, 150);
  for (const n of [ns['dc-b'], ns.prov]) {
    assert.equal(n.errors.length, 1, `${n.name}: ${JSON.stringify(n.errors)}`);
    const e = n.errors[0];
    assert.deepEqual([e.reason, e.sites, e.siteOnRecord, e.siteSeen], ['still-answers', ['dc-b', 'prov'], 'dc-b', 'prov']);
    assert.match(e.msg, /between sites dc-b and prov/);
    const st = n.drv.status();
    assert.deepEqual(st.conflicts.map((c) => [c.ip, c.sites, c.peer]), [[H, ['dc-b', 'prov'], n.name === 'prov' ? 'dc-b' : 'prov']]);
  }
  assert.deepEqual(ns['dc-a'].errors, []);
  assert.equal(ns['dc-a'].drv.recordOf(H)?.site, 'dc-b');
  // resolve at prov keeping dc-b: every site has it at dc-b, conflicts cleared
  ns.prov.dp.lan.delete(H);
  const r = ns.prov.drv.resolve(H, 'dc-b', Date.now());
  assert.equal(r.items[0].outcome, 'resolved');
  await settle(ns);
  for (const n of Object.values(ns)) assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.conflictOf(H)], ['dc-b', null], n.name);
});

test('config: failover.siteName is optional (two-site configs unchanged), validated, kept by the canonical form', () => {
  const fail = (path: string, problem: string, value?: unknown): never => { throw new Error(`${path}: ${problem}: ${JSON.stringify(value)}`); };
  const two = parseFailoverConfig({ enabled: true, site: 'tenant' }, fail);
  assert.equal('siteName' in two, false);
  assert.equal(siteNameOf(two), 'tenant');
  assert.equal('siteName' in formatFailoverConfig(two), false, 'nothing new written for two sites');
  const named = parseFailoverConfig({ enabled: true, site: 'tenant', siteName: 'dc-2' }, fail);
  assert.equal(siteNameOf(named), 'dc-2');
  assert.equal(formatFailoverConfig(named).siteName, 'dc-2');
  for (const bad of ['', 'DC2', 'dc 2', '-dc', 'local', 'both', 'x'.repeat(33), 7]) {
    assert.throws(() => parseFailoverConfig({ enabled: true, site: 'tenant', siteName: bad }, fail), /failover\.siteName: expected a site name/, String(bad));
  }
});

test('hub layout: prov passes dc-a\'s record on to dc-b (site + seq, no echo); failover at dc-b probes dc-a through the hub; failback at dc-b hands over through it', async () => {
  const ns = layout('hub');
  await settle(ns);
  assert.deepEqual(ns['dc-b'].drv.status().peers.map((p) => [p.peerSite, p.up]), [['prov', true]]);
  ns['dc-a'].dp.lan.set(H, HMAC);
  seen(ns['dc-a'], H, HMAC);
  await settle(ns);
  for (const n of Object.values(ns)) assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.recordOf(H)?.seq], ['dc-a', 0], n.name);
  assert.equal(ns['dc-b'].drv.recordOf(H)?.via, 'prov', 'dc-b reaches dc-a through the hub');
  assert.equal(ns['dc-b'].dp.table.get(H)?.peer, ns['dc-b'].peerIds.prov, 'dc-b\'s data plane points at the hub');
  const h = failoverHandlers({ dp: ns['dc-b'].dp, driver: ns['dc-b'].drv, peerName: (id) => `p${id}`, now: Date.now });
  const nb = (await h.neighbors({}) as { entries: Array<{ ip: string; site: string; peer: string | null }> }).entries.find((e) => e.ip === H);
  assert.deepEqual([nb?.site, nb?.peer], ['dc-a', 'p1'], 'neighbors: the site on record, reached through the hub');
  // split horizon: the hub shares nothing with dc-a (its own host), one record with dc-b
  assert.deepEqual(ns.prov.drv.status().peers.map((p) => [p.peerSite, p.sharing]), [['dc-a', 0], ['dc-b', 1]]);
  assert.equal(ns['dc-a'].drv.status().counters.stale, 0, 'no echo');
  // failover --to prov issued at dc-b: the probe of dc-a's LAN goes through the hub
  const alive = await ns['dc-b'].drv.move('failover', H, { to: 'prov' }, Date.now);
  assert.deepEqual([alive.ok, alive.items[0].reason, alive.items[0].probe?.lan, alive.items[0].probe?.mac], [false, 'still-answers', 'dc-a', HMAC]);
  assert.ok(ns.prov.drv.status().counters.probesPassedOn >= 1);
  ns['dc-a'].dp.lan.delete(H);
  const r = await ns['dc-b'].drv.move('failover', H, { to: 'prov' }, Date.now);
  assert.deepEqual([r.ok, r.items[0].from, r.items[0].to, r.items[0].probe?.result], [true, 'dc-a', 'prov', 'silent'], JSON.stringify(r));
  await settle(ns);
  for (const n of Object.values(ns)) {
    assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.recordOf(H)?.seq, n.drv.recordOf(H)?.pinned], ['prov', 1, true], n.name);
    assert.equal(n.dp.table.get(H)?.peer, n.name === 'prov' ? 0 : n.peerIds.prov, n.name);
  }
  assert.deepEqual(ns['dc-a'].dp.announced, [H]);
  // failback --to dc-a issued at dc-b: dc-a is not its peer; the handover goes through the hub
  const back = await ns['dc-b'].drv.move('failback', H, { to: 'dc-a' }, Date.now);
  assert.deepEqual([back.ok, back.items[0].outcome, back.items[0].to], [true, 'moved', 'dc-a'], JSON.stringify(back));
  await settle(ns);
  for (const n of Object.values(ns)) {
    const rec = n.drv.recordOf(H);
    assert.deepEqual([rec?.site, rec?.seq, rec?.pinned, rec?.handover], ['dc-a', 2, true, false], n.name);
    assert.equal(n.dp.table.get(H)?.peer, n.name === 'dc-a' ? 0 : n.name === 'prov' ? n.peerIds['dc-a'] : n.peerIds.prov, n.name);
  }
  assert.deepEqual(ns.prov.drv.status().peers.map((p) => [p.peerSite, p.sharing]), [['dc-a', 0], ['dc-b', 1]], 'the relayed handover withdrawn');
  // failover --to prov issued at dc-a, failback issued at prov: the record at dc-b follows
  ns['dc-a'].dp.lan.delete(H);
  assert.equal((await ns['dc-a'].drv.move('failover', H, { to: 'prov' }, Date.now)).items[0].outcome, 'moved');
  await settle(ns);
  assert.deepEqual([ns['dc-b'].drv.recordOf(H)?.site, ns['dc-b'].drv.recordOf(H)?.seq], ['prov', 3]);
  assert.equal((await ns.prov.drv.move('failback', H, { to: 'dc-a' }, Date.now)).items[0].outcome, 'moved');
  await settle(ns);
  for (const n of Object.values(ns)) assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.recordOf(H)?.seq], ['dc-a', 4], n.name);
  // the host leaves dc-a: withdrawn at the hub, and by the hub at dc-b
  ns['dc-a'].drv.onEvent({ type: 'neigh-gone', ip: H } as FailoverEvent, Date.now());
  await settle(ns);
  for (const n of Object.values(ns)) assert.equal(n.drv.recordOf(H), null, n.name);
  assert.equal(ns['dc-b'].dp.table.has(H), false);
  for (const n of Object.values(ns)) assert.deepEqual(n.errors, [], `${n.name}: no conflict`);
});

test('hub layout: split brain between the spokes dc-a and dc-b: verified through the hub, reported at all three naming both sites; resolve at dc-b', async () => {
  const ns = layout('hub');
  await settle(ns);
  ns['dc-a'].dp.lan.set(H, HMAC);
  seen(ns['dc-a'], H, HMAC);
  await settle(ns);
  ns['dc-b'].dp.lan.set(H, HMAC); // a clone at dc-b, the original still answers at dc-a
  seen(ns['dc-b'], H, HMAC, 'garp');
  await settle(ns, 150);
  for (const n of Object.values(ns)) {
    assert.equal(n.errors.length, 1, `${n.name}: ${JSON.stringify(n.errors)}`);
    const e = n.errors[0];
    assert.deepEqual([e.reason, e.sites], ['still-answers', ['dc-a', 'dc-b']], n.name);
    assert.match(e.msg, /between sites dc-a and dc-b/);
    assert.deepEqual(n.drv.status().conflicts.map((c) => [c.ip, c.sites]), [[H, ['dc-a', 'dc-b']]], n.name);
  }
  assert.ok(ns['dc-b'].dp.quarantined.has(HMAC), 'the newcomer at dc-b is cut off the tunnel at dc-b');
  assert.equal(ns.prov.drv.status().counters.conflictsPassedOn, 1);
  ns['dc-b'].dp.lan.delete(H);
  assert.equal(ns['dc-b'].drv.resolve(H, 'dc-a', Date.now()).items[0].outcome, 'resolved');
  await settle(ns);
  for (const n of Object.values(ns)) assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.conflictOf(H)], ['dc-a', null], n.name);
  assert.equal(ns['dc-b'].dp.quarantined.size, 0);
});

test('hub layout: split brain between the spokes, resolved at the site on record (dc-a keeps it): the resolve travels through the hub', async () => {
  const ns = layout('hub');
  await settle(ns);
  ns['dc-a'].dp.lan.set(H, HMAC);
  seen(ns['dc-a'], H, HMAC);
  await settle(ns);
  ns['dc-b'].dp.lan.set(H, HMAC);
  seen(ns['dc-b'], H, HMAC, 'garp');
  await settle(ns, 150);
  for (const n of Object.values(ns)) assert.equal(n.drv.status().conflicts.length, 1, n.name);
  ns['dc-b'].dp.lan.delete(H);
  assert.equal(ns['dc-a'].drv.resolve(H, 'dc-a', Date.now()).items[0].outcome, 'resolved');
  await settle(ns);
  for (const n of Object.values(ns)) assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.conflictOf(H)], ['dc-a', null], n.name);
  assert.equal(ns['dc-b'].dp.quarantined.size, 0);
});

test('hub layout without the hub passing records on (topology mesh at prov): dc-b never learns dc-a\'s host; a reload to hub and back', async () => {
  const ns = layout('hub', { relay: false });
  await settle(ns);
  seen(ns['dc-a'], H, HMAC);
  await settle(ns);
  assert.equal(ns.prov.drv.recordOf(H)?.site, 'dc-a');
  assert.equal(ns['dc-b'].drv.recordOf(H), null);
  // reload to topology hub: prov passes what it has on; back to mesh: it withdraws it
  ns.prov.drv.setRelay(true, Date.now());
  await settle(ns);
  assert.deepEqual([ns['dc-b'].drv.recordOf(H)?.site, ns['dc-b'].drv.recordOf(H)?.via], ['dc-a', 'prov']);
  assert.equal(ns['dc-a'].drv.status().counters.stale, 0, 'no echo');
  ns.prov.drv.setRelay(false, Date.now());
  await settle(ns);
  assert.equal(ns['dc-b'].drv.recordOf(H), null);
  assert.equal(ns.prov.drv.recordOf(H)?.site, 'dc-a');
});

test('a mesh where every site passes records on: no loop, no echo (the updates stop), moves still converge', async () => {
  const ns = layout('mesh', { relayAll: true });
  await settle(ns);
  seen(ns['dc-a'], H, HMAC);
  await settle(ns);
  const sent = () => Object.values(ns).map((n) => n.drv.status().counters.syncUpdatesSent);
  const before = sent();
  await settle(ns, 40);
  assert.deepEqual(sent(), before, 'quiet once converged');
  ns['dc-a'].dp.lan.delete(H);
  assert.equal((await ns['dc-b'].drv.move('failover', H, { to: 'prov' }, Date.now)).items[0].outcome, 'moved');
  await settle(ns);
  for (const n of Object.values(ns)) assert.deepEqual([n.drv.recordOf(H)?.site, n.drv.recordOf(H)?.seq], ['prov', 1], n.name);
  const after = sent();
  await settle(ns, 40);
  assert.deepEqual(sent(), after, 'quiet once converged');
  for (const n of Object.values(ns)) assert.deepEqual(n.errors, [], n.name);
});

test('codecs: an entry may carry a site name (6th element, strict); updates with site names are packed under the size limit', async () => {
  const { decodeNeighborObject, encodeNeighborMessage, MAX_NEIGHBOR_MESSAGE } = await import('../../src/control/neighbor-messages');
  const nsync = await import('../../src/control/neighbor-sync');
  const ok = decodeNeighborObject({ t: 'nb-up', e: 1, n: 1, f: 0, u: [[H, HMAC, 3, 'a', 0, 'dc-a']], w: [] });
  assert.deepEqual(ok?.t === 'nb-up' && ok.u[0], { ip: H, mac: HMAC, seq: 3, origin: 'arp', flags: 0, site: 'dc-a' });
  for (const bad of ['', 'DC-A', 'local', 'x'.repeat(33), 5, null]) {
    assert.equal(decodeNeighborObject({ t: 'nb-up', e: 1, n: 1, f: 0, u: [[H, HMAC, 3, 'a', 0, bad]], w: [] }), null, String(bad));
  }
  assert.equal(decodeNeighborObject({ t: 'nb-up', e: 1, n: 1, f: 0, u: [[H, HMAC, 3, 'a', 0, 'dc-a', 1]], w: [] }), null);
  // 30 worst-case IPv6 entries passed on with 32-character site names: every message fits
  const s = nsync.initialNeighborSync();
  for (let i = 0; i < 30; i++) {
    nsync.step(s, { kind: 'local-upsert', entry: { ip: `fd00:ffff:ffff:ffff:ffff:ffff:ffff:${(0xff00 + i).toString(16)}`, mac: '02:ff:ff:ff:ff:ff',
      seq: 0xffffffff, origin: 'arp', flags: 15 & ~2, site: 'x'.repeat(32) } }, 0);
  }
  const r = nsync.step(s, { kind: 'session-up', epoch: 0xffffffff }, 0);
  const msgs = r.actions.filter((a) => a.kind === 'send').map((a) => (a as { msg: NeighborMessage }).msg);
  let entries = 0;
  for (const m of msgs) {
    assert.ok(encodeNeighborMessage(m).length <= MAX_NEIGHBOR_MESSAGE);
    if (m.t === 'nb-up') entries += m.u.length;
  }
  assert.ok(msgs.length >= 3);
  assert.ok(entries > 0);
});
