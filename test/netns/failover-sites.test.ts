// Partial failover with three named sites (issue 13 part 2, control plane), in a full mesh (every
// appliance paired with the other two; the data plane delivers a peer's frames to its TAP only):
//   site-a  tenant    PREFIX-ta (the standard tenant appliance, behind NAT), hosts t1, t2
//   site-b  tenant    PREFIX-sb (added here: WAN 198.18.3.4 on the WAN bridge), host b1 198.19.10.31
//   site-c  provider  PREFIX-pa (the standard provider appliance), host p1 and the replica r1
// t1 fails over from site-a to a replica at site-c (`failover --to site-c`, issued at site-a) and back
// (`failback --to site-a`, issued at the third site, site-b) while b1 pings it: b1's pings keep
// working, every site has the record at the new site with the same seq, site-b's tables point at the
// new site. Then a split brain between site-b and site-c (b1's IP and MAC live at both): detected,
// and reported naming site-b and site-c (pino error line, status --json failover.conflicts, status
// text, neighbors); site-a reports nothing. Pings and arpings are bounded in count and time.
// The same in the hub layout (issue 13: site-c the hub, `topology: hub`; site-a and site-b paired with
// it alone, so every frame and every failover record between them passes the hub): the same failover
// and failback, and a split brain between the two spokes site-a and site-b (b1's clone at site-a),
// reported at all three sites naming site-b and site-a. Second suite, prefix fohub.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { NetnsSuite } from './lib/suite';
import type { Topology } from './lib/topology';
import { ADDR, MAC, parsePing, type NodeName } from './lib/topology';
import { Appliance, PORT, patchConfig } from './lib/bridgehead';
import { runOk, sleep, waitFor } from './lib/proc';
import { attachToWanBridge } from './lib/wan-bridge';
import { addReplica, failoverStatus, fdb, linkSet, neighbors, nsExec, op, removeReplica } from './lib/failover';

type Layout = 'mesh' | 'hub';
const SUITES: Record<Layout, NetnsSuite> = { mesh: NetnsSuite.create(__filename, 'fosites'), hub: NetnsSuite.create(__filename, 'fohub') };
// the suite of the variant running (the variants run one after the other)
let S: NetnsSuite = SUITES.mesh;
let T: Topology = S.topo;
const SB_WAN = '198.18.3.4';
const B1 = '198.19.10.31';
const B1_MAC = '02:00:00:00:10:31';
const SITE = { a: 'site-a', b: 'site-b', c: 'site-c' } as const;
const sh = (argv: string[]) => runOk(argv, { timeoutMs: 10000 });
interface Mesh { a: Appliance; b: Appliance; c: Appliance }
let mesh: Mesh | null = null;
const need = (): Mesh => { if (!mesh) throw new Error('mesh not up (the first test failed)'); return mesh; };
const SB = 'sb' as NodeName;
const B1N = 'b1' as NodeName;

/** site-b: an appliance namespace on the WAN bridge (next to pa) with a LAN bridge and host b1. */
async function addSiteB(): Promise<void> {
  const n = (x: string) => `${S.prefix}-${x}`;
  for (const x of ['sb', 'b1']) {
    await sh(['ip', 'netns', 'add', n(x)]);
    await sh(['ip', '-n', n(x), 'link', 'set', 'lo', 'up']);
  }
  await sh(['ip', 'netns', 'exec', n('sb'), 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  await attachToWanBridge(S.prefix, 'sb', SB_WAN);
  await sh(['ip', '-n', n('sb'), 'link', 'add', 'br0', 'address', '02:00:00:00:0a:04', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
  await sh(['ip', '-n', n('sb'), 'link', 'set', 'br0', 'up']);
  await sh(['ip', '-n', n('sb'), 'link', 'add', 'b1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n('b1')]);
  await sh(['ip', '-n', n('sb'), 'link', 'set', 'b1', 'master', 'br0']);
  await sh(['ip', '-n', n('sb'), 'link', 'set', 'b1', 'up']);
  await sh(['ip', '-n', n('b1'), 'link', 'set', 'eth0', 'address', B1_MAC]);
  await sh(['ip', '-n', n('b1'), 'addr', 'add', `${B1}/24`, 'dev', 'eth0']);
  await sh(['ip', '-n', n('b1'), 'link', 'set', 'eth0', 'up']);
}

function failoverOn(a: Appliance, siteName: string): void {
  patchConfig(a, (c) => { c.failover = { ...c.failover, siteName, learnPrefixes: ['198.19.10.0/24'] }; });
}

/** The record of ip at an appliance: site and seq from `neighbors --json`. */
async function recordAt(a: Appliance, ip: string): Promise<{ site: string; seq: number } | null> {
  const e = (await neighbors(a)).entries.find((x) => x.ip === ip);
  return e ? { site: e.site, seq: e.seq } : null;
}

async function allAt(ip: string, site: string): Promise<boolean> {
  const { a, b, c } = need();
  const r = await Promise.all([a, b, c].map((x) => recordAt(x, ip)));
  return r.every((x) => x?.site === site) && new Set(r.map((x) => x?.seq)).size === 1;
}

/** b1 pings ip (bounded) in the background; returns a function that waits for it and parses. */
function pingFromB1(ip: string, tag: string): () => Promise<{ lost: number; sent: number; raw: string }> {
  const log = S.logFile(`ping-${tag}.txt`);
  const p = S.track(T.spawn(B1N, `ping-${tag}`, ['ping', '-n', '-i', '0.02', '-c', '600', '-w', '20', ip], log));
  return async () => {
    await p.waitExit(25000);
    const pr = parsePing(fs.readFileSync(log, 'utf8'));
    return { lost: pr.transmitted - pr.received, sent: pr.transmitted, raw: pr.raw.slice(-300) };
  };
}

for (const layout of ['mesh', 'hub'] as const) {
const hub = layout === 'hub';
const it = SUITES[layout].it.bind(SUITES[layout]);
describe(hub ? 'failover with three named sites (hub site-c): failover A -> C and back, split brain between the spokes A and B'
  : 'failover with three named sites (full mesh): failover A -> C and back, split brain B vs C', () => {
  before(() => { mesh = null; S = SUITES[layout]; T = S.topo; return S.setup({}, ['arping']); }, { timeout: 90000 });
  after(() => SUITES[layout].teardown(), { timeout: 90000 });

  it(`three appliances paired (${layout}) with named sites; every site has every host at its site`, 180000, async () => {
    await addSiteB();
    const c = new Appliance(S, 'pa', SITE.c);
    const b = new Appliance(S, SB, SITE.b);
    const a = new Appliance(S, 'ta', SITE.a);
    await c.init(['--listen', `${ADDR.pa}:${PORT}`, '--endpoint', `${ADDR.pa}:${PORT}`, '--tap', 'bh0', '--bridge', 'br0', '--site', 'provider',
      ...(hub ? ['--topology', 'hub'] : [])]);
    await b.init(['--listen', `${SB_WAN}:${PORT}`, '--endpoint', `${SB_WAN}:${PORT}`, '--tap', 'bh0', '--bridge', 'br0', '--site', 'tenant']);
    await a.init(['--listen', `0.0.0.0:${PORT}`, '--tap', 'bh0', '--bridge', 'br0', '--site', 'tenant']);
    failoverOn(a, SITE.a);
    failoverOn(b, SITE.b);
    failoverOn(c, SITE.c);
    const cForB = await c.invite();
    const cForA = await c.invite();
    const bForA = hub ? null : await b.invite(); // hub: the spokes are not paired with each other
    c.start();
    await c.waitReady();
    await b.join(cForB);
    b.start();
    await b.waitReady();
    await a.join(cForA);
    if (bForA) await a.join(bForA);
    a.start();
    await a.waitReady();
    mesh = { a, b, c };
    await T.waitForPing('t1', ADDR.p1, 30000);
    await T.waitForPing(B1N, ADDR.t1, 30000);
    await T.waitForPing(B1N, ADDR.p1, 30000);
    await waitFor('every site has t1 at site-a, b1 at site-b, p1 at site-c', 30000, async () =>
      (await allAt(ADDR.t1, SITE.a)) && (await allAt(B1, SITE.b)) && (await allAt(ADDR.p1, SITE.c)));
    for (const [x, name, role] of [[a, SITE.a, 'tenant'], [b, SITE.b, 'tenant'], [c, SITE.c, 'provider']] as const) {
      const st = await failoverStatus(x);
      assert.equal(st.site, name);
      assert.equal(st.role, role);
      const peers = [SITE.a, SITE.b, SITE.c].filter((s) => s !== name && (!hub || s === SITE.c || name === SITE.c));
      assert.deepEqual(st.peers.map((p) => p.peerSite).sort(), peers, `${name}: its peers`);
      assert.ok(st.peers.every((p) => p.up && !p.siteMismatch), JSON.stringify(st.peers));
    }
  });

  it('failover of t1 from site-a to site-c (--to, issued at site-a) and back (issued at site-b) while b1 pings it', 150000, async () => {
    const { a, b, c } = need();
    const before = (await recordAt(b, ADDR.t1))!.seq;
    const replica = await addReplica(S, ADDR.t1, MAC.t1); // at site-c (pa's br0), link down
    try {
      let done = pingFromB1(ADDR.t1, 'failover');
      await sleep(2000);
      await linkSet(T.ns('t1'), 'eth0', 'down');
      const fo = await op(a, ['failover', ADDR.t1, '--to', SITE.c]);
      await linkSet(replica, 'eth0', 'up');
      assert.equal(fo.code, 0, JSON.stringify(fo.result));
      assert.deepEqual([fo.result.items[0].outcome, fo.result.items[0].from, fo.result.items[0].to], ['moved', SITE.a, SITE.c]);
      assert.deepEqual(fo.result.items[0].probe && [fo.result.items[0].probe.lan, fo.result.items[0].probe.result], [SITE.a, 'silent'],
        'probed at the site it was on record at');
      let r = await done();
      process.stdout.write(`# failover A -> C under ping from b1 (-i 0.02): ${r.lost} of ${r.sent} lost\n`);
      assert.ok(r.sent >= 500 && r.lost <= 100, `${r.lost} of ${r.sent} lost\n${r.raw}`);
      await waitFor('every site has t1 at site-c with one seq', 10000, () => allAt(ADDR.t1, SITE.c));
      assert.ok((await recordAt(b, ADDR.t1))!.seq > before, 'the move bumped the seq');
      // site-b (the third site) points t1 at site-c: neighbor table, MAC table; b1's ARP cache has t1's MAC
      // (hub: site-b's MAC table points every remote MAC at the hub site-c; its neighbor table names the site)
      const fb0 = (await fdb(b)).entries.find((e) => e.mac === MAC.t1);
      assert.equal(fb0?.site, SITE.c, JSON.stringify(fb0));
      assert.equal(await T.neighMac(B1N, ADDR.t1), MAC.t1);
      // a fresh ARP from b1 is answered (site-b's proxy, for t1 now at site-c) with t1's MAC
      await T.flushNeigh(B1N);
      assert.equal((await T.ping(B1N, ADDR.t1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3);
      assert.equal(await T.neighMac(B1N, ADDR.t1), MAC.t1);
      assert.equal((await T.ping('p1', ADDR.t1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3, 'p1 reaches the replica locally');

      // back to site-a, issued at site-b
      const seqC = (await recordAt(b, ADDR.t1))!.seq;
      done = pingFromB1(ADDR.t1, 'failback');
      await sleep(2000);
      await linkSet(replica, 'eth0', 'down');
      const fb = await op(b, ['failback', ADDR.t1, '--to', SITE.a]);
      await linkSet(T.ns('t1'), 'eth0', 'up');
      assert.equal(fb.code, 0, JSON.stringify(fb.result));
      assert.deepEqual([fb.result.items[0].outcome, fb.result.items[0].from, fb.result.items[0].to], ['moved', SITE.c, SITE.a]);
      assert.equal(fb.result.items[0].probe?.lan, SITE.c, 'probed at site-c, where it was on record');
      r = await done();
      process.stdout.write(`# failback C -> A (issued at B) under ping from b1: ${r.lost} of ${r.sent} lost\n`);
      assert.ok(r.sent >= 500 && r.lost <= 100, `${r.lost} of ${r.sent} lost\n${r.raw}`);
      await waitFor('every site has t1 at site-a with one seq', 10000, () => allAt(ADDR.t1, SITE.a));
      assert.ok((await recordAt(c, ADDR.t1))!.seq > seqC);
      await waitFor("site-b's MAC table points t1 at site-a (hub: at the hub)", 10000, async () =>
        (await fdb(b)).entries.find((e) => e.mac === MAC.t1)?.site === (hub ? SITE.c : SITE.a));
      // a fresh ARP from b1 for t1 (back at site-a; hub: reached through site-c) is answered with t1's MAC
      await T.flushNeigh(B1N);
      assert.equal((await T.ping(B1N, ADDR.t1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3);
      assert.equal(await T.neighMac(B1N, ADDR.t1), MAC.t1);
      for (const x of [a, b, c]) assert.deepEqual((await failoverStatus(x)).conflicts, [], `${x.name}: no conflict`);
    } finally {
      await linkSet(T.ns('t1'), 'eth0', 'up').catch(() => undefined);
      await removeReplica(S);
    }
  });

  // mesh: b1's clone at site-c; hub: at site-a, the other spoke (the only path between them is the hub)
  const SEEN = hub ? SITE.a : SITE.c;
  it(`split brain between site-b and ${SEEN} (b1 live at both): detected and reported naming site-b and ${SEEN}`, 90000, async () => {
    const { a, b, c } = need();
    await T.ping(B1N, ADDR.p1, { count: 2, intervalS: 0.2, deadlineS: 5 });
    const replica = await addReplica(S, B1, B1_MAC, hub ? 'ta' : 'pa'); // a clone of b1
    try {
      await linkSet(replica, 'eth0', 'up');
      await nsExec(replica, ['arping', '-U', '-c', '2', '-W', '0.3', '-w', '3', '-i', 'eth0', B1], 8000);
      // mesh: site-b and site-c; hub: the two spokes and the hub that passed the report on
      const reporters = hub ? [a, b, c] : [b, c];
      await waitFor(`${reporters.map((x) => x.name).join(', ')} report the conflict`, 15000, async () =>
        (await Promise.all(reporters.map((x) => failoverStatus(x)))).every((st) => st.conflicts.length === 1));
      for (const x of reporters) {
        const st = await failoverStatus(x);
        const k = st.conflicts[0];
        assert.equal(k.ip, B1);
        assert.equal(k.reason, 'still-answers', JSON.stringify(k));
        assert.deepEqual(k.sites, [SITE.b, SEEN], `${x.name}: the site on record and the site of the new sighting`);
        assert.deepEqual(k.macs, { [SITE.b]: B1_MAC, [SEEN]: B1_MAC });
        const peerName = x === b ? SEEN : SITE.b;
        assert.equal(k.peer, peerName, 'the metrics label: the peer involved (bounded by the peers)');
        const lines = fs.readFileSync(x.logFile, 'utf8').split('\n').filter((l) => l.includes('"level":50') && l.includes(B1));
        assert.equal(lines.length, 1, lines.join('\n'));
        assert.ok(lines[0].includes(`"siteOnRecord":"site-b","siteSeen":"${SEEN}"`), lines[0]);
        assert.ok(lines[0].includes(`between sites site-b and ${SEEN}`), lines[0]);
        const text = await x.cliOk(['status', '--config', x.dir]);
        assert.ok(text.stdout.includes(`198.19.10.31: still-answers (site-b 02:00:00:00:10:31 on record, ${SEEN} 02:00:00:00:10:31 seen)`), text.stdout);
        assert.equal((await neighbors(x)).entries.find((e) => e.ip === B1)?.conflict, 'still-answers');
      }
      if (!hub) {
        assert.deepEqual((await failoverStatus(a)).conflicts, [], 'site-a is not involved');
        assert.equal((await recordAt(a, B1))?.site, SITE.b, 'site-a keeps b1 at site-b');
      } else {
        assert.ok((await failoverStatus(c)).counters.conflictsPassedOn >= 1, 'the hub passed the report on');
      }
    } finally {
      await removeReplica(S);
    }
  });
});
}
