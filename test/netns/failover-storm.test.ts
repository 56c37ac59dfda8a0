// Loop and storm protection end to end (issue 3): a broadcast flood on the tenant LAN is capped on
// the WAN at the configured rate while a unicast TCP flow keeps its throughput (compared with a run
// without the flood in the same test), a BPDU never reaches the other site, and a flood of 100,000
// random source MACs leaves the MAC tables at their cap with the existing hosts reachable.
// Generator: scripts/l2-flood.js (libpcap send), bounded in count and time.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NetnsSuite } from './lib/suite';
import { ADDR, MAC } from './lib/topology';
import { Sites } from './lib/bridgehead';
import { NODE, REPO } from './lib/env';
import { sleep } from './lib/proc';
import { failoverStatus, pairFailoverSites } from './lib/failover';

const S = NetnsSuite.create(__filename, 'fostorm');
const T = S.topo;
const it = S.it.bind(S);
const FLOOD = path.join(REPO, 'scripts', 'l2-flood.js');
const BCAST_PPS = 500, BCAST_BURST = 500;
const FLOOD_PPS = 10000; // 20 x the cap
// The target is >= 90 % of the unicast throughput under the flood. Throughput is measured
// here and printed, but the assertion is only that the flood does not starve the flow (the house
// rule: no timed assertions; on a small shared VM the generator itself competes for the CPU).
const MIN_RATIO = 0.5;
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (the first test failed)'); return sites; };

function flood(node: 't1' | 't2', kind: string, count: number, pps: number, timeoutS: number, tag: string) {
  return S.track(T.spawn(node, tag, ['timeout', String(timeoutS + 5), NODE, FLOOD, '--dev', 'eth0', '--kind', kind,
    '--count', String(count), '--pps', String(pps), '--timeout', String(timeoutS)], S.logFile(`${tag}.log`)));
}

describe('failover-storm: storm control, BPDU filter, MAC flood', () => {
  before(() => S.setup({}, ['iperf3', 'tcpdump']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  it('pair with failover on and a low broadcast rate towards the tunnel', 120000, async () => {
    sites = await pairFailoverSites(S, { storm: { toTunnel: { broadcastPps: BCAST_PPS, broadcastBurst: BCAST_BURST } } });
  });

  it(`a broadcast flood from t1 is capped at ${BCAST_PPS}/s on the WAN; iperf3 t2 -> p1 keeps its throughput (printed)`, 120000, async () => {
    const { tenant } = need();
    const base = await T.iperf3('t2', 'p1', ADDR.p1, 4, S.work);
    const s0 = (await failoverStatus(tenant)).dataPlane!.storm.toTunnel.broadcast;
    const capLog = S.logFile('p1-flood-arp.txt');
    const cap = S.track(T.spawn('pa', 'tcpdump-flood', ['timeout', '14', 'tcpdump', '-n', '-l', '-i', 'p1', '-c', '200000',
      'arp and host 198.19.10.250'], capLog));
    await sleep(1000);
    const t0 = Date.now();
    const f = flood('t1', 'broadcast', FLOOD_PPS * 8, FLOOD_PPS, 8, 'flood-broadcast');
    const loaded = await T.iperf3('t2', 'p1', ADDR.p1, 4, S.work);
    await f.waitExit(15000);
    const secs = (Date.now() - t0) / 1000;
    await cap.stop('SIGTERM', 3000);
    const s1 = (await failoverStatus(tenant)).dataPlane!.storm.toTunnel.broadcast;
    const passed = s1.passed - s0.passed, dropped = s1.dropped - s0.dropped;
    const atP1 = fs.readFileSync(capLog, 'utf8').split('\n').filter((l) => l.includes('who-has 198.19.10.250')).length;
    const ratio = loaded.bitsPerSecond / base.bitsPerSecond;
    process.stdout.write(`# broadcast flood ${fs.readFileSync(S.logFile('flood-broadcast.log'), 'utf8').trim().split('\n').pop()}: ` +
      `passed ${passed}, dropped ${dropped} in ${secs.toFixed(1)} s; at p1 ${atP1}; iperf3 ${(base.bitsPerSecond / 1e6).toFixed(0)} -> ` +
      `${(loaded.bitsPerSecond / 1e6).toFixed(0)} Mbit/s (${(ratio * 100).toFixed(0)} %)\n`);
    assert.ok(dropped > 0, `storm drops ${dropped}`);
    assert.ok(passed <= BCAST_PPS * (secs + 1) + BCAST_BURST, `passed ${passed} in ${secs.toFixed(1)} s`);
    assert.ok(atP1 <= BCAST_PPS * (secs + 1) + BCAST_BURST, `${atP1} flood frames reached p1`);
    assert.ok(ratio >= MIN_RATIO, `iperf3 under the flood kept ${(ratio * 100).toFixed(0)} %`);
  });

  it('BPDUs from t1 never reach the provider site (dropped as l2_stp)', 60000, async () => {
    const { tenant } = need();
    const stp0 = (await tenant.status()).drops.l2_stp ?? 0;
    const capLog = S.logFile('p1-bpdu.txt');
    const cap = S.track(T.spawn('pa', 'tcpdump-bpdu', ['timeout', '8', 'tcpdump', '-n', '-e', '-l', '-i', 'p1', '-c', '100', 'stp'], capLog));
    await sleep(1000);
    const f = flood('t1', 'bpdu', 20, 10, 5, 'flood-bpdu');
    await f.waitExit(10000);
    await sleep(500);
    await cap.stop('SIGTERM', 3000);
    const bpdus = fs.readFileSync(capLog, 'utf8').split('\n').filter((l) => /STP/.test(l));
    assert.equal(bpdus.length, 0, bpdus.join('\n'));
    const stp1 = (await tenant.status()).drops.l2_stp ?? 0;
    assert.ok(stp1 - stp0 >= 20, `l2_stp ${stp0} -> ${stp1}`);
  });

  it('100,000 random source MACs: MAC tables stay at their cap, existing hosts reachable', 120000, async () => {
    const { tenant, provider } = need();
    const f = flood('t1', 'random-src', 100000, 0, 60, 'flood-macs');
    const e = await f.waitExit(70000);
    assert.equal(e?.code, 0, `generator exit ${JSON.stringify(e)}: ${f.logTail(5)}`);
    const [ts, ps] = await Promise.all([tenant.status(), provider.status()]);
    process.stdout.write(`# MAC flood: tenant table ${ts.macTable.size}/${ts.macTable.capacity} (full ${ts.macTable.full}), ` +
      `provider ${ps.macTable.size}/${ps.macTable.capacity} (full ${ps.macTable.full})\n`);
    assert.ok(ts.macTable.size <= ts.macTable.capacity);
    assert.ok(ts.macTable.full > 0, 'the tenant table filled up and counted it');
    assert.match(fs.readFileSync(tenant.logFile, 'utf8'), /alarm: the MAC table is full/, 'the tenant daemon raised the alarm');
    assert.ok(ps.macTable.size <= ps.macTable.capacity);
    for (const h of ['t1', 't2'] as const) {
      const p = await T.ping(h, ADDR.p1, { count: 5, intervalS: 0.2, deadlineS: 5 });
      assert.equal(p.received, 5, `${h} -> p1 after the flood\n${p.raw}`);
    }
    assert.equal(await T.neighMac('t2', ADDR.p1), MAC.p1);
  });
});
