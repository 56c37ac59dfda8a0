// EVPN integration without root: the iproute2 JSON parsers (rows as FRR 8.4's zebra installs
// them), the pure core (learn, refresh, MAC change, VTEP move, withdrawal, bounds), the `evpn`
// config section, and the driver feeding partial failover: a host behind a remote VTEP reaches
// the tenant appliance's neighbor table through the real FailoverDriver + neighbor sync, a
// withdrawal removes it there, a host that moved onto this VTEP's own LAN is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as core from '../../src/control/evpn-neigh';
import { EVPN_EXPORT_PROTO, planExport, selectExportHosts } from '../../src/control/evpn-export';
import { decodePeerMessage } from '../../src/control/peer-channel-messages';
import type { FailoverMessage } from '../../src/control/failover-messages';
import type { NeighborMessage } from '../../src/control/neighbor-messages';
import { formatConfig, parseConfig } from '../../src/config/config';
import { defaultFailoverConfig } from '../../src/config/failover-config';
import type { EvpnConfig } from '../../src/config/evpn-config';
import type { FailoverEvent, FailoverStats, NeighborEntry, NeighborResult, NeighborSet } from '../../src/dataplane/types';
import { EvpnDriver, startEvpn } from '../../src/daemon/evpn-driver';
import { FailoverDriver, type FailoverLog } from '../../src/daemon/failover';
import { restartOnlyChanges } from '../../src/daemon/reload';
import { formatEvpnStatus } from '../../src/cli/evpn-format';

const quiet: FailoverLog = { error: () => undefined, info: () => undefined, warn: () => undefined, debug: () => undefined };
const R = '198.19.10.20', RMAC = '02:00:00:00:50:20', VTEP2 = '198.18.50.2', VTEP3 = '198.18.50.3';

// what `ip -j neigh show dev br100` and `bridge -j fdb show dev vxlan100` print on a VTEP where
// zebra installed the replica behind 198.18.50.2 (FRR 8.4, iproute2 6.1), plus local rows
const neighJson = (rows: Array<{ ip: string; mac: string }>, extra: unknown[] = []): string => JSON.stringify([
  { dst: '198.19.10.250', lladdr: '02:aa:00:00:00:01', state: ['REACHABLE'] }, // a local neighbor: not ours
  ...rows.map((r) => ({ dst: r.ip, lladdr: r.mac, extern_learn: null, state: ['NOARP'], protocol: 'zebra' })),
  ...extra]);
const fdbJson = (rows: Array<{ mac: string; dst: string }>, lan: Array<{ mac: string; port: string }> = []): string => JSON.stringify([
  { mac: '33:33:00:00:00:01', ifname: 'br100', flags: ['self'], state: 'permanent' },
  { mac: '8e:fc:49:eb:8f:d9', ifname: 'vxlan100', flags: [], master: 'br100', state: 'permanent' },
  { mac: '02:00:00:00:10:11', ifname: 'bh0', flags: [], master: 'br100', state: '' }, // a tenant host, through the TAP
  { mac: '02:00:00:00:10:21', ifname: 'p1', flags: [], master: 'br100', state: '' }, // a host of this LAN
  ...lan.map((l) => ({ mac: l.mac, ifname: l.port, flags: [], master: 'br100', state: '' })),
  { mac: '00:00:00:00:00:00', ifname: 'vxlan100', dst: VTEP2, flags: ['self'], state: 'permanent' },
  ...rows.flatMap((r) => [{ mac: r.mac, ifname: 'vxlan100', flags: ['extern_learn'], master: 'br100', state: '' },
    { mac: r.mac, ifname: 'vxlan100', dst: r.dst, flags: ['self', 'extern_learn'], state: '' }])]);

test('parsers: only extern_learn rows, canonical addresses, bad rows counted, bounded', () => {
  const p = core.parseRemoteNeighbors(neighJson([{ ip: R, mac: RMAC.toUpperCase() }, { ip: '2001:DB8:0:0::20', mac: RMAC }], [
    { dst: '198.19.10.30', lladdr: '01:00:5e:00:00:01', extern_learn: null, state: ['NOARP'] }, // multicast MAC
    { dst: '224.0.0.1', lladdr: RMAC, extern_learn: null }, // multicast IP
    { dst: '198.19.10.31', extern_learn: null, state: ['FAILED'] }, // not usable: skipped
    'garbage',
  ]), 100);
  assert.deepEqual(p.hosts, [{ ip: R, mac: RMAC }, { ip: '2001:db8::20', mac: RMAC }]);
  assert.equal(p.invalid, 3);
  assert.equal(core.parseRemoteNeighbors(neighJson([{ ip: R, mac: RMAC }, { ip: '198.19.10.21', mac: RMAC }]), 1).truncated, 1);
  assert.deepEqual(core.parseRemoteNeighbors('', 10).hosts, []);
  assert.throws(() => core.parseRemoteNeighbors('{"a":1}', 10), /not a JSON array/);
  assert.throws(() => core.parseRemoteNeighbors('[{', 10));
  const v = core.parseBridgeFdb(fdbJson([{ mac: RMAC, dst: VTEP2 }]), 10, { vxlan: 'vxlan100', tap: 'bh0' });
  assert.deepEqual([...v.vteps], [[RMAC, VTEP2]]);
  assert.deepEqual([...v.lanMacs], ['02:00:00:00:10:21'], 'LAN ports only: not the TAP, the VXLAN device or the bridge itself');
  assert.throws(() => core.parseBridgeFdb('{}', 10, { vxlan: 'vxlan100', tap: 'bh0' }), /not a JSON array/);
});

test('core: new, refresh after refreshMs, VTEP move, MAC change, withdrawal', () => {
  const s = core.initialEvpnNeigh({ refreshMs: 1000 });
  const snap = (hosts: core.RemoteHost[], vtep: string, now: number) =>
    core.step(s, { kind: 'snapshot', hosts, vteps: new Map(hosts.map((h) => [h.mac, vtep])) }, now).actions;
  assert.deepEqual(snap([{ ip: R, mac: RMAC }], VTEP2, 0), [{ kind: 'seen', ip: R, mac: RMAC, vtep: VTEP2, why: 'new' }]);
  assert.deepEqual(snap([{ ip: R, mac: RMAC }], VTEP2, 500), []);
  assert.deepEqual(snap([{ ip: R, mac: RMAC }], VTEP2, 1000), [{ kind: 'seen', ip: R, mac: RMAC, vtep: VTEP2, why: 'refresh' }]);
  assert.deepEqual(snap([{ ip: R, mac: RMAC }], VTEP3, 1100), [{ kind: 'vtep', ip: R, mac: RMAC, from: VTEP2, to: VTEP3 }]);
  assert.deepEqual(snap([{ ip: R, mac: '02:00:00:00:50:99' }], VTEP3, 1200),
    [{ kind: 'seen', ip: R, mac: '02:00:00:00:50:99', vtep: VTEP3, why: 'mac-changed' }]);
  assert.deepEqual(snap([], VTEP3, 1300), [{ kind: 'gone', ip: R, mac: '02:00:00:00:50:99', onLan: false }]);
  assert.deepEqual(snap([], VTEP3, 1400), []);
  assert.deepEqual(core.evpnHosts(s), []);
  snap([{ ip: R, mac: RMAC }], VTEP2, 1500);
  assert.deepEqual(core.step(s, { kind: 'snapshot', hosts: [], lanMacs: new Set([RMAC]) }, 1600).actions,
    [{ kind: 'gone', ip: R, mac: RMAC, onLan: true }]);
  const k = s.counters;
  assert.deepEqual([k.learned, k.refreshed, k.vtepMoves, k.macChanged, k.withdrawn, k.snapshots], [2, 1, 1, 1, 2, 9]);
});

test('core: bounded (full counted, nothing evicted); a clock going backwards refreshes, never throws', () => {
  const s = core.initialEvpnNeigh({ maxHosts: 2, refreshMs: 1000 });
  const hosts = [1, 2, 3].map((i) => ({ ip: `198.19.10.${i}`, mac: `02:00:00:00:00:0${i}` }));
  const a = core.step(s, { kind: 'snapshot', hosts }, 5000).actions;
  assert.equal(a.filter((x) => x.kind === 'seen').length, 2);
  assert.equal(s.counters.full, 1);
  assert.equal(s.hosts.size, 2);
  assert.equal(core.step(s, { kind: 'snapshot', hosts }, 10).actions.filter((x) => x.kind === 'seen').length, 2);
  // a duplicate IP in one snapshot (two rows) counts once
  const t = core.initialEvpnNeigh();
  assert.equal(core.step(t, { kind: 'snapshot', hosts: [hosts[0], { ...hosts[0], mac: '02:00:00:00:00:09' }] }, 0).actions.length, 1);
});

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ version: 1, name: 'a', listen: { address: '0.0.0.0', port: 51820 }, bridge: 'br100', peers: [],
    failover: { enabled: true, site: 'provider' }, ...extra });

test('config: evpn absent = off; defaults; round trip', () => {
  assert.equal(parseConfig(base()).evpn, undefined);
  const e = parseConfig(base({ evpn: { vni: 100 } })).evpn;
  assert.deepEqual(e, { enabled: true, vni: 100, bridge: 'br100', vxlanDevice: 'vxlan100', pollMs: 1000, maxHosts: 4096, advertiseHosts: true });
  const full = { enabled: false, vni: 16777215, bridge: 'br100', vxlanDevice: 'vx-a', pollMs: 200, maxHosts: 1, advertiseHosts: false };
  const c = parseConfig(base({ evpn: full }));
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))).evpn, full);
  // off is allowed without failover (the settings kept)
  assert.equal(parseConfig(base({ failover: undefined, evpn: { ...full } })).evpn?.enabled, false);
});

test('config: bad evpn values are one-line errors naming the field', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ evpn: {} }, /evpn\.vni: missing/],
    [{ evpn: { vni: 0 } }, /evpn\.vni: expected an integer from 1 to 16777215: 0/],
    [{ evpn: { vni: 16777216 } }, /evpn\.vni: expected an integer from 1 to 16777215/],
    [{ evpn: { vni: '100' } }, /evpn\.vni: expected an integer/],
    [{ evpn: { vni: 100, bridge: 'br0' } }, /evpn\.bridge: must be the bridge the TAP is in \("bridge": "br100"\): "br0"/],
    [{ bridge: null, evpn: { vni: 100 } }, /bridge: missing: evpn needs the TAP in the VNI's bridge/],
    [{ evpn: { vni: 100, vxlanDevice: 'a/b' } }, /evpn\.vxlanDevice: interface name must not contain/],
    [{ evpn: { vni: 100, vxlanDevice: 'br100' } }, /evpn\.vxlanDevice: must differ from the bridge/],
    [{ evpn: { vni: 100, pollMs: 10 } }, /evpn\.pollMs: expected an integer from 200 to 60000: 10/],
    [{ evpn: { vni: 100, maxHosts: 0 } }, /evpn\.maxHosts: expected an integer from 1 to 65536/],
    [{ evpn: { vni: 100, enabled: 1 } }, /evpn\.enabled: expected true or false: 1/],
    [{ evpn: { vni: 100, rd: 'x' } }, /evpn\.rd: unknown field \(known: enabled, vni, bridge, vxlanDevice, pollMs, maxHosts, advertiseHosts\)/],
    [{ evpn: { vni: 100, advertiseHosts: 'yes' } }, /evpn\.advertiseHosts: expected true or false: "yes"/],
    [{ evpn: [] }, /evpn: expected a JSON object/],
    [{ failover: { enabled: false }, evpn: { vni: 100 } }, /evpn: needs "failover": \{"enabled": true/],
  ];
  for (const [extra, re] of cases) {
    assert.throws(() => parseConfig(base(extra)), (e: Error) => re.test(e.message) && !e.message.includes('\n'),
      `${JSON.stringify(extra)} -> ${re}`);
  }
});

// ------------------------------------------------------------------ driver

const CFG: EvpnConfig = { enabled: true, vni: 100, bridge: 'br100', vxlanDevice: 'vxlan100', pollMs: 1000, maxHosts: 16, advertiseHosts: true };

/** The kernel tables the driver reads, editable by the test. */
class Kernel {
  neigh: Array<{ ip: string; mac: string }> = [];
  fdb: Array<{ mac: string; dst: string }> = [];
  lan: Array<{ mac: string; port: string }> = [];
  own = new Map<string, string>(); // our exported entries (protocol 201), as `ip -batch` left them
  fail: string | null = null;
  calls: string[][] = [];
  batches: string[][] = [];
  read = async (argv: string[]): Promise<string> => {
    this.calls.push(argv);
    if (this.fail) throw new Error(this.fail);
    const own = [...this.own].map(([dst, lladdr]) => ({ dst, lladdr, state: ['NOARP'], protocol: String(EVPN_EXPORT_PROTO) }));
    return argv[0] === 'ip' ? neighJson(this.neigh, own) : fdbJson(this.fdb, this.lan);
  };
  batch = async (lines: string[]): Promise<void> => {
    this.batches.push(lines);
    for (const l of lines) {
      const m = /^neigh replace (\S+) lladdr (\S+) dev br100 nud noarp protocol 201$/.exec(l);
      const d = /^neigh del (\S+) dev br100$/.exec(l);
      if (m) this.own.set(m[1], m[2]); else if (d) this.own.delete(d[1]); else throw new Error(`bad line ${l}`);
    }
  };
}

class FakeDp {
  tapName = 'bh0';
  table = new Map<string, NeighborEntry>();
  sent: Buffer[] = [];
  deliver: (data: Buffer) => void = () => undefined;
  sendControl(_id: number, data: Uint8Array): boolean { const c = Buffer.from(data); setImmediate(() => this.deliver(c)); return true; }
  setFailoverOptions(): void { /* not needed */ }
  setNeighbor(ip: string, e: NeighborSet): NeighborResult {
    const old = this.table.get(ip);
    if (old && e.seq < old.seq) return 'stale';
    this.table.set(ip, { ip, mac: e.mac, peer: e.peer, seq: e.seq, origin: e.origin ?? 'peer', router: e.router ?? false,
      frozen: e.frozen ?? false, ageMs: 0 });
    return old ? 'refreshed' : 'new';
  }
  deleteNeighbor(ip: string): boolean { return this.table.delete(ip); }
  neighbors(): NeighborEntry[] { return [...this.table.values()]; }
  setQuarantine(): void { /* not needed */ }
  announce(): boolean { return true; }
  probe(): boolean { return true; }
  failoverStats(): FailoverStats { return {} as FailoverStats; }
}

const STATS = { peers: [{ id: 1, currentKey: { localIndex: 1, ageMs: 0, sendCounter: 0 }, endpoint: { address: '198.18.3.2', port: 1 } }] } as const;
const settle = async (drvs: FailoverDriver[]): Promise<void> => {
  for (let i = 0; i < 30; i++) { await new Promise((r) => setTimeout(r, 2)); for (const d of drvs) d.tick(STATS as never, Date.now()); }
};

/** Provider appliance (EVPN on) and tenant appliance, their failover drivers wired through the codecs. */
async function fabric(): Promise<{ k: Kernel; pdp: FakeDp; tdp: FakeDp; p: FailoverDriver; t: FailoverDriver; e: EvpnDriver; all: FailoverDriver[] }> {
  const pdp = new FakeDp(), tdp = new FakeDp();
  const mk = (dp: FakeDp, site: 'tenant' | 'provider') => new FailoverDriver({ dp: dp as never,
    cfg: { ...defaultFailoverConfig(site), enabled: true }, log: quiet, randomEpoch: () => (site === 'tenant' ? 1 : 2) });
  const p = mk(pdp, 'provider'), t = mk(tdp, 'tenant');
  const wire = (from: FakeDp, to: FailoverDriver) => { from.deliver = (d) => to.onPeerMessage(1, decodePeerMessage(d) as NeighborMessage | FailoverMessage, Date.now()); };
  wire(pdp, t);
  wire(tdp, p);
  const k = new Kernel();
  const e = new EvpnDriver({ cfg: CFG, failover: p, dp: pdp, log: quiet, read: k.read, batch: k.batch, refreshMs: 0 });
  const all = [p, t];
  await settle(all);
  return { k, pdp, tdp, p, t, e, all };
}

test('driver: a host behind a remote VTEP is shared to the tenant appliance (proxy entry there), withdrawn when BGP withdraws it', async () => {
  const { k, pdp, tdp, e, all } = await fabric();
  k.neigh = [{ ip: R, mac: RMAC }];
  k.fdb = [{ mac: RMAC, dst: VTEP2 }];
  await e.poll();
  await settle(all);
  assert.deepEqual(k.calls.slice(0, 2), [['ip', '-j', 'neigh', 'show', 'dev', 'br100', 'nud', 'all'], ['bridge', '-j', 'fdb', 'show', 'br', 'br100']]);
  assert.equal(pdp.table.get(R)?.peer, 0, 'provider: a host of this site');
  assert.deepEqual({ mac: tdp.table.get(R)?.mac, peer: tdp.table.get(R)?.peer }, { mac: RMAC, peer: 1 }, 'tenant: proxied, at the peer');
  assert.deepEqual(e.status().hosts, [{ ip: R, mac: RMAC, vtep: VTEP2 }]);
  // refresh (refreshMs 0 here): the data-plane entry is re-set, so it cannot age out under BGP
  await e.poll();
  assert.ok(e.status().counters.dpRefreshed >= 1);
  // BGP withdraws (replica stopped; its traffic through the TAP does not make it a host of this LAN)
  k.neigh = [];
  k.fdb = [];
  await e.poll();
  await settle(all);
  assert.equal(pdp.table.has(R), false);
  assert.equal(tdp.table.has(R), false, 'tenant no longer proxies for it');
  assert.equal(e.status().counters.withdrawnToFailover, 1);
});

test('driver: withdrawn by BGP while the bridge has the MAC on a LAN port (moved onto this VTEP): kept and still shared', async () => {
  const { k, tdp, e, all } = await fabric();
  k.neigh = [{ ip: R, mac: RMAC }];
  await e.poll();
  await settle(all);
  k.neigh = [];
  k.lan = [{ mac: RMAC, port: 'vm7' }];
  await e.poll();
  await settle(all);
  assert.equal(e.status().counters.keptSeenOnLan, 1);
  assert.equal(e.status().counters.withdrawnToFailover, 0);
  assert.equal(tdp.table.get(R)?.mac, RMAC);
});

test('driver: a failed read is counted, logged once, the state kept; overlapping polls skipped', async () => {
  const warns: string[] = [];
  const { k, e } = await fabric();
  (e as unknown as { d: { log: typeof quiet } }).d.log = { ...quiet, warn: (_o: object, m: string) => { warns.push(m); } };
  k.neigh = [{ ip: R, mac: RMAC }];
  await e.poll();
  k.fail = 'Cannot find device "br100"';
  await e.poll();
  await e.poll();
  assert.equal(e.status().counters.pollErrors, 2);
  assert.equal(warns.length, 1);
  assert.match(e.status().lastError ?? '', /Cannot find device/);
  assert.equal(e.status().hostCount, 1, 'a failed poll withdraws nothing');
  k.fail = null;
  await Promise.all([e.poll(), e.poll()]);
  assert.equal(e.status().counters.pollsSkipped, 1);
  assert.equal(e.status().lastError, null);
});

test('startEvpn: off without the section or without failover (one warning)', () => {
  const warns: string[] = [];
  const log = { ...quiet, warn: (_o: object, m: string) => { warns.push(m); } };
  assert.equal(startEvpn({ cfg: undefined, failover: null, dp: new FakeDp(), log }), null);
  assert.equal(startEvpn({ cfg: { ...CFG, enabled: false }, failover: null, dp: new FakeDp(), log }), null);
  assert.equal(startEvpn({ cfg: CFG, failover: null, dp: new FakeDp(), log }), null);
  assert.equal(warns.length, 1);
  const ev: FailoverEvent[] = [];
  const d = startEvpn({ cfg: { ...CFG, pollMs: 60_000 }, failover: { onEvent: (x) => { ev.push(x); } }, dp: new FakeDp(), log });
  assert.ok(d);
  d.stop();
});

test('export: the hosts advertised as MAC+IP are the table\'s minus EVPN\'s, remote MACs, quarantined copies, link-local', () => {
  const table = [
    { ip: '198.19.10.11', mac: '02:00:00:00:10:11', frozen: false }, // a tenant host
    { ip: R, mac: RMAC, frozen: false }, // EVPN-learned
    { ip: '198.19.10.30', mac: '02:00:00:00:50:30', frozen: false }, // another IP of a MAC behind a VTEP
    { ip: '198.19.10.12', mac: '02:00:00:00:10:12', frozen: true }, // quarantined
    { ip: 'fe80::1', mac: '02:00:00:00:10:11', frozen: false },
    { ip: '2001:db8::11', mac: '02:00:00:00:10:11', frozen: false },
  ];
  const want = selectExportHosts(table, new Set([R]), new Set(['02:00:00:00:50:30']), 10);
  assert.deepEqual(want.map((h) => h.ip), ['198.19.10.11', '2001:db8::11']);
  assert.equal(selectExportHosts(table, new Set(), new Set(), 1).length, 1, 'bounded');
  const plan = planExport(want, [{ ip: '198.19.10.11', mac: '02:00:00:00:10:99' }, { ip: '198.19.10.40', mac: '02:00:00:00:00:40' },
    { ip: R, mac: RMAC }], 10);
  assert.deepEqual(plan, { del: ['198.19.10.40', R], add: [{ ip: '198.19.10.11', mac: '02:00:00:00:10:11' }, { ip: '2001:db8::11', mac: '02:00:00:00:10:11' }], deferred: 0 });
  assert.deepEqual(planExport(want, [{ ip: '198.19.10.40', mac: '02:00:00:00:00:40' }], 1), { del: ['198.19.10.40'], add: [], deferred: 2 });
  const parsed = core.parseRemoteNeighbors(neighJson([], [{ dst: '198.19.10.11', lladdr: '02:00:00:00:10:11', state: ['NOARP'], protocol: '201' }]), 10);
  assert.deepEqual([parsed.hosts, parsed.own], [[], [{ ip: '198.19.10.11', mac: '02:00:00:00:10:11' }]], 'ours are never read back as remote hosts');
});

test('driver: the tenant\'s hosts are written for zebra (MAC+IP), the EVPN host is not; a host gone from the table is removed', async () => {
  const { k, pdp, e, p, all } = await fabric();
  p.onEvent({ type: 'neigh', ip: '198.19.10.21', mac: '02:00:00:00:10:21', how: 'arp', router: false, result: 'new', seq: 0 }, Date.now());
  pdp.setNeighbor('198.19.10.11', { mac: '02:00:00:00:10:11', peer: 1, seq: 0 }); // shared by the tenant
  k.neigh = [{ ip: R, mac: RMAC }];
  k.fdb = [{ mac: RMAC, dst: VTEP2 }];
  await e.poll();
  await settle(all);
  await e.poll(); // R is in the table now (fed as a local host): still not exported
  assert.deepEqual([...k.own].sort(), [['198.19.10.11', '02:00:00:00:10:11'], ['198.19.10.21', '02:00:00:00:10:21']]);
  assert.equal(e.status().counters.advertised, 2);
  pdp.deleteNeighbor('198.19.10.11');
  await e.poll();
  assert.deepEqual([...k.own.keys()], ['198.19.10.21']);
  assert.equal(e.status().counters.unadvertised, 1);
  await e.poll();
  assert.equal(k.batches.length, 2, 'nothing written when nothing changed');
});

test('reload: an evpn change needs a restart (named); status text: the evpn block', async () => {
  const a = parseConfig(base({ evpn: { vni: 100 } })), b = parseConfig(base({ evpn: { vni: 200 } }));
  assert.ok(restartOnlyChanges(a, b).includes('evpn'));
  assert.ok(!restartOnlyChanges(a, parseConfig(base({ evpn: { vni: 100 } }))).includes('evpn'));
  const { k, e } = await fabric();
  k.neigh = [{ ip: R, mac: RMAC }];
  k.fdb = [{ mac: RMAC, dst: VTEP2 }];
  await e.poll();
  const text = formatEvpnStatus(e.status()).join('\n');
  assert.match(text, /evpn: VNI 100 \(br100, vxlan100\), 1 hosts behind other VTEPs/);
  assert.match(text, new RegExp(`${R} ${RMAC} via ${VTEP2}`));
  assert.deepEqual(formatEvpnStatus(undefined), []);
  k.fail = 'boom\u001b[31m';
  await e.poll();
  assert.match(formatEvpnStatus(e.status()).join('\n'), /LAST READ FAILED: boom \[31m/);
});
