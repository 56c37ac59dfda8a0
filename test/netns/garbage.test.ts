// Garbage on the provider's UDP port: 10,000 random datagrams (some shaped like real messages)
// from the WAN router.  The provider must answer none of them, keep the tunnel working during and
// after, and count them as drops.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Sites, pairSites, totalDrops, PORT } from './lib/bridgehead';
import { Capture, parseIpv4 } from './lib/pcap';
import { NODE, helperScript } from './lib/env';
import { sleep } from './lib/proc';

const S = NetnsSuite.create(__filename, 'garb');
const T = S.topo;
const COUNT = 10000;
let sites: Sites | null = null;

describe('garbage: random datagrams to the provider get no reply and are counted', () => {
  before(() => S.setup({}, ['tcpdump']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites', 120000, async () => { sites = await pairSites(S); });

  S.it(`${COUNT} garbage datagrams: zero bytes back, ping works during and after, drops counted`, 120000, async () => {
    if (!sites) throw new Error('not paired');
    const before = await sites.provider.status();
    const snmpBefore = await T.udpSnmp('pa');
    // Everything pa sends to the garbage source (198.18.3.1).  Two pings from wan first: their
    // replies prove the capture sees that direction; nothing else may show up.
    const cap = await Capture.start(S, 'pa', 'wan0', `ip and src host ${ADDR.pa} and dst host ${ADDR.wanToPa}`,
      { name: 'pa-to-garbage-source', timeoutS: 90 });
    const control = await T.ping('wan', ADDR.pa, { count: 2, intervalS: 0.2, deadlineS: 5 });
    assert.equal(control.received, 2, control.raw);

    const during = T.ping('t1', ADDR.p1, { count: 30, intervalS: 0.2, deadlineS: 20 });
    const g = await T.execOk('wan', [NODE, helperScript('udp-tool'), 'garbage', '--to', `${ADDR.pa}:${PORT}`,
      '--bind', `${ADDR.wanToPa}:40000`, '--count', String(COUNT), '--seed', '20240601', '--pps', '2000',
      '--max-seconds', '30'], { timeoutMs: 45000 });
    const sent = JSON.parse(g.stdout) as { sent: number; errors: number; bytes: number; ms: number };
    const p = await during;
    await sleep(1000);   // anything the provider would still send back
    const done = await cap.stop();

    assert.equal(sent.sent, COUNT, `sender: ${g.stdout}`);
    assert.equal(sent.errors, 0, `send errors: ${g.stdout}`);
    const back = cap.packets().map((x) => parseIpv4(x.data)).filter((x) => x !== null);
    const icmpEchoReplies = back.filter((x) => x!.proto === 1 && x!.ipPayload[0] === 0);
    const other = back.filter((x) => !(x!.proto === 1 && x!.ipPayload[0] === 0));
    assert.equal(icmpEchoReplies.length, 2, `the capture saw the 2 control ping replies (${done.packets} packets)`);
    assert.deepEqual(other.map((x) => `${x!.proto === 17 ? 'UDP' : 'proto ' + x!.proto} ${x!.frame.length} bytes`), [],
      'zero bytes sent back to the garbage source');

    assert.ok(p.received >= 27, `ping t1 -> p1 during the garbage: ${p.received}/${p.transmitted}\n${p.raw}`);
    const after = await T.ping('t1', ADDR.p1, { count: 5, intervalS: 0.2, deadlineS: 10 });
    assert.equal(after.received, 5, `ping t1 -> p1 after the garbage\n${after.raw}`);
    assert.ok(sites.provider.daemon?.running, 'the provider daemon is still running');

    const st = await sites.provider.status();
    const snmpAfter = await T.udpSnmp('pa');
    const delivered = COUNT - (snmpAfter.RcvbufErrors - snmpBefore.RcvbufErrors);
    const dropped = totalDrops(st) - totalDrops(before);
    assert.ok(dropped >= 0.9 * delivered,
      `drop counters grew by ${dropped}; ${delivered} garbage datagrams reached the socket ` +
      `(before ${JSON.stringify(before.drops)}, after ${JSON.stringify(st.drops)})`);
    assert.equal(st.peers.length, 1);
    assert.equal(st.peers[0].state, 'up', 'the real peer is still up');
    process.stdout.write(`# garbage: sent ${sent.sent} in ${sent.ms} ms; drops +${dropped} ${JSON.stringify(st.drops)}\n`);
  });
});
