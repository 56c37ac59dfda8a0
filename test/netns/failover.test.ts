// Partial failover end to end (issue 3), two sites with a 20 ms one-way WAN delay (user-space WAN
// emulator): ARP and IPv6 NS for a host at the other site answered locally by the appliance (not
// across the WAN), DAD never proxied; failover and failback of t1 to a replica at the provider
// site (same IP and MAC) under a 10 ms ping; split brain (another MAC claims t1's IP) with
// quarantine and resolve. Everything bounded in count and time.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { NetnsSuite } from './lib/suite';
import { ADDR, MAC, parsePing } from './lib/topology';
import { Sites } from './lib/bridgehead';
import { Background, sleep, waitFor } from './lib/proc';
import {
  addReplica, bridgePortOf, failoverStatus, linkSet, neighbors, nsExec, op, pairFailoverSites, removeReplica,
} from './lib/failover';

const S = NetnsSuite.create(__filename, 'failover');
const T = S.topo;
const it = S.it.bind(S);
const ONE_WAY_MS = 20;
const P1_V6 = 'fe80::ff:fe00:1021'; // EUI-64 link-local of p1 (02:00:00:00:10:21)
const OTHER_MAC = '02:00:00:00:10:99';
const FLAP_WINDOW_S = 20; // short, so that the flapping test starts with an empty move history
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (the first test failed)'); return sites; };

const hostSite = async (a: Sites['tenant'], ip: string): Promise<string | null> =>
  (await neighbors(a)).entries.find((e) => e.ip === ip)?.site ?? null;

describe('failover: proxy ARP/ND, failover/failback, split brain', () => {
  before(() => S.setup({ WAN_EMU: true, WAN_EMU_ARGS: `--delay-ms ${ONE_WAY_MS} --seed 3` }, ['arping', 'ndisc6', 'tcpdump']),
    { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  it('pair with failover on (init --site); hosts are learned and shared', 120000, async () => {
    sites = await pairFailoverSites(S, { learnPrefixes: ['198.19.10.0/24'], flapWindowS: FLAP_WINDOW_S });
    const { tenant, provider } = sites;
    for (const h of ['t1', 't2'] as const) await T.ping(h, ADDR.p1, { count: 2, intervalS: 0.2, deadlineS: 5 });
    await waitFor('tenant knows p1 at the provider site, provider knows t1 at the tenant site', 15000, async () =>
      (await hostSite(tenant, ADDR.p1)) === 'provider' && (await hostSite(provider, ADDR.t1)) === 'tenant');
    const [ts, ps] = await Promise.all([failoverStatus(tenant), failoverStatus(provider)]);
    assert.equal(ts.site, 'tenant');
    assert.equal(ps.site, 'provider');
    assert.equal(ts.peers[0].up, true);
    assert.equal(ts.peers[0].siteMismatch, false);
    const n = (await neighbors(tenant)).entries.find((e) => e.ip === ADDR.p1);
    assert.equal(n?.mac, MAC.p1);
  });

  it('ARP for p1 from t1 is answered by the tenant appliance: fast, right MAC, nothing crosses', 60000, async () => {
    const { tenant, provider } = need();
    await T.flushNeigh('t1');
    const before = (await failoverStatus(tenant)).dataPlane?.arpProxied ?? 0;
    const cap = T.spawn('pa', 'tcpdump-arp', ['timeout', '8', 'tcpdump', '-n', '-l', '-i', 'p1', '-c', '50', 'arp'],
      S.logFile('pa-p1-arp.txt'));
    S.track(cap);
    await sleep(1000);
    const a = await T.exec('t1', ['arping', '-c', '3', '-W', '0.3', '-w', '5', '-i', 'eth0', ADDR.p1], { timeoutMs: 10000 });
    const replies = [...a.stdout.matchAll(/bytes from ([0-9a-f:]{17}) \(([\d.]+)\): index=\d+ time=([\d.]+) (usec|msec)/g)];
    assert.ok(replies.length >= 3, `arping: ${replies.length} replies\n${a.stdout}${a.stderr}`);
    const times = replies.map((r) => Number(r[3]) / (r[4] === 'usec' ? 1000 : 1));
    for (const r of replies) assert.deepEqual([r[1], r[2]], [MAC.p1, ADDR.p1]);
    assert.ok(Math.max(...times) < ONE_WAY_MS, `replies in ${times.join(', ')} ms: answered locally, not across the ${2 * ONE_WAY_MS} ms WAN`);
    process.stdout.write(`# arping t1 -> p1 answered locally in ${times.map((t) => t.toFixed(3)).join(', ')} ms (WAN RTT >= ${2 * ONE_WAY_MS} ms)\n`);
    await cap.stop('SIGTERM', 3000);
    const seenAtP1 = fs.readFileSync(S.logFile('pa-p1-arp.txt'), 'utf8').split('\n')
      .filter((l) => l.includes(`who-has ${ADDR.p1} tell ${ADDR.t1}`));
    assert.equal(seenAtP1.length, 0, `t1's ARP requests reached the provider LAN:\n${seenAtP1.join('\n')}`);
    const after = (await failoverStatus(tenant)).dataPlane?.arpProxied ?? 0;
    assert.ok(after - before >= 3, `arpProxied ${before} -> ${after}`);
    void provider;
  });

  it('IPv6: ping -6 across; NS for p1 answered locally (ndProxied); a DAD NS crosses and is not answered by the appliance', 60000, async () => {
    const { tenant } = need();
    const p = await T.exec('t1', ['ping', '-6', '-n', '-c', '3', '-i', '0.2', '-w', '5', `${P1_V6}%eth0`], { timeoutMs: 10000 });
    assert.equal(parsePing(p.stdout).received, 3, p.stdout + p.stderr);
    await waitFor('tenant knows p1 (IPv6) at the provider', 10000, async () => (await hostSite(tenant, P1_V6)) === 'provider');
    const nd0 = (await failoverStatus(tenant)).dataPlane?.ndProxied ?? 0;
    const n = await T.exec('t1', ['ndisc6', '-1', '-r', '3', '-w', '500', P1_V6, 'eth0'], { timeoutMs: 10000 });
    assert.match(n.stdout, /Target link-layer address: 02:00:00:00:10:21/i, n.stdout + n.stderr);
    const nd1 = (await failoverStatus(tenant)).dataPlane?.ndProxied ?? 0;
    assert.ok(nd1 > nd0, `ndProxied ${nd0} -> ${nd1}`);
    // DAD: t2 tries p1's link-local address; the real p1 (across the tunnel) defends it.
    await T.execOk('t2', ['sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=1']);
    await T.execOk('t2', ['ip', '-6', 'addr', 'add', `${P1_V6}/64`, 'dev', 'eth0']);
    try {
      await waitFor('t2 sees the DAD of p1 fail (the NS crossed to p1)', 10000, async () => {
        const r = await T.execOk('t2', ['ip', '-6', 'addr', 'show', 'dev', 'eth0']);
        return new RegExp(`${P1_V6}/64 .*dadfailed`).test(r.stdout.replace(/\n\s+/g, ' '));
      });
      const nd2 = (await failoverStatus(tenant)).dataPlane?.ndProxied ?? 0;
      assert.equal(nd2, nd1, 'the appliance did not answer the DAD NS');
    } finally {
      await T.exec('t2', ['ip', '-6', 'addr', 'del', `${P1_V6}/64`, 'dev', 'eth0']);
      await T.exec('t2', ['sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0']);
    }
  });

  it('failover --check, then failover of t1 to a replica (same IP and MAC) under a 10 ms ping; then failback', 120000, async () => {
    const { tenant, provider } = need();
    const replica = await addReplica(S, ADDR.t1, MAC.t1);
    try {
      const alive = await op(tenant, ['failover', ADDR.t1, '--check']);
      assert.equal(alive.code, 1, JSON.stringify(alive.result));
      assert.equal(alive.result.items[0].reason, 'still-answers');
      assert.equal(alive.result.items[0].probe?.mac, MAC.t1);

      const pingLog = S.logFile('ping-failover.txt');
      const ping = S.track(T.spawn('t2', 'ping', ['ping', '-n', '-i', '0.01', '-c', '800', '-w', '20', ADDR.t1], pingLog));
      await sleep(2000);
      // the DR sequence: the original is gone, the network fails over, the replica is powered on
      // (it announces itself when its link comes up; a replica that boots first: the next tests)
      await linkSet(T.ns('t1'), 'eth0', 'down');
      const fo = await op(tenant, ['failover', ADDR.t1]);
      await linkSet(replica, 'eth0', 'up');
      assert.equal(fo.code, 0, JSON.stringify(fo.result));
      assert.deepEqual([fo.result.items[0].outcome, fo.result.items[0].from, fo.result.items[0].to], ['moved', 'tenant', 'provider']);
      assert.equal(fo.result.items[0].probe?.result, 'silent');
      await ping.waitExit(25000);
      const pr = parsePing(fs.readFileSync(pingLog, 'utf8'));
      const lost = pr.transmitted - pr.received;
      process.stdout.write(`# failover under ping -i 0.01: ${lost} of ${pr.transmitted} lost (failover command took ${fo.ms} ms incl. the 0.35 s probe)\n`);
      assert.ok(pr.transmitted >= 700, pr.raw.slice(-300));
      assert.ok(lost <= 100, `${lost} pings lost\n${pr.raw.slice(-300)}`);
      assert.equal(await hostSite(tenant, ADDR.t1), 'provider');
      assert.equal(await hostSite(provider, ADDR.t1), 'provider');
      assert.equal(await T.neighMac('t2', ADDR.t1), MAC.t1);
      assert.equal(await bridgePortOf(T.ns('ta'), MAC.t1), 'bh0', "tenant br0 points t1's MAC at the tunnel");
      const p1 = await T.ping('p1', ADDR.t1, { count: 3, intervalS: 0.2, deadlineS: 5 });
      assert.equal(p1.received, 3, 'p1 reaches the replica locally');

      // failback: replica down, t1 up again, `failback` on the provider appliance
      const pingLog2 = S.logFile('ping-failback.txt');
      const ping2 = S.track(T.spawn('t2', 'ping', ['ping', '-n', '-i', '0.01', '-c', '800', '-w', '20', ADDR.t1], pingLog2));
      await sleep(2000);
      await linkSet(replica, 'eth0', 'down');
      const fb = await op(provider, ['failback', ADDR.t1]);
      await linkSet(T.ns('t1'), 'eth0', 'up');
      assert.equal(fb.code, 0, JSON.stringify(fb.result));
      assert.deepEqual([fb.result.items[0].outcome, fb.result.items[0].to], ['moved', 'tenant']);
      await ping2.waitExit(25000);
      const pr2 = parsePing(fs.readFileSync(pingLog2, 'utf8'));
      const lost2 = pr2.transmitted - pr2.received;
      process.stdout.write(`# failback under ping -i 0.01: ${lost2} of ${pr2.transmitted} lost (command ${fb.ms} ms)\n`);
      assert.ok(lost2 <= 100, `${lost2} pings lost\n${pr2.raw.slice(-300)}`);
      assert.equal(await hostSite(tenant, ADDR.t1), 'tenant');
      assert.equal(await bridgePortOf(T.ns('pa'), MAC.t1), 'bh0', "provider br0 points t1's MAC at the tunnel again");
      const ts = await failoverStatus(tenant);
      assert.ok((ts.counters.failovers ?? 0) >= 1);
    } finally {
      await linkSet(T.ns('t1'), 'eth0', 'up').catch(() => undefined);
      await removeReplica(S);
    }
  });

  it('split brain: another MAC claims t1 at the provider -> conflict, quarantine (counted); resolve clears it', 90000, async () => {
    const { tenant, provider } = need();
    await T.ping('t2', ADDR.t1, { count: 2, intervalS: 0.2, deadlineS: 5 });
    const replica = await addReplica(S, ADDR.t1, OTHER_MAC);
    try {
      await linkSet(replica, 'eth0', 'up');
      await nsExec(replica, ['arping', '-c', '2', '-W', '0.2', '-w', '3', '-i', 'eth0', ADDR.p1], 8000);
      const ps = await waitFor('the provider reports the conflict', 10000, async () => {
        const s = await failoverStatus(provider);
        return s.conflicts.length > 0 ? s : null;
      });
      const c = ps.conflicts[0];
      assert.equal(c.ip, ADDR.t1);
      assert.equal(c.reason, 'ip-two-macs');
      assert.deepEqual(c.quarantined, { site: 'provider', mac: OTHER_MAC });
      const text = await provider.cliOk(['status', '--config', provider.dir]);
      assert.match(text.stdout, /conflicts:\n\s+198\.19\.10\.11: ip-two-macs/);
      // the quarantined copy's frames do not cross: counted
      await nsExec(replica, ['ping', '-n', '-c', '5', '-i', '0.2', '-w', '3', ADDR.t2], 8000);
      const q = (await failoverStatus(provider)).snap.drops.quarantined ?? 0;
      assert.ok(q > 0, `drops.quarantined = ${q}`);
      // t1 (the kept tenant copy) still works from the provider side
      assert.equal((await T.ping('p1', ADDR.t1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3);
      const failWhile = await op(provider, ['failover', ADDR.t1, '--force']);
      assert.equal(failWhile.result.items[0].reason, 'in-conflict');
      // the operator stops the wrong copy, then resolves (while it still speaks, it conflicts again)
      await linkSet(replica, 'eth0', 'down');
      const r = await op(provider, ['resolve', ADDR.t1, '--keep', 'tenant']);
      assert.equal(r.code, 0, JSON.stringify(r.result));
      await waitFor('conflict gone on both', 10000, async () =>
        (await failoverStatus(provider)).conflicts.length === 0 && (await failoverStatus(tenant)).conflicts.length === 0);
      assert.equal((await failoverStatus(provider)).dataPlane?.quarantinedMacs ?? 0, 0);
      // no neighbor keeps the wrong copy's MAC: the resolve re-announced the kept one on both LANs
      for (const h of ['t2', 'p1'] as const) {
        const m = await T.neighMac(h, ADDR.t1);
        assert.ok(m === null || m === MAC.t1, `${h} has ${m} for t1`);
      }
      assert.equal((await T.ping('t2', ADDR.t1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3);
    } finally {
      await removeReplica(S);
    }
  });

  it('a replica that boots at the provider and announces itself moves there without a command', 90000, async () => {
    const { tenant, provider } = need();
    await T.waitForPing('t2', ADDR.t1, 10000);
    const replica = await addReplica(S, ADDR.t1, MAC.t1);
    try {
      const pingLog = S.logFile('ping-boot.txt');
      const ping = S.track(T.spawn('t2', 'ping', ['ping', '-n', '-i', '0.01', '-c', '600', '-w', '15', ADDR.t1], pingLog));
      await sleep(2000);
      await linkSet(T.ns('t1'), 'eth0', 'down');
      await linkSet(replica, 'eth0', 'up');
      await nsExec(replica, ['arping', '-U', '-c', '1', '-w', '2', '-i', 'eth0', ADDR.t1], 5000);
      await ping.waitExit(20000);
      const pr = parsePing(fs.readFileSync(pingLog, 'utf8'));
      const lost = pr.transmitted - pr.received;
      process.stdout.write(`# replica boot (gratuitous ARP, no command) under ping -i 0.01: ${lost} of ${pr.transmitted} lost\n`);
      assert.ok(lost <= 100, `${lost} lost\n${pr.raw.slice(-300)}`);
      assert.equal(await hostSite(tenant, ADDR.t1), 'provider');
      assert.equal(await hostSite(provider, ADDR.t1), 'provider');
      assert.equal(await bridgePortOf(T.ns('ta'), MAC.t1), 'bh0');
    } finally {
      await removeReplica(S);
      await linkSet(T.ns('t1'), 'eth0', 'up').catch(() => undefined);
    }
    // back home: t1 announces itself at the tenant site
    await T.exec('t1', ['arping', '-U', '-c', '1', '-w', '2', '-i', 'eth0', ADDR.t1], { timeoutMs: 5000 });
    await waitFor('t1 back at the tenant site', 10000, async () => (await hostSite(tenant, ADDR.t1)) === 'tenant');
  });

  it('one MAC live at both sites: a conflict (verify on move), the provider copy cut; resolve --keep tenant', 120000, async () => {
    const { tenant, provider } = need();
    await sleep((FLAP_WINDOW_S + 1) * 1000); // the moves of the earlier tests leave the window
    const replica = await addReplica(S, ADDR.t1, MAC.t1);
    try {
      await linkSet(replica, 'eth0', 'up');
      const chatter = S.track(T.spawn('t1', 'ping-t1', ['ping', '-n', '-i', '0.2', '-c', '100', '-w', '20', ADDR.p1], S.logFile('ping-t1.txt')));
      const garps = S.track(new Background('garp-r1', ['ip', 'netns', 'exec', replica, 'arping', '-U', '-c', '40', '-W', '0.5',
        '-w', '20', '-i', 'eth0', ADDR.t1], S.logFile('garp-r1.txt')));
      const found = await waitFor('a conflict for t1 on one of the appliances', 25000, async () => {
        for (const a of [provider, tenant]) {
          const s = await failoverStatus(a);
          const c = s.conflicts.find((x) => x.ip === ADDR.t1);
          if (c) return { a, c };
        }
        return null;
      }, 500);
      await garps.stop('SIGTERM', 3000);
      await chatter.stop('SIGTERM', 3000);
      await linkSet(replica, 'eth0', 'down');
      process.stdout.write(`# same MAC at both sites: conflict ${found.c.reason} on the ${found.a.name} appliance, quarantined ${JSON.stringify(found.c.quarantined)}\n`);
      // t1 answers the provider's verification probe (via the tenant appliance): caught before any move
      assert.ok(['still-answers', 'flapping', 'equal-seq'].includes(found.c.reason), found.c.reason);
      assert.equal(found.c.quarantined?.site, 'provider');
      const r = await op(found.a, ['resolve', ADDR.t1, '--keep', 'tenant']);
      assert.equal(r.code, 0, JSON.stringify(r.result));
    } finally {
      await removeReplica(S);
    }
    await waitFor('conflicts gone on both', 15000, async () =>
      (await failoverStatus(provider)).conflicts.length === 0 && (await failoverStatus(tenant)).conflicts.length === 0);
    assert.equal((await T.ping('t2', ADDR.t1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3);
  });
});
