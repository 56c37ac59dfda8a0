// The provider fabric (issue 13 part 3): the provider appliance is a VTEP of a BGP-EVPN fabric.
// Two FRR VTEPs (zebra + bgpd per namespace, iBGP, advertise-all-vni): pa (the bridgehead provider
// appliance: its TAP and the VXLAN device of VNI 100 in br0) and hv (a hypervisor: br0 with the
// VXLAN device and the replica r1). The tenant site is paired over the tunnel as usual. Checked:
// type-3 routes of both VTEPs and the type-2 MAC/IP route of the replica in `show bgp l2vpn evpn
// route`; bridgehead on pa learns the replica from zebra's remote entries and shares it, so the
// tenant appliance answers ARP for it (the request never reaches r1); t1 pings r1 with TTL 64;
// r1 moves to pa's own LAN (EVPN MAC mobility sequence 1) and back to hv (sequence 2) and stays
// reachable; stopped at hv, BGP withdraws it and so does bridgehead (the tenant stops proxying);
// tenant host t2 fails over to a replica behind hv that boots silently (verify on move, no command).
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import type { Sites } from './lib/bridgehead';
import type { StatusSnapshot } from '../../src/ipc/status-types';
import { REPO } from './lib/env';
import { runOk, run, sleep, waitFor } from './lib/proc';
import { addReplica, failoverStatus, linkSet, neighbors, pairFailoverSites, removeReplica, REPLICA } from './lib/failover';
import { FrrVtep, frrMissing } from './lib/frr';

const S = NetnsSuite.create(__filename, 'evpn');
const T = S.topo;
const it = S.it.bind(S);
const VNI = 100;
const R = '198.19.10.20', RMAC = '02:00:00:00:50:20';
const MAC_T1 = '02:00:00:00:10:11', MAC_T2 = '02:00:00:00:10:12';
const PA_VTEP = '198.18.50.1', HV_VTEP = '198.18.50.2';
const HV_SVI = '198.19.10.250'; // the hypervisor's address on the segment (zebra learns its VMs' IPs there)
const EVPN_SH = path.join(REPO, 'appliance', 'frr', 'evpn-vni.sh');

let sites: Sites | null = null;
let pa: FrrVtep | null = null, hv: FrrVtep | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (an earlier test failed)'); return sites; };
const vteps = (): { pa: FrrVtep; hv: FrrVtep } => { if (!pa || !hv) throw new Error('no FRR (an earlier test failed)'); return { pa, hv }; };
const sh = (argv: string[]) => runOk(argv, { timeoutMs: 10000 });
const hvNs = () => `${S.prefix}-hv`;
const replicaNs = () => `${S.prefix}-${REPLICA}`;

/** A VM on the hypervisor hv (namespace PREFIX-NAME, port NAME of hv's br0); default: the replica r1. */
async function vmOnHv(name = REPLICA, ip = R, mac = RMAC): Promise<void> {
  const ns = `${S.prefix}-${name}`, h = hvNs();
  await run(['ip', 'netns', 'del', ns], { timeoutMs: 10000 });
  await sh(['ip', 'netns', 'add', ns]);
  await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  await sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  await sh(['ip', '-n', h, 'link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'address', mac]);
  await sh(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  await sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  await sh(['ip', '-n', h, 'link', 'set', name, 'master', 'br0']);
  await sh(['ip', '-n', h, 'link', 'set', name, 'up']);
}
const replicaOnHv = () => vmOnHv();

/** What a VM does after it boots or migrates: a gratuitous ARP (bounded). */
const garp = () => run(['ip', 'netns', 'exec', replicaNs(), 'arping', '-U', '-c', '2', '-w', '3', '-I', 'eth0', R], { timeoutMs: 8000 });

const routes = async (v: FrrVtep): Promise<string> => v.vtyshOk('show bgp l2vpn evpn route');
const TYPE2 = `[2]:[0]:[48]:[${RMAC}]:[32]:[${R}]`;
const type3 = (vtep: string) => `[3]:[0]:[32]:[${vtep}]`;

const evpnStatus = async (): Promise<NonNullable<StatusSnapshot['evpn']>> => {
  const s = await need().provider.status();
  if (!s.evpn) throw new Error(`provider status has no evpn field: ${JSON.stringify(Object.keys(s))}`);
  return s.evpn;
};
const tenantHas = async (ip: string): Promise<string | null> =>
  (await neighbors(need().tenant)).entries.find((e) => e.ip === ip)?.site ?? null;

/** Pings until one answers, then 5 that must all answer with TTL 64; returns ms since `fromMs`. */
async function pingTtl64(what: string, fromMs = Date.now()): Promise<number> {
  await T.waitForPing('t1', R, 20000);
  const ms = Date.now() - fromMs;
  const p = await T.ping('t1', R, { count: 5, intervalS: 0.2, deadlineS: 8 });
  assert.equal(p.received, 5, `${what}: ${p.raw}`);
  assert.deepEqual([...new Set(p.ttls)], [64], `${what}: TTL ${p.ttls.join(',')} (pure L2: nothing routes)`);
  return ms;
}

describe('evpn: the provider appliance as a VTEP of a BGP-EVPN fabric (FRR)', () => {
  before(async () => {
    await S.setup({}, ['arping', 'tcpdump', 'vtysh']);
    const missing = frrMissing();
    if (missing || S.skip || !S.work) { if (missing) throw new Error(missing); return; }
    // underlay: pa <-> hv, room for the 50-byte VXLAN header
    const h = hvNs(), p = T.ns('pa');
    await run(['ip', 'netns', 'del', h], { timeoutMs: 10000 });
    await sh(['ip', 'netns', 'add', h]);
    await sh(['ip', '-n', h, 'link', 'set', 'lo', 'up']);
    await sh(['ip', 'netns', 'exec', h, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    await sh(['ip', '-n', p, 'link', 'add', 'fab0', 'mtu', '1600', 'type', 'veth', 'peer', 'name', 'fab0', 'mtu', '1600', 'netns', h]);
    await sh(['ip', '-n', p, 'addr', 'add', `${PA_VTEP}/30`, 'dev', 'fab0']);
    await sh(['ip', '-n', h, 'addr', 'add', `${HV_VTEP}/30`, 'dev', 'fab0']);
    await sh(['ip', '-n', p, 'link', 'set', 'fab0', 'up']);
    await sh(['ip', '-n', h, 'link', 'set', 'fab0', 'up']);
    // the VNI on both VTEPs (pa: into the br0 bridgehead's TAP joins; hv: a new br0)
    await sh(['ip', 'netns', 'exec', p, 'bash', EVPN_SH, 'up', '--vni', String(VNI), '--bridge', 'br0', '--local', PA_VTEP]);
    await sh(['ip', 'netns', 'exec', h, 'bash', EVPN_SH, 'up', '--vni', String(VNI), '--bridge', 'br0', '--local', HV_VTEP]);
    await sh(['ip', '-n', h, 'addr', 'add', `${HV_SVI}/24`, 'dev', 'br0']);
    await sh(['ip', '-n', h, 'link', 'set', 'br0', 'type', 'bridge', 'ageing_time', '800']); // 8 s: a stopped VM is withdrawn soon
    pa = new FrrVtep(S, p, 'pa', PA_VTEP, [HV_VTEP]);
    hv = new FrrVtep(S, h, 'hv', HV_VTEP, [PA_VTEP]);
    await pa.start();
    await hv.start();
  }, { timeout: 120000 });
  after(async () => {
    await pa?.stop();
    await hv?.stop();
    await S.teardown(); // deletes every namespace of the prefix (hv, r1 too) and kills what runs there
  }, { timeout: 90000 });

  it('iBGP l2vpn evpn session up; type-3 (flooding) routes of both VTEPs for VNI 100', 60000, async () => {
    const { pa: a, hv: b } = vteps();
    const out = await waitFor('both type-3 routes at pa and hv', 40000, async () => {
      const [ra, rb] = await Promise.all([routes(a), routes(b)]);
      return [ra, rb].every((r) => r.includes(type3(PA_VTEP)) && r.includes(type3(HV_VTEP))) ? ra : null;
    }, 500);
    process.stdout.write(`# pa: show bgp l2vpn evpn route\n${out.split('\n').map((l) => `#   ${l}`).join('\n')}\n`);
    const vni = await a.vtyshOk('show evpn vni');
    assert.match(vni, new RegExp(`^${VNI}\\s+L2\\s+vxlan${VNI}\\s`, 'm'), vni);
  });

  it('pair with failover on and evpn on the provider; the replica behind hv: type-2 MAC/IP route, learned by bridgehead, proxied by the tenant', 120000, async () => {
    const { pa: a } = vteps();
    sites = await pairFailoverSites(S, {});
    // pairFailoverSites patched both; evpn goes on the provider only (then restart it with it)
    const cfgFile = path.join(sites.provider.dir, 'bridgehead.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
    cfg.evpn = { vni: VNI, pollMs: 500 };
    fs.writeFileSync(cfgFile, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
    await sites.provider.stop();
    sites.provider.start();
    await sites.provider.waitReady();
    await T.waitForPing('t1', ADDR.p1, 30000);
    // the replica comes up silently (no gratuitous ARP): none of its frames reach pa's TAP, so the
    // tenant can only learn it from zebra's entries through bridgehead's EVPN driver
    await replicaOnHv();
    await sh(['ip', 'netns', 'exec', hvNs(), 'ping', '-c', '1', '-W', '2', R]); // hv learns its VM's IP
    const out = await waitFor('type-2 MAC/IP route of the replica at pa', 30000, async () => {
      const r = await routes(a);
      return r.includes(TYPE2) ? r : null;
    }, 500);
    const block = out.split('\n').filter((l, i, all) => l.includes(RMAC) || (i > 0 && all[i - 1].includes(RMAC)));
    process.stdout.write(`# pa: type-2 routes of the replica:\n${block.map((l) => `#   ${l}`).join('\n')}\n`);
    const e = await waitFor('bridgehead (pa) learned the replica from zebra', 15000, async () => {
      const s = await evpnStatus();
      return s.hosts.find((h) => h.ip === R) ? s : null;
    });
    assert.deepEqual(e.hosts.find((h) => h.ip === R), { ip: R, mac: RMAC, vtep: HV_VTEP });
    assert.equal(e.lastError, null);
    await waitFor('the tenant appliance knows the replica at the provider site', 15000, async () => (await tenantHas(R)) === 'provider');
  });

  it('ARP for the replica is answered by the tenant appliance (not by r1); t1 reaches it with TTL 64', 60000, async () => {
    const { tenant } = need();
    await T.flushNeigh('t1');
    const before = (await failoverStatus(tenant)).dataPlane?.arpProxied ?? 0;
    const capFile = S.logFile('r1-arp.txt');
    const cap = S.track(new (await import('./lib/proc')).Background('tcpdump-r1',
      ['ip', 'netns', 'exec', replicaNs(), 'timeout', '8', 'tcpdump', '-n', '-l', '-i', 'eth0', '-c', '50', 'arp'], capFile));
    await sleep(1000);
    const a = await T.exec('t1', ['arping', '-c', '3', '-W', '0.3', '-w', '5', '-i', 'eth0', R], { timeoutMs: 10000 });
    const replies = [...a.stdout.matchAll(/bytes from ([0-9a-f:]{17}) \(([\d.]+)\)/g)];
    assert.ok(replies.length >= 3, `arping: ${replies.length} replies\n${a.stdout}${a.stderr}`);
    for (const r of replies) assert.deepEqual([r[1], r[2]], [RMAC, R]);
    await cap.stop('SIGTERM', 3000);
    const atR1 = fs.readFileSync(capFile, 'utf8').split('\n').filter((l) => l.includes(`who-has ${R} tell ${ADDR.t1}`));
    assert.equal(atR1.length, 0, `t1's ARP requests crossed the fabric to r1:\n${atR1.join('\n')}`);
    const after = (await failoverStatus(tenant)).dataPlane?.arpProxied ?? 0;
    assert.ok(after - before >= 3, `arpProxied ${before} -> ${after}`);
    await pingTtl64('t1 -> r1 behind hv');
  });

  it('the tenant\'s hosts are advertised into the fabric as MAC/IP type-2 routes by pa (zebra, from bridgehead\'s table)', 60000, async () => {
    const { hv: b } = vteps();
    const t1Route = `[2]:[0]:[48]:[${MAC_T1}]:[32]:[${ADDR.t1}]`;
    const out = await waitFor('hv has t1\'s MAC/IP route', 20000, async () => {
      const r = await routes(b);
      return r.includes(t1Route) ? r : null;
    }, 500);
    const i = out.split('\n').findIndex((l) => l.includes(t1Route));
    assert.match(out.split('\n')[i + 1] ?? '', new RegExp(PA_VTEP.replace(/\./g, '\\.')), 'next hop: pa\'s VTEP');
    const n = await sh(['ip', '-n', hvNs(), '-j', 'neigh', 'show', 'dev', 'br0']);
    assert.ok((JSON.parse(n.stdout) as Array<{ dst: string; lladdr?: string }>).some((e) => e.dst === ADDR.t1 && e.lladdr === MAC_T1),
      `hv's zebra installed t1 as a remote neighbor: ${n.stdout}`);
    assert.ok((await evpnStatus()).counters.advertised >= 1);
  });

  it('the replica moves to pa\'s own LAN: EVPN MAC mobility seq 1, bridgehead keeps it shared, t1 reaches it (TTL 64)', 90000, async () => {
    const { pa: a, hv: b } = vteps();
    const withdrawn0 = (await evpnStatus()).counters.withdrawn;
    await run(['ip', 'netns', 'del', replicaNs()], { timeoutMs: 10000 });
    await addReplica(S, R, RMAC); // r1 on pa's br0, like a VM migrated onto the gateway's own hosts
    await sh(['ip', '-n', replicaNs(), 'link', 'set', 'eth0', 'up']);
    const moved = Date.now();
    await garp();
    const m = await waitFor('pa: the MAC is local with sequence >= 1; hv: remote', 30000, async () => {
      const [ma, mb] = await Promise.all([a.evpnMac(VNI, RMAC), b.evpnMac(VNI, RMAC)]);
      return ma?.type === 'local' && Number(ma.localSequence) >= 1 && mb?.type === 'remote' ? { ma, mb } : null;
    }, 500);
    process.stdout.write(`# after the move to pa: pa ${JSON.stringify(m.ma)}\n#   hv ${JSON.stringify(m.mb)}\n`);
    await waitFor('bridgehead: the remote entry withdrawn (zebra removed it)', 20000, async () => {
      const s = await evpnStatus();
      return s.counters.withdrawn > withdrawn0 && !s.hosts.some((h) => h.ip === R) ? s : null;
    });
    const c = (await evpnStatus()).counters;
    assert.ok(c.keptSeenOnLan >= 1, `kept because the bridge has it on port r1: ${JSON.stringify(c)}`);
    assert.equal(c.withdrawnToFailover, 0, 'not withdrawn from the tenant');
    const reach = await pingTtl64('t1 -> r1 on pa\'s LAN', moved);
    process.stdout.write(`# moved onto pa's LAN: EVPN seq 1 seen and t1 reaching r1 within ${reach} ms of its gratuitous ARP\n`);
    assert.equal(await tenantHas(R), 'provider', 'still proxied at the tenant (the provider site has it)');
  });

  it('and back behind hv: sequence 2 at hv, bridgehead learns it from zebra again, t1 reaches it (TTL 64)', 90000, async () => {
    const { pa: a, hv: b } = vteps();
    await removeReplica(S);
    await replicaOnHv();
    const moved = Date.now();
    await garp();
    await sh(['ip', 'netns', 'exec', hvNs(), 'ping', '-c', '1', '-W', '2', R]);
    const m = await waitFor('hv: local with sequence >= 2; pa: remote via hv', 30000, async () => {
      const [ma, mb] = await Promise.all([a.evpnMac(VNI, RMAC), b.evpnMac(VNI, RMAC)]);
      return mb?.type === 'local' && Number(mb.localSequence) >= 2 && ma?.type === 'remote' && ma.remoteVtep === HV_VTEP ? { ma, mb } : null;
    }, 500);
    process.stdout.write(`# back at hv: hv ${JSON.stringify(m.mb)}\n#   pa ${JSON.stringify(m.ma)}\n`);
    await waitFor('bridgehead learned it again behind hv', 20000, async () =>
      (await evpnStatus()).hosts.find((h) => h.ip === R && h.vtep === HV_VTEP));
    const reach = await pingTtl64('t1 -> r1 back behind hv', moved);
    process.stdout.write(`# back behind hv: EVPN seq 2 seen, learned by bridgehead and t1 reaching r1 within ${reach} ms of its gratuitous ARP\n`);
    assert.equal(await tenantHas(R), 'provider');
  });

  it('the replica stops at hv: BGP withdraws the route, bridgehead withdraws the host, the tenant stops proxying', 90000, async () => {
    const { pa: a } = vteps();
    const w0 = (await evpnStatus()).counters.withdrawnToFailover;
    await run(['ip', 'netns', 'del', replicaNs()], { timeoutMs: 10000 });
    const t0 = Date.now();
    await waitFor('the type-2 MAC/IP route gone at pa', 60000, async () => !(await routes(a)).includes(TYPE2), 1000);
    await waitFor('bridgehead withdrew it and the tenant no longer has it', 20000, async () => {
      const s = await evpnStatus();
      return s.counters.withdrawnToFailover > w0 && (await tenantHas(R)) === null;
    });
    process.stdout.write(`# replica stopped: route withdrawn and tenant entry gone ${Date.now() - t0} ms after (hv bridge ageing 8 s)\n`);
  });

  it('failover of tenant host t2 to a replica behind hv (original off, the replica boots and ARPs for its gateway, no command): verified, moved, TTL 64', 90000, async () => {
    const { pa: a } = vteps();
    const { tenant, provider } = need();
    await T.ping('t2', ADDR.t1, { count: 2, intervalS: 0.2, deadlineS: 5 }); // t2 known (tenant site) and advertised by pa
    await waitFor('the provider knows t2 at the tenant site', 10000, async () =>
      (await neighbors(provider)).entries.find((e) => e.ip === ADDR.t2)?.site === 'tenant');
    await linkSet(T.ns('ta'), 't2', 'down'); // the original is powered off
    await vmOnHv('r2', ADDR.t2, MAC_T2);
    // The replica boots as a VM does: it ARPs for its gateway (hv's SVI). That is how hv learns its
    // IP (a silent replica whose IP no VTEP knows is a MAC-only route, INTERNALS 10.6), and the
    // broadcast is flooded through the fabric to pa's LAN, where bridgehead sees t2 at the provider
    // site; the EVPN-only path (no frame of the host ever reaches the TAP) is the replica r1 above.
    // An earlier version with a static gateway entry (no ARP at all) raced FRR: hv learned t2's IP
    // only if its ping came after pa's MAC/IP route for t2 was withdrawn (failed 1 in 3 under load).
    const r2 = `${S.prefix}-r2`;
    await waitFor('hv reaches its new VM r2', 10000, async () =>
      (await run(['ip', 'netns', 'exec', r2, 'ping', '-c', '1', '-W', '1', HV_SVI], { timeoutMs: 5000 })).code === 0 &&
      (await run(['ip', 'netns', 'exec', hvNs(), 'ping', '-c', '1', '-W', '1', ADDR.t2], { timeoutMs: 5000 })).code === 0, 300);
    const m = await waitFor('pa: t2\'s MAC remote via hv with a mobility sequence >= 1', 30000, async () => {
      const x = await a.evpnMac(VNI, MAC_T2);
      return x?.type === 'remote' && x.remoteVtep === HV_VTEP && Number(x.remoteSequence) >= 1 ? x : null;
    }, 500);
    process.stdout.write(`# t2 failed over behind hv: pa ${JSON.stringify(m)}\n`);
    const t0 = Date.now();
    await waitFor('both appliances have t2 at the provider site (sighting through the fabric, verified at the tenant)', 20000, async () =>
      (await neighbors(tenant)).entries.find((e) => e.ip === ADDR.t2)?.site === 'provider' &&
      (await neighbors(provider)).entries.find((e) => e.ip === ADDR.t2)?.site === 'provider');
    process.stdout.write(`# t2 at the provider site on both appliances ${Date.now() - t0} ms after the sequence check\n`);
    const ps = await failoverStatus(provider);
    assert.equal(ps.conflicts.length, 0, `no conflict: ${JSON.stringify(ps.conflicts)}`);
    const p = await T.ping('t1', ADDR.t2, { count: 5, intervalS: 0.2, deadlineS: 8 });
    assert.equal(p.received, 5, p.raw);
    assert.deepEqual([...new Set(p.ttls)], [64]);
    await run(['ip', 'netns', 'del', `${S.prefix}-r2`], { timeoutMs: 10000 });
    await linkSet(T.ns('ta'), 't2', 'up');
  });

  it('the provider daemon stops: the entries it wrote for zebra are removed (its MAC/IP routes withdrawn)', 60000, async () => {
    const { hv: b } = vteps();
    const ours = async () => (JSON.parse((await sh(['ip', '-n', T.ns('pa'), '-j', 'neigh', 'show', 'dev', 'br0', 'nud', 'all'])).stdout) as
      Array<{ protocol?: string }>).filter((e) => e.protocol === '201').length;
    assert.ok(await ours() >= 1, 'entries written while running');
    await need().provider.stop();
    assert.equal(await ours(), 0);
    await waitFor('hv no longer has t1\'s MAC/IP route', 20000, async () => !(await routes(b)).includes(`[2]:[0]:[48]:[${MAC_T1}]:[32]:[${ADDR.t1}]`), 500);
  });
});
