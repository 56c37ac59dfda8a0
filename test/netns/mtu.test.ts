// MTU black holes (DESIGN.md section 1): hosts keep a 1500-byte MTU while the WAN has only 1400.
// Full-size frames (1500-byte IP packets with DF) must still cross, and TCP must not stall.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Sites, pairSites } from './lib/bridgehead';

const S = NetnsSuite.create(__filename, 'mtu');
const T = S.topo;
let sites: Sites | null = null;

describe('MTU: 1500-byte host frames over a 1400-byte WAN', () => {
  before(() => S.setup({ WAN_MTU: 1400 }, ['iperf3']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites over the 1400-byte WAN', 120000, async () => { sites = await pairSites(S); });

  S.it('ping -M do -s 1472 (1500-byte packets, DF) t1 -> p1: every one answered', 60000, async () => {
    if (!sites) throw new Error('not paired');
    const r = await T.exec('t1', ['ping', '-n', '-M', 'do', '-s', '1472', '-c', '5', '-i', '0.2', '-w', '10', ADDR.p1], { timeoutMs: 15000 });
    const received = Number((/(\d+) received/.exec(r.stdout) ?? [])[1] ?? 0);
    assert.equal(received, 5, `full-size frames across a 1400 WAN\n${r.stdout}${r.stderr}`);
  });

  S.it('iperf3 TCP t1 -> p1 (-t 3) moves data (no stall)', 60000, async () => {
    if (!sites) throw new Error('not paired');
    const r = await T.iperf3('t1', 'p1', ADDR.p1, 3, S.work);
    assert.ok(r.receivedBytes > 1_000_000, `received ${r.receivedBytes} bytes in 3 s`);
    process.stdout.write(`# iperf3 over a 1400 WAN: ${(r.bitsPerSecond / 1e6).toFixed(1)} Mbit/s, ${r.retransmits} retransmits\n`);
  });
});
