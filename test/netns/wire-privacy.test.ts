// What crosses the WAN is encrypted: a libpcap capture on the WAN router's link to the provider,
// while t1 sends pings with a known payload pattern and a UDP datagram with a known string,
// must contain tunnel packets and none of the known bytes (payloads, MACs, inner addresses).
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR, MAC } from './lib/topology';
import { pairSites, PORT } from './lib/bridgehead';
import { Capture, parseIpv4 } from './lib/pcap';
import { NODE, helperScript } from './lib/env';
import { sleep } from './lib/proc';

const S = NetnsSuite.create(__filename, 'wire');
const T = S.topo;
const PING_PATTERN = Buffer.from('BH-SECRET-PING!!');          // 16 bytes, ping -p maximum
const UDP_SECRET = Buffer.from('BRIDGEHEAD-SECRET-PAYLOAD');
const macBytes = (m: string) => Buffer.from(m.replace(/:/g, ''), 'hex');
const ipBytes = (a: string) => Buffer.from(a.split('.').map(Number));

describe('wire privacy: nothing of the inner traffic is visible on the WAN', () => {
  before(() => S.setup(), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites', 120000, async () => { await pairSites(S); });

  S.it('a WAN capture during known traffic holds tunnel packets and none of the known bytes', 90000, async () => {
    const cap = await Capture.start(S, 'wan', 'pa0', 'udp', { name: 'wan-pa0', timeoutS: 60 });
    const ping = await T.ping('t1', ADDR.p1, { count: 5, intervalS: 0.2, deadlineS: 10, size: 1000,
      pattern: PING_PATTERN.toString('hex') });
    const send = await T.exec('t1', [NODE, helperScript('udp-tool'), 'send', '--to', `${ADDR.p1}:9999`,
      '--data', UDP_SECRET.toString(), '--count', '3', '--interval-ms', '100'], { timeoutMs: 10000 });
    await sleep(500);
    const done = await cap.stop();
    assert.equal(ping.received, 5, `the pings crossed the tunnel\n${ping.raw}`);
    assert.equal(send.code, 0, send.stderr);

    const pkts = cap.packets();
    assert.equal(pkts.length, done.packets);
    assert.ok(pkts.length >= 10, `captured ${pkts.length} UDP packets`);
    const udp = pkts.map((p) => parseIpv4(p.data)).filter((p) => p && p.udpPayload);
    assert.equal(udp.length, pkts.length, 'every captured packet is IPv4/UDP');
    for (const p of udp) {
      assert.ok(p!.sport === PORT || p!.dport === PORT,
        `only tunnel traffic on the WAN, saw ${p!.src}:${p!.sport} -> ${p!.dst}:${p!.dport}`);
    }
    const big = udp.filter((p) => p!.udpPayload!.length >= 1000);
    assert.ok(big.length >= 10, `the 5 pings and 5 replies (1000-byte payloads) are on the WAN: ${big.length}`);

    const secrets: Array<[string, Buffer]> = [
      ['ping payload pattern', PING_PATTERN], ['UDP payload string', UDP_SECRET],
      ['t1 MAC', macBytes(MAC.t1)], ['p1 MAC', macBytes(MAC.p1)],
      ['t1 address', ipBytes(ADDR.t1)], ['p1 address', ipBytes(ADDR.p1)],
    ];
    for (const [what, bytes] of secrets) {
      const hit = pkts.findIndex((p) => p.data.includes(bytes));
      assert.equal(hit, -1, `${what} (${bytes.toString('hex')}) visible in captured packet #${hit + 1} (${cap.out})`);
    }
  });
});
