// QoS across the real topology (docs/INTERNALS.md 2c): the WAN from the tenant to the provider is
// shaped with tbf, the tenant's bridgehead shapes a little below it (`init --wan-rate`), a bulk
// TCP flow (CS1) and an unresponsive CS1 UDP flow saturate the tunnel, and EF-marked pings cross at
// the same time. Every ping must arrive; the realtime band counts them with no drops while the bulk
// band queues and drops; the
// tunnel datagrams that carry the pings leave with the outer DSCP EF (TOS 0xb8).
// The latency comparison itself is the benchmark's job (scripts/bench-qos.sh), not a test's.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Appliance, PORT, pairSites } from './lib/bridgehead';
import { Capture, parseIpv4 } from './lib/pcap';
import { sleep } from './lib/proc';
import type { QosStats } from '../../src/dataplane/qos-types';

const S = NetnsSuite.create(__filename, 'qos');
const T = S.topo;
const WAN_RATE = '100mbit';   // tbf on the WAN router's link towards the provider
const BH_RATE = '95mbit';     // the tenant's shaper, just below it
const PINGS = 50;
const BULK_S = 8;
let tenant: Appliance | null = null;

function band(q: QosStats | undefined, name: string) {
  const b = q?.bands.find((x) => x.name === name);
  assert.ok(b, `status has the ${name} band: ${JSON.stringify(q)}`);
  return b;
}

describe(`QoS: tbf ${WAN_RATE} WAN, bridgehead --wan-rate ${BH_RATE}, bulk TCP + EF pings`, () => {
  before(() => S.setup({}, ['iperf3', 'tc']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair with QoS on the tenant; shape the WAN', 120000, async () => {
    await T.execOk('wan', ['tc', 'qdisc', 'add', 'dev', 'pa0', 'root', 'tbf', 'rate', WAN_RATE, 'burst', '32kbit', 'latency', '50ms']);
    const sites = await pairSites(S, { tenantInit: ['--wan-rate', BH_RATE] });
    tenant = sites.tenant;
    await T.waitForPing('t2', ADDR.p1, 30000);
    const q = (await tenant.status()).qos;
    assert.equal(q?.enabled, true);
    assert.equal(q?.wanRateBitsPerS, 95_000_000);
    const text = await tenant.cliOk(['qos', '--config', tenant.dir]);
    assert.match(text.stdout, /shaper: 95 Mbit\/s/);
    assert.match(text.stdout, /udp +port 16384-32767 +-> realtime/);
  });

  S.it('EF pings under a saturating bulk flow: all arrive, realtime band clean, outer DSCP EF', 120000, async () => {
    assert.ok(tenant, 'paired');
    const before = (await tenant.status()).qos;
    const rtBefore = band(before, 'realtime');
    // the EF datagrams on the tenant's WAN link (bounded: count and time), and some unmarked ones
    const ef = await Capture.start(S, 'ta', 'wan0', `udp dst port ${PORT} and (ip[1] & 0xfc) == 0xb8`,
      { name: 'ef', count: PINGS, timeoutS: 40 });
    const bulkCap = await Capture.start(S, 'ta', 'wan0', `udp dst port ${PORT} and (ip[1] & 0xfc) == 0x20`,
      { name: 'bulk', count: 20, timeoutS: 40 });

    const iperf = T.iperf3('t1', 'p1', ADDR.p1, BULK_S, S.work, ['--tos', '32']); // CS1: the bulk band
    // TCP backs off before the bulk band is full; an unresponsive CS1 UDP flow beside it keeps the
    // offered bulk load above the shaped rate by itself, so the band must drop (bounded: rate and time)
    const udpBulk = T.iperf3('t1', 'p1', ADDR.p1, BULK_S, S.work, ['-u', '-b', '120M', '-l', '1400', '--tos', '32'], 5202);
    await sleep(1500); // the bulk flow fills the shaper first
    let maxBulkDepth = 0; // the standing queue, sampled a few times (a single sample may catch it empty)
    for (let i = 0; i < 5; i++) {
      maxBulkDepth = Math.max(maxBulkDepth, band((await tenant.status()).qos, 'bulk').depthPackets);
      await sleep(100);
    }
    const ping = T.exec('t2', ['ping', '-n', '-Q', '184', '-c', String(PINGS), '-i', '0.05', '-w', '15', ADDR.p1],
      { timeoutMs: 25000 });
    const [r, p, u] = await Promise.all([iperf, ping, udpBulk]);
    const out = p.stdout + p.stderr;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    assert.ok(m, `ping output: ${out}`);
    assert.equal(Number(m[2]), PINGS, `every EF ping arrived:\n${out}`);
    assert.ok(r.receivedBytes > 0, 'the bulk TCP flow ran');
    assert.ok(u.sentBytes > 0, 'the bulk UDP flow ran');
    const rtt = /= [\d.]+\/([\d.]+)\/([\d.]+)\//.exec(out);
    process.stdout.write(`# bulk TCP ${(r.bitsPerSecond / 1e6).toFixed(1)} + UDP ${(u.bitsPerSecond / 1e6).toFixed(1)} Mbit/s (shaped ${BH_RATE}), ` +
      `EF ping avg ${rtt?.[1]} ms max ${rtt?.[2]} ms\n`);

    const after = (await tenant.status()).qos;
    const rt = band(after, 'realtime');
    assert.ok(rt.enqueued - rtBefore.enqueued >= PINGS, `realtime band enqueued the pings: ${JSON.stringify(rt)}`);
    assert.equal(rt.dropped, 0, 'no realtime drops');
    const bulk = band(after, 'bulk');
    assert.ok(bulk.sent > 1000, `the bulk flow went through the bulk band: ${JSON.stringify(bulk)}`);
    assert.ok(maxBulkDepth > 0, `the bulk band held a standing queue mid-run (depth up to ${maxBulkDepth})`);
    assert.ok(bulk.dropped > 0, `the bulk band dropped the excess: ${JSON.stringify(bulk)}`);
    process.stdout.write(`# tenant bands: ${after!.bands.map((b) => `${b.name} ${b.sent} sent/${b.dropped} dropped`).join(', ')}; ` +
      `bulk depth mid-run up to ${maxBulkDepth}; shaper waits ${after!.shaperDelayed}\n`);

    const efDone = await ef.wait(20000);
    await bulkCap.wait(20000);
    assert.ok(efDone.packets >= PINGS, `captured ${efDone.packets} EF datagrams`);
    // the pings' datagrams: 98-byte ICMP frames + 32 bytes of tunnel = 130-byte UDP payloads
    const sizes = new Set(ef.packets().map((x) => parseIpv4(x.data)?.udpPayload?.length));
    assert.deepEqual([...sizes], [130], `EF datagrams are the pings' (payload sizes ${[...sizes]})`);
    const bulkPkts = bulkCap.packets();
    assert.ok(bulkPkts.length > 0, 'bulk datagrams carry CS1 (TOS 0x20)');
  });
});
