// The daemon's failover driver (src/daemon/failover.ts) against a fake data plane, two drivers
// wired back to back through the real control-message codecs (tenant appliance A, provider B):
// learning and sharing, failover / failback with the probe (silent, alive, --check, --force, a
// probe on the peer's LAN), HOST given as a MAC, a VM booting at the other site, a conflict with
// quarantine and resolve, site mismatch, bad peer-channel messages, and the ctlsock methods.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodePeerMessage, encodePeerMessage } from '../../src/control/peer-channel-messages';
import type { FailoverMessage } from '../../src/control/failover-messages';
import type { NeighborMessage } from '../../src/control/neighbor-messages';
import { defaultFailoverConfig, type FailoverConfig } from '../../src/config/failover-config';
import type { FailoverEvent, FailoverOptions, NeighborEntry, NeighborResult, NeighborSet, FailoverStats, MacEntry } from '../../src/dataplane/types';
import { FailoverDriver, dataPlaneSupportsFailover, type FailoverLog } from '../../src/daemon/failover';
import { failoverHandlers } from '../../src/daemon/failover-ctlsock';
import { ProbeWaiters } from '../../src/daemon/failover-probes';

const T1 = '198.19.10.11', T1MAC = '02:00:00:00:10:11', T1V6 = 'fe80::ff:fe00:1011';
const OTHER = '02:00:00:00:99:99';
const quiet = { error: () => undefined, info: () => undefined, warn: () => undefined, debug: () => undefined };
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** A LAN: which IPs answer probes, with which MAC. */
type Lan = Map<string, string>;

class FakeDp {
  table = new Map<string, NeighborEntry>();
  quarantined = new Set<string>();
  announced: Array<{ ip: string; mac: string }> = [];
  probes: string[] = [];
  options: FailoverOptions | null = null;
  sent = 0;
  driver!: FailoverDriver;
  deliver: (data: Buffer) => void = () => undefined;
  constructor(readonly lan: Lan) {}
  sendControl(_id: number, data: Uint8Array): boolean {
    this.sent++;
    const copy = Buffer.from(data);
    setImmediate(() => this.deliver(copy));
    return true;
  }
  setFailoverOptions(o: FailoverOptions): void { this.options = o; }
  setNeighbor(ip: string, e: NeighborSet): NeighborResult {
    const old = this.table.get(ip);
    if (old && e.seq < old.seq) return 'stale'; // like bh_neigh_apply
    this.table.set(ip, { ip, mac: e.mac, peer: e.peer, seq: e.seq, origin: e.origin ?? 'peer', router: e.router ?? false,
      frozen: e.frozen ?? false, ageMs: 0 });
    return 'updated';
  }
  deleteNeighbor(ip: string): boolean { return this.table.delete(ip); }
  neighbors(): NeighborEntry[] { return [...this.table.values()]; }
  setQuarantine(mac: string, on: boolean): void { if (on) this.quarantined.add(mac); else this.quarantined.delete(mac); }
  announce(ip: string, mac: string): boolean { this.announced.push({ ip, mac }); return true; }
  probe(ip: string): boolean {
    this.probes.push(ip);
    const mac = this.lan.get(ip);
    if (mac) setImmediate(() => this.driver.onEvent({ type: 'probe-answer', ip, mac }, Date.now()));
    return true;
  }
  failoverStats(): FailoverStats {
    const z = { passed: 0, dropped: 0 };
    const dir = { broadcast: z, multicast: z, unknownUnicast: z };
    return { neighTable: { size: this.table.size, capacity: 4096, learned: 0, moved: 0, macChanged: 0, stale: 0, conflicts: 0,
      full: 0, aged: 0, ignored: 0, removed: 0 }, storm: { toTunnel: dir, fromTunnel: dir }, arpProxied: 0, ndProxied: 0,
      quarantinedMacs: this.quarantined.size };
  }
  macTable(): MacEntry[] { return [{ mac: T1MAC, peer: 0, ageMs: 10 }, { mac: '02:00:00:00:10:21', peer: 1, ageMs: 20 }]; }
}

interface Side { dp: FakeDp; drv: FailoverDriver; lan: Lan }

function side(site: 'tenant' | 'provider', cfg: Partial<FailoverConfig> = {}, log: FailoverLog = quiet): Side {
  const lan: Lan = new Map();
  const dp = new FakeDp(lan);
  const drv = new FailoverDriver({
    dp, cfg: { ...defaultFailoverConfig(site), enabled: true, ...cfg }, log, peerName: () => 'peer',
    randomEpoch: () => (site === 'tenant' ? 1000 : 2000),
    probes: new ProbeWaiters({ localWaitMs: 60, repeatMs: 20, remoteWaitMs: 400 }),
  });
  dp.driver = drv;
  return { dp, drv, lan };
}

const STATS = { peers: [{ id: 1, currentKey: { localIndex: 1, ageMs: 0, sendCounter: 0 }, endpoint: { address: '198.18.3.2', port: 1 } }] } as const;

/** Tenant A and provider B with an up session, messages carried through encode/decode. */
async function pair(cfg: Partial<FailoverConfig> = {}, early?: (a: Side) => void, log: FailoverLog = quiet): Promise<{ a: Side; b: Side }> {
  const a = side('tenant', cfg, log), b = side('provider', cfg, log);
  early?.(a);
  const wire = (from: Side, to: Side) => {
    from.dp.deliver = (data) => {
      const m = decodePeerMessage(data);
      assert.ok(m, `undecodable: ${data.toString()}`);
      to.drv.onPeerMessage(1, m as NeighborMessage | FailoverMessage, Date.now());
    };
  };
  wire(a, b);
  wire(b, a);
  a.drv.tick(STATS as never, Date.now());
  b.drv.tick(STATS as never, Date.now());
  await settle(a, b);
  return { a, b };
}

async function settle(a: Side, b: Side): Promise<void> {
  for (let i = 0; i < 60; i++) { // long enough for a verification (remote probe, 60 ms local wait)
    await tick(2);
    a.drv.tick(STATS as never, Date.now());
    b.drv.tick(STATS as never, Date.now());
  }
}

const seen = (s: Side, ip: string, mac: string, how: 'arp' | 'garp' | 'nd' | 'traffic' = 'arp'): void =>
  s.drv.onEvent({ type: 'neigh', ip, mac, how, router: false, result: 'new', seq: 0 } as FailoverEvent, Date.now());

test('learning: a host seen at the tenant is shared; the provider points it at the peer', async () => {
  const { a, b } = await pair();
  assert.ok(a.dp.options, 'options applied at start');
  seen(a, T1, T1MAC);
  await settle(a, b);
  assert.equal(a.dp.table.get(T1)?.peer, 0);
  assert.equal(a.dp.table.get(T1)?.origin, 'arp');
  assert.deepEqual({ mac: b.dp.table.get(T1)?.mac, peer: b.dp.table.get(T1)?.peer, origin: b.dp.table.get(T1)?.origin },
    { mac: T1MAC, peer: 1, origin: 'peer' });
  const st = b.drv.status();
  assert.equal(st.site, 'provider');
  assert.equal(st.peers[0].up, true);
  assert.equal(st.peers[0].peerSite, 'tenant');
  assert.equal(st.peers[0].siteMismatch, false);
});

test('failover from the tenant (original silent) then failback from the provider: tables and announcements', async () => {
  const { a, b } = await pair();
  seen(a, T1, T1MAC);
  await settle(a, b);
  const r = await a.drv.move('failover', T1, {}, Date.now);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.items[0].outcome, 'moved');
  assert.deepEqual([r.items[0].from, r.items[0].to], ['tenant', 'provider']);
  assert.deepEqual(r.items[0].probe, { lan: 'tenant', result: 'silent' });
  assert.deepEqual(a.dp.probes, [T1, T1], 'probed on the tenant LAN (repeated)');
  assert.deepEqual(a.dp.announced, [{ ip: T1, mac: T1MAC }], 'tenant announces on behalf of the host that left');
  await settle(a, b);
  assert.equal(a.dp.table.get(T1)?.peer, 1, 'tenant: host at the peer');
  assert.equal(b.dp.table.get(T1)?.peer, 0, 'provider: host here');
  assert.ok((b.dp.table.get(T1)?.seq ?? 0) >= 1);
  assert.equal(b.dp.announced.length, 0, 'nothing announced on the LAN the host arrives on');
  assert.deepEqual(b.dp.probes, [T1], 'the provider probes the arriving host once (its answer teaches the LAN switches)');

  const back = await b.drv.move('failback', T1, {}, Date.now);
  assert.equal(back.ok, true, JSON.stringify(back));
  assert.equal(back.items[0].probe?.lan, 'provider');
  await settle(a, b);
  assert.equal(a.dp.table.get(T1)?.peer, 0);
  assert.equal(b.dp.table.get(T1)?.peer, 1);
  assert.deepEqual(b.dp.announced, [{ ip: T1, mac: T1MAC }]);
  assert.equal(a.drv.status().counters.failovers, 1);
  assert.equal(b.drv.status().counters.failbacks, 1);
});

test('failover refused while the original answers; --check reports; --force moves', async () => {
  const { a, b } = await pair();
  seen(a, T1, T1MAC);
  await settle(a, b);
  a.lan.set(T1, T1MAC);
  const chk = await a.drv.move('failover', T1, { check: true }, Date.now);
  assert.equal(chk.ok, false);
  assert.equal(chk.items[0].reason, 'still-answers');
  assert.deepEqual(chk.items[0].probe, { lan: 'tenant', result: 'answered', mac: T1MAC });
  const real = await a.drv.move('failover', T1, {}, Date.now);
  assert.equal(real.items[0].reason, 'still-answers');
  assert.equal(a.dp.table.get(T1)?.peer, 0, 'nothing changed');
  a.lan.delete(T1);
  const dry = await a.drv.move('failover', T1, { check: true }, Date.now);
  assert.equal(dry.ok, true);
  assert.equal(dry.items[0].outcome, 'plan');
  assert.equal(a.dp.table.get(T1)?.peer, 0, 'dry run changes nothing');
  a.lan.set(T1, T1MAC);
  const forced = await a.drv.move('failover', T1, { force: true }, Date.now);
  assert.equal(forced.items[0].outcome, 'moved');
  assert.equal(forced.items[0].probe, undefined, '--force skips the probe');
});

test('--check from the tenant for a host at the provider: the provider probes its LAN (fo-probe)', async () => {
  const { a, b } = await pair();
  seen(b, T1, T1MAC); // the host lives at the provider
  await settle(a, b);
  b.lan.set(T1, T1MAC);
  const alive = await a.drv.move('failback', T1, { check: true }, Date.now);
  assert.equal(alive.items[0].reason, 'still-answers', JSON.stringify(alive));
  assert.deepEqual(alive.items[0].probe, { lan: 'provider', result: 'answered', mac: T1MAC });
  assert.ok(b.dp.probes.includes(T1), 'the provider probed');
  b.lan.delete(T1);
  const silent = await a.drv.move('failback', T1, { check: true }, Date.now);
  assert.equal(silent.items[0].outcome, 'plan');
  assert.equal(silent.items[0].probe?.result, 'silent');
  const moved = await a.drv.move('failback', T1, {}, Date.now);
  assert.equal(moved.items[0].outcome, 'moved');
  await settle(a, b);
  assert.equal(a.dp.table.get(T1)?.peer, 0);
  assert.equal(b.dp.table.get(T1)?.peer, 1);
});

test('HOST as a MAC moves every address of the host; unknown hosts are refused', async () => {
  const { a, b } = await pair();
  seen(a, T1, T1MAC);
  seen(a, T1V6, T1MAC, 'nd');
  await settle(a, b);
  const r = await a.drv.move('failover', T1MAC, {}, Date.now);
  assert.deepEqual(r.items.map((i) => [i.ip, i.outcome]), [[T1, 'moved'], [T1V6, 'moved']]);
  const u = await a.drv.move('failover', '198.19.10.99', {}, Date.now);
  assert.deepEqual([u.ok, u.items[0].reason], [false, 'unknown-host']);
  const um = await a.drv.move('failover', '02:00:00:00:77:77', {}, Date.now);
  assert.deepEqual([um.ok, um.items[0].reason], [false, 'unknown-host']);
});

test('a VM that boots at the provider (no command) moves there on both appliances', async () => {
  const { a, b } = await pair();
  seen(a, T1, T1MAC);
  await settle(a, b);
  seen(b, T1, T1MAC, 'garp');
  await settle(a, b);
  assert.equal(b.dp.table.get(T1)?.peer, 0);
  assert.equal(a.dp.table.get(T1)?.peer, 1);
  assert.deepEqual(a.dp.announced, [{ ip: T1, mac: T1MAC }], 'the tenant LAN is told the host left');
});

test('split brain: another MAC answers for the IP at the provider -> conflict, quarantine, status; resolve clears it', async () => {
  const { a, b } = await pair();
  seen(a, T1, T1MAC);
  await settle(a, b);
  seen(b, T1, OTHER, 'arp');
  await settle(a, b);
  const st = b.drv.status();
  assert.equal(st.conflicts.length, 1, JSON.stringify(st));
  assert.equal(st.conflicts[0].reason, 'ip-two-macs');
  assert.deepEqual(st.conflicts[0].quarantined, { site: 'provider', mac: OTHER });
  assert.ok(b.dp.quarantined.has(OTHER), 'the newcomer is cut off the tunnel');
  assert.equal(b.dp.table.get(T1)?.frozen, true);
  assert.ok(st.recent.some((e) => e.kind === 'conflict'));
  const blocked = await b.drv.move('failover', T1, { force: true }, Date.now);
  assert.equal(blocked.items[0].reason, 'in-conflict');
  const res = b.drv.resolve(T1, 'tenant', Date.now());
  assert.equal(res.ok, true, JSON.stringify(res));
  assert.equal(res.items[0].outcome, 'resolved');
  assert.equal(b.dp.quarantined.size, 0, 'released');
  await settle(a, b);
  assert.equal(b.drv.status().conflicts.length, 0);
  assert.equal(a.drv.status().conflicts.length, 0);
  assert.equal(b.dp.table.get(T1)?.peer, 1);
  assert.equal(b.dp.table.get(T1)?.frozen, false);
  assert.deepEqual(b.dp.announced, [{ ip: T1, mac: T1MAC }], 'the provider LAN learns the kept copy again');
  assert.deepEqual(a.dp.announced, [{ ip: T1, mac: T1MAC }], 'the tenant LAN too (caches the other copy overwrote)');
  assert.ok(a.dp.probes.includes(T1), 'and the kept copy is probed where it lives');
  await settle(a, b);
  assert.equal(a.dp.announced.length, 1, 'once per resolve');
  const again = b.drv.resolve(T1, 'tenant', Date.now());
  assert.equal(again.items[0].reason, 'no-conflict');
});

test('both appliances configured as the same site: reported in status', async () => {
  const a = side('tenant'), b = side('tenant');
  a.dp.deliver = (d) => b.drv.onPeerMessage(1, decodePeerMessage(d) as never, Date.now());
  b.dp.deliver = (d) => a.drv.onPeerMessage(1, decodePeerMessage(d) as never, Date.now());
  a.drv.tick(STATS as never, Date.now());
  b.drv.tick(STATS as never, Date.now());
  await settle(a, b);
  assert.equal(a.drv.status().peers[0].siteMismatch, true);
  assert.ok(a.drv.status().recent.some((e) => e.kind === 'site-mismatch'));
});

test('a probe result nobody waits for is counted, not applied', async () => {
  const { a } = await pair();
  a.drv.onPeerMessage(1, { t: 'fo-probe-res', id: 77, ip: T1, a: 1, m: T1MAC }, Date.now());
  assert.equal(a.drv.status().counters.probeResultsUnmatched, 1);
});

test('fo-* codecs: round trip and strict decoding', () => {
  const ok: FailoverMessage[] = [
    { t: 'fo-site', s: 'provider' }, { t: 'fo-probe', id: 1, ip: T1 }, { t: 'fo-probe', id: 0x7fffffff, ip: T1V6 },
    { t: 'fo-probe-res', id: 5, ip: T1, a: 1, m: T1MAC }, { t: 'fo-probe-res', id: 5, ip: T1, a: 0, m: '' },
    { t: 'fo-conflict', ip: T1, m: T1MAC, r: 'pinned', s: 0 }, { t: 'fo-conflict', ip: T1V6, m: T1MAC, r: 'still-answers', s: 0xffffffff },
  ];
  for (const m of ok) assert.deepEqual(decodePeerMessage(encodePeerMessage(m)), m);
  const bad = [
    '{"t":"fo-site","s":"both"}', '{"t":"fo-site"}', '{"t":"fo-site","s":"tenant","x":1}',
    '{"t":"fo-probe","id":0,"ip":"198.19.10.11"}', '{"t":"fo-probe","id":2147483648,"ip":"198.19.10.11"}',
    '{"t":"fo-probe","id":1.5,"ip":"198.19.10.11"}', '{"t":"fo-probe","id":1,"ip":"224.0.0.1"}',
    '{"t":"fo-probe","id":1,"ip":"2001:DB8::1"}', '{"t":"fo-probe","id":1,"ip":"010.1.1.1"}',
    '{"t":"fo-probe-res","id":1,"ip":"198.19.10.11","a":1,"m":""}', '{"t":"fo-probe-res","id":1,"ip":"198.19.10.11","a":0,"m":"02:00:00:00:10:11"}',
    '{"t":"fo-probe-res","id":1,"ip":"198.19.10.11","a":1,"m":"ff:ff:ff:ff:ff:ff"}', '{"t":"fo-probe-res","id":1,"ip":"198.19.10.11","a":2,"m":""}',
    '["fo-site"]', '{"t":"fo-nope"}',
    '{"t":"fo-conflict","ip":"198.19.10.11","m":"02:00:00:00:10:11","r":"flapping","s":1}',
    '{"t":"fo-conflict","ip":"198.19.10.11","m":"01:00:5e:00:00:01","r":"pinned","s":1}',
    '{"t":"fo-conflict","ip":"198.19.10.11","m":"02:00:00:00:10:11","r":"pinned","s":-1}',
    '{"t":"fo-conflict","ip":"198.19.10.11","m":"02:00:00:00:10:11","r":"pinned","s":4294967296}',
    '{"t":"fo-conflict","ip":"198.19.10.11","m":"02:00:00:00:10:11","r":"pinned"}',
  ];
  for (const s of bad) assert.equal(decodePeerMessage(Buffer.from(s)), null, s);
});

test('ctlsock methods: parameter checks, neighbors and fdb rows, not enabled', async () => {
  const { a, b } = await pair();
  seen(a, T1, T1MAC);
  await settle(a, b);
  const h = failoverHandlers({ dp: b.dp, driver: b.drv, peerName: () => 'tenant', now: Date.now });
  const n = await h.neighbors({}) as { site: string; entries: Array<Record<string, unknown>> };
  assert.equal(n.site, 'provider');
  assert.deepEqual({ ip: n.entries[0].ip, site: n.entries[0].site, peer: n.entries[0].peer, origin: n.entries[0].origin },
    { ip: T1, site: 'tenant', peer: 'tenant', origin: 'peer' });
  const f = await h.fdb({}) as { entries: Array<{ mac: string; site: string; origin: string }> };
  assert.deepEqual(f.entries.map((e) => [e.site, e.origin]), [['provider', 'learned'], ['tenant', 'learned']]);
  await assert.rejects(async () => h.failover({ host: 'nope' }), /invalid host "nope"/);
  await assert.rejects(async () => h.failover({ host: T1, check: 'yes' }), /"check" must be true or false/);
  await assert.rejects(async () => h.failover({ host: T1, extra: 1 }), /unknown parameter "extra"/);
  await assert.rejects(async () => h.resolve({ host: T1, keep: 'both' }), /"keep" must be tenant or provider/);
  const off = failoverHandlers({ dp: b.dp, driver: null, peerName: () => 'x', now: Date.now });
  await assert.rejects(async () => off.neighbors({}), /not active/);
  assert.equal(((await off.fdb({})) as { site: unknown }).site, null, 'fdb works without failover');
  assert.equal(dataPlaneSupportsFailover(b.dp), true);
  assert.equal(dataPlaneSupportsFailover({ sendControl() { return true; } }), false);
});

test('split brain, one MAC live at both sites: the verification finds the original; one error line; both appliances show it', async () => {
  const errors: Array<Record<string, unknown>> = [];
  const { a, b } = await pair({}, undefined, { ...quiet, error: (o: object) => void errors.push(o as Record<string, unknown>) });
  seen(a, T1, T1MAC);
  a.lan.set(T1, T1MAC); // the original answers probes on the tenant LAN
  await settle(a, b);
  b.lan.set(T1, T1MAC);
  seen(b, T1, T1MAC, 'garp'); // a second copy boots at the provider (no failover)
  await settle(a, b);
  const sa = a.drv.status(), sb = b.drv.status();
  assert.equal(sb.conflicts.length, 1, JSON.stringify(sb));
  assert.equal(sa.conflicts.length, 1, 'the tenant appliance shows it too (fo-conflict)');
  for (const c of [sa.conflicts[0], sb.conflicts[0]]) {
    assert.equal(c.reason, 'still-answers');
    assert.deepEqual(c.quarantined, { site: 'provider', mac: T1MAC });
  }
  assert.deepEqual([...b.dp.quarantined], [T1MAC], 'the provider cuts its copy');
  assert.equal(a.dp.quarantined.size, 0, 'the tenant never cuts the MAC its kept copy uses');
  assert.equal(sb.counters.conflicts, 1);
  assert.equal(sb.counters.moves, 0, 'never moved');
  assert.equal(errors.length, 2, 'one error line per appliance');
  assert.deepEqual({ ip: errors[1].ip, tenantMac: errors[1].tenantMac, providerMac: errors[1].providerMac, policy: errors[1].policy },
    { ip: T1, tenantMac: T1MAC, providerMac: T1MAC, policy: 'quarantine' });
  // idempotent operations still refuse while in conflict
  const r = await b.drv.move('failover', T1, {}, Date.now);
  assert.equal(r.ok, false);
});

test('idempotent failover: a replica the appliances already learned at the provider; the host is pinned there', async () => {
  const { a, b } = await pair();
  seen(a, T1, T1MAC);
  await settle(a, b);
  seen(b, T1, T1MAC, 'garp'); // the replica boots first (the original is down: the probe is silent)
  await settle(a, b);
  assert.equal(a.dp.table.get(T1)?.peer, 1);
  for (const side of [a, b]) {
    const r = await side.drv.move('failover', T1, {}, Date.now);
    assert.deepEqual({ ok: r.ok, changed: r.changed, outcome: r.items[0].outcome }, { ok: true, changed: false, outcome: 'unchanged' });
    await settle(a, b);
  }
  // pinned: the original coming back at the tenant is a conflict at once. Its data plane has
  // already moved the entry here with seq + 1 (bh_neigh_learn_local): mobility's entry replaces it
  a.lan.set(T1, T1MAC);
  const cur = a.dp.table.get(T1)!;
  a.dp.table.set(T1, { ...cur, peer: 0, seq: cur.seq + 1 });
  seen(a, T1, T1MAC, 'garp');
  await settle(a, b);
  assert.equal(a.drv.status().conflicts[0]?.reason, 'pinned');
  assert.equal(b.drv.status().conflicts[0]?.reason, 'pinned');
  assert.deepEqual([...a.dp.quarantined], [T1MAC], 'the tenant cuts the returning original');
  assert.equal(a.dp.table.get(T1)?.peer, 1, 'the data plane points at the kept copy again');
  assert.equal(a.dp.table.get(T1)?.frozen, true);
  assert.ok(a.drv.status().counters.neighborReplaced >= 1);
  // resolve keeping the provider copy: the data plane follows (not stale against its own seq)
  assert.equal(a.drv.resolve(T1, 'provider', Date.now()).ok, true);
  assert.deepEqual({ peer: a.dp.table.get(T1)?.peer, frozen: a.dp.table.get(T1)?.frozen }, { peer: 1, frozen: false });
});

test('one MAC live at both sites, no copy answers the probes (flapping): conflict; the provider copy is cut only where it lives', async () => {
  const { a, b } = await pair({ flapMoves: 3 });
  seen(a, T1, T1MAC);
  await settle(a, b);
  for (let i = 0; i < 4; i++) {
    seen(b, T1, T1MAC, 'garp');
    await settle(a, b);
    seen(a, T1, T1MAC, 'garp');
    await settle(a, b);
  }
  const sa = a.drv.status(), sb = b.drv.status();
  const all = [...sa.conflicts, ...sb.conflicts];
  assert.ok(all.length >= 1, `a conflict somewhere: ${JSON.stringify({ a: sa.recent, b: sb.recent })}`);
  assert.ok(all.some((c) => c.reason === 'flapping'), JSON.stringify(all));
  assert.equal(a.dp.quarantined.size, 0, 'the tenant appliance never cuts the MAC its kept copy uses');
  assert.deepEqual([...b.dp.quarantined], [T1MAC], 'the provider cuts its copy');
  assert.equal(sb.conflicts[0]?.quarantined?.site, 'provider');
});

test('startFailover: off without the section or enabled false; a data plane without the contract -> warning, off', async () => {
  const { startFailover } = await import('../../src/daemon/failover-setup');
  const { PeerRegistry } = await import('../../src/daemon/peer-registry');
  const warnings: string[] = [];
  const log = { ...quiet, warn: (_o: object, m: string) => void warnings.push(m) };
  const { parseConfig } = await import('../../src/config/config');
  const base = parseConfig({ version: 1, name: 'a', listen: { address: '0.0.0.0', port: 1 }, peers: [] });
  const full = new FakeDp(new Map());
  const registry = new PeerRegistry();
  assert.equal(startFailover({ dp: full as never, config: { ...base }, registry, log }), null);
  assert.equal(startFailover({ dp: full as never, config: { ...base, failover: defaultFailoverConfig('tenant') }, registry, log }), null);
  const on = { ...base, failover: { ...defaultFailoverConfig('tenant'), enabled: true } };
  assert.equal(startFailover({ dp: { sendControl: () => true } as never, config: on, registry, log }), null);
  assert.match(warnings.join('|'), /does not support it/);
  const drv = startFailover({ dp: full as never, config: on, registry, log });
  assert.ok(drv);
  assert.equal(drv.site, 'tenant');
  assert.ok(full.options, 'options pushed to the data plane');
});

test('hosts the data plane learned before the peer state existed are replayed into it', async () => {
  const { a, b } = await pair({}, (t) => {
    // learned by the data plane at once; its 'neigh' event came before the first tick (no peer yet)
    t.dp.table.set(T1, { ip: T1, mac: T1MAC, peer: 0, seq: 0, origin: 'arp', router: false, frozen: false, ageMs: 5 });
    seen(t, T1, T1MAC);
  });
  await settle(a, b);
  assert.deepEqual([b.dp.table.get(T1)?.mac, b.dp.table.get(T1)?.peer], [T1MAC, 1]);
});
