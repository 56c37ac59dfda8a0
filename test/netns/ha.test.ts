// HA pair at the provider site (issue 14): keepalived in each member's namespace elects; the
// standby keeps its TAP out of the bridge and is silent on the WAN; kill -9 of the active's whole
// "VM" (every process, links down) mid-ping and mid-TCP: the other member takes over and
// forwarding resumes; the killed member comes back as standby (no preemption); planned handover;
// a failed-over host stays failed over across a takeover and its returning original is flagged.
// Every traffic generator is bounded in count and time; figures are printed, not asserted
// (scripts/bench-ha.ts measures the takeover time).
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR, MAC } from './lib/topology';
import { sleep, waitFor, run, runOk } from './lib/proc';
import { HaMember, HaSites, pairHaSites, pingGap } from './lib/ha';
import { neighbors, op } from './lib/failover';
import type { StatusSnapshot } from '../../src/ipc/status-types';

const S = NetnsSuite.create(__filename, 'ha');
const T = S.topo;
const it = S.it.bind(S);
let sites: HaSites | null = null;
const need = (): HaSites => { if (!sites) throw new Error('not paired (the first test failed)'); return sites; };
const log = (s: string) => process.stderr.write(`ha: ${s}\n`);

async function activeAndStandby(): Promise<{ active: HaMember; standby: HaMember }> {
  const { pa, pb } = need();
  const a = await pa.ha();
  return a.active ? { active: pa, standby: pb } : { active: pb, standby: pa };
}

/** The standby's contract: TAP out of the bridge and down, nothing sent on the WAN port. */
async function assertStandbySilent(m: HaMember): Promise<void> {
  const tap = await m.tapState();
  assert.ok(tap && !tap.inBridge && !tap.up, `${m.node}: standby TAP ${JSON.stringify(tap)}`);
  const s1 = await m.app.status();
  await sleep(1500);
  const s2 = await m.app.status();
  assert.equal(s2.totals.txDatagrams - s1.totals.txDatagrams, 0, `${m.node}: the standby sent on the WAN`);
  assert.equal(s2.peers.every((p) => p.state !== 'up'), true, `${m.node}: the standby has a session`);
}

/** 10 ms pings t1 -> p1 while `during` runs (started after `leadMs`). */
async function pingAcross(count: number, leadMs: number, during: () => Promise<unknown>) {
  const p = T.exec('t1', ['ping', '-n', '-i', '0.01', '-c', String(count), '-w', String(Math.ceil(count / 100) + 15), '-W', '1', ADDR.p1],
    { timeoutMs: (count / 100 + 25) * 1000 });
  await sleep(leadMs);
  await during();
  const r = await p;
  return pingGap(r.stdout + r.stderr);
}

describe('ha: active/standby pair at the provider site', () => {
  before(() => S.setup({}, ['keepalived', 'iperf3']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  it('pair: pa active, pb standby with the replicated table; the standby is silent and out of the bridge', 150000, async () => {
    sites = await pairHaSites(S);
    const { pa, pb, tenant } = sites;
    for (const h of ['t1', 't2'] as const) await T.ping(h, ADDR.p1, { count: 2, intervalS: 0.2, deadlineS: 5 });
    await waitFor('pb holds the active\'s table with t1, t2 and p1', 15000, async () => (await pb.ha()).table.hosts >= 3);
    const a = await pa.ha();
    const b = await pb.ha();
    assert.equal(a.role, 'master');
    assert.equal(a.peerMember?.member, 'pb');
    assert.equal(a.peerMember?.alive, true);
    assert.equal(b.peerMember?.active, true);
    assert.equal(a.lastTakeover?.reason, 'start');
    assert.deepEqual(await pa.tapState(), { inBridge: true, up: true });
    await assertStandbySilent(pb);
    const ts = await tenant.status();
    assert.equal(ts.peers[0].state, 'up');
    const text = await pa.app.cliOk(['status', '--config', pa.app.dir]);
    assert.match(text.stdout, /ha: member pa, ACTIVE \(keepalived: master/);
    assert.match(text.stdout, /peer member: pb at 198\.19\.30\.3:19481, standby/);
    const snap = JSON.parse((await pb.app.cliOk(['status', '--config', pb.app.dir, '--json'])).stdout) as StatusSnapshot;
    assert.equal(snap.ha?.active, false);
  });

  it('kill -9 of the active mid-ping: the standby takes over, forwarding resumes, no duplicate', 120000, async () => {
    const { active, standby } = await activeAndStandby();
    let killedAt = 0;
    const g = await pingAcross(1000, 2000, async () => { killedAt = await active.kill(); });
    const h = await standby.waitRole(true, 15000);
    log(`kill -9 ${active.node} mid-ping: ${g.received}/${g.sent} replies, longest gap ${g.maxGapMs} ms, ${g.dups} duplicates; ` +
      `takeover reason ${h.lastTakeover?.reason}, ${h.lastTakeover?.restoredHosts} hosts restored`);
    assert.ok(killedAt > 0);
    assert.equal(g.dups, 0);
    assert.equal(h.lastTakeover?.reason, 'peer-silent');
    assert.ok((h.lastTakeover?.restoredHosts ?? 0) >= 3, 'the replicated table was restored');
    assert.ok(g.received > 0 && g.sent - g.received < g.sent / 2, `forwarding did not resume: ${g.received}/${g.sent}`);
    // the last 100 pings (1 s) all answered: forwarding resumed
    const tail = g.raw.split('\n').filter((l) => /icmp_seq=(\d+)/.test(l) && Number(/icmp_seq=(\d+)/.exec(l)![1]) > g.sent - 100);
    assert.ok(tail.length >= 95, `only ${tail.length} of the last 100 pings answered`);
    assert.deepEqual(await standby.tapState(), { inBridge: true, up: true });
  });

  it('the killed member comes back as standby: no preemption, the active stays', 120000, async () => {
    const { pa, pb } = need();
    const dead = (await pa.ha().catch(() => null)) === null ? pa : pb;
    const alive = dead === pa ? pb : pa;
    await dead.revive();
    const d = await dead.waitRole(false, 20000);
    assert.equal(d.peerMember?.active, true);
    await sleep(3000);
    const a = await alive.ha();
    assert.equal(a.active, true, 'the active kept its role');
    assert.equal((await dead.ha()).active, false);
    await assertStandbySilent(dead);
    await waitFor('the returning member holds the table again', 15000, async () => (await dead.ha()).table.hosts >= 3);
  });

  it('kill -9 of the active mid-TCP: the connection survives the takeover', 150000, async () => {
    const { active, standby } = await activeAndStandby();
    const iperf = T.iperf3('t1', 'p1', ADDR.p1, 12, S.work, ['-b', '20M']);
    await sleep(4000);
    await active.kill();
    const r = await iperf;
    const h = await standby.waitRole(true, 15000);
    log(`kill -9 ${active.node} mid-TCP: iperf3 exit ${r.exitCode}, ${(r.receivedBytes / 1e6).toFixed(1)} MB received, ${r.retransmits} retransmits`);
    assert.equal(r.exitCode, 0);
    assert.ok(r.receivedBytes > 0);
    assert.equal(h.active, true);
    await active.revive();
    await active.waitRole(false, 20000);
  });

  it('planned handover: the active leaves first, the other takes over, no duplicate', 120000, async () => {
    const { active, standby } = await activeAndStandby();
    await waitFor('the standby is ready (table, peer alive)', 15000, async () => {
      const s = await standby.ha();
      return s.table.hosts >= 3 && s.peerMember?.alive === true && s.steppedDown === null;
    });
    const g = await pingAcross(600, 1500, async () => {
      await active.app.cliOk(['ha', 'handover', '--config', active.app.dir]);
      const tap = await active.tapState();
      assert.ok(tap && !tap.inBridge && !tap.up, 'the old active left the bridge when the command returned');
    });
    const h = await standby.waitRole(true, 15000);
    log(`planned handover ${active.node} -> ${standby.node}: ${g.received}/${g.sent} replies, longest gap ${g.maxGapMs} ms, ` +
      `${g.dups} duplicates; reason ${h.lastTakeover?.reason}`);
    assert.equal(g.dups, 0);
    assert.ok(h.lastTakeover?.reason === 'peer-standby' || h.lastTakeover?.reason === 'peer-inactive', String(h.lastTakeover?.reason));
    await active.waitRole(false, 20000);
  });

  it('split: VRRP between the members blocked, both MASTER: one steps down, never two TAPs in a bridge', 120000, async () => {
    const { pa, pb } = need();
    const P = S.prefix;
    // VRRP (IP protocol 112) dropped on the WAN bridge: each keepalived thinks the other is gone
    await runOk(['ip', 'netns', 'exec', `${P}-wan`, 'nft', '-f', '-'], { timeoutMs: 5000,
      input: 'table bridge bhhasplit {\n chain vrrpdrop {\n  type filter hook forward priority 0; policy accept;\n  ip protocol 112 drop\n }\n}\n' });
    try {
      const deadline = Date.now() + 8000;
      let bothMaster = false;
      let bothInBridge = 0;
      while (Date.now() < deadline) {
        const [a, b] = await Promise.all([pa.ha(), pb.ha()]);
        if (a.role === 'master' && b.role === 'master') bothMaster = true;
        const [ta, tb] = await Promise.all([pa.tapState(), pb.tapState()]);
        if (ta?.inBridge && tb?.inBridge) bothInBridge++;
        await sleep(200);
      }
      const [a, b] = await Promise.all([pa.ha(), pb.ha()]);
      log(`split: keepalived both MASTER seen: ${bothMaster}; samples with both TAPs in a bridge: ${bothInBridge}; ` +
        `pa ${a.role}/${a.active ? 'active' : 'standby'} splits ${a.counters.splits}, pb ${b.role}/${b.active ? 'active' : 'standby'} splits ${b.counters.splits}`);
      assert.ok(bothMaster, 'the blocked VRRP made both members MASTER (the split happened)');
      assert.equal([a.active, b.active].filter(Boolean).length, 1, 'exactly one member active');
      assert.equal(bothInBridge, 0, 'never both TAPs in their bridges');
    } finally {
      await run(['ip', 'netns', 'exec', `${P}-wan`, 'nft', 'delete', 'table', 'bridge', 'bhhasplit'], { timeoutMs: 5000 });
    }
    await waitFor('keepalived agrees again (one MASTER, one BACKUP)', 20000, async () => {
      const [a, b] = await Promise.all([pa.ha(), pb.ha()]);
      return [a.role, b.role].sort().join() === 'backup,master' && a.active !== b.active;
    });
    await T.waitForPing('t1', ADDR.p1, 15000);
  });

  it('a failed-over host stays failed over across a takeover; its returning original is flagged', 180000, async () => {
    const { tenant } = need();
    const { active, standby } = await activeAndStandby();
    const P = S.prefix;
    // t1 fails over: its original goes down at the tenant, its replica (same IP and MAC) boots at the provider
    await runOk(['ip', '-n', `${P}-t1`, 'link', 'set', 'eth0', 'down'], { timeoutMs: 5000 });
    const r = await op(tenant, ['failover', ADDR.t1, '--force']);
    assert.equal(r.code, 0, JSON.stringify(r.result));
    const rep = `${P}-r1`;
    await run(['ip', 'netns', 'del', rep], { timeoutMs: 5000 });
    await runOk(['ip', 'netns', 'add', rep], { timeoutMs: 5000 });
    await runOk(['ip', '-n', `${P}-psw`, 'link', 'add', 'r1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', rep], { timeoutMs: 5000 });
    await runOk(['ip', '-n', rep, 'link', 'set', 'eth0', 'address', MAC.t1], { timeoutMs: 5000 });
    await runOk(['ip', '-n', rep, 'addr', 'add', `${ADDR.t1}/24`, 'dev', 'eth0'], { timeoutMs: 5000 });
    await runOk(['ip', '-n', rep, 'link', 'set', 'eth0', 'up'], { timeoutMs: 5000 });
    await runOk(['ip', '-n', `${P}-psw`, 'link', 'set', 'r1', 'master', 'sw'], { timeoutMs: 5000 });
    await runOk(['ip', '-n', `${P}-psw`, 'link', 'set', 'r1', 'up'], { timeoutMs: 5000 });
    await T.waitForPing('t2', ADDR.t1, 15000);
    const before = (await neighbors(active.app)).entries.find((e) => e.ip === ADDR.t1);
    assert.equal(before?.site, 'provider');
    await waitFor('the standby\'s table has t1 at the provider', 15000, async () => {
      const h = await standby.ha();
      return h.table.version > 0 && h.table.hosts >= 3;
    });
    await sleep(1500); // the next table after the failover reaches the standby
    await active.kill();
    await standby.waitRole(true, 15000);
    const after = (await neighbors(standby.app)).entries.find((e) => e.ip === ADDR.t1);
    log(`t1 before the takeover on ${active.node}: ${JSON.stringify(before)}; after on ${standby.node}: ${JSON.stringify(after)}`);
    assert.equal(after?.site, 'provider', 'the failed-over host is still at the provider after the takeover');
    assert.equal(after?.seq, before?.seq);
    await T.waitForPing('t2', ADDR.t1, 15000);
    // the original returns at the tenant and announces itself
    await runOk(['ip', '-n', `${P}-t1`, 'link', 'set', 'eth0', 'up'], { timeoutMs: 5000 });
    await T.exec('t1', ['arping', '-U', '-c', '2', '-w', '3', '-I', 'eth0', ADDR.t1], { timeoutMs: 10000 });
    await waitFor('the returning original is flagged as a conflict', 20000, async () => {
      const s = await tenant.status();
      const fo = s.failover as { conflicts?: Array<{ ip: string }> } | undefined;
      return fo?.conflicts?.some((c) => c.ip === ADDR.t1) ?? false;
    });
    await run(['ip', 'netns', 'del', rep], { timeoutMs: 5000 });
  });
});
