// Jumbo frames (issue 4): both sites' LANs at MTU 9000 (hosts, bridge ports, and the TAP, whose
// MTU bridgehead raises itself from mtu.maxFrameSize) over a 1500-byte WAN. 9014-byte frames must
// cross as tunnel fragments (docs/INTERNALS.md 1b) in both directions, TCP must flow, and no frame
// may be dropped as oversize. Run it with BRIDGEHEAD_TAP_OFFLOAD=1 to cover TSO super-frames too.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Sites, pairSites } from './lib/bridgehead';

const S = NetnsSuite.create(__filename, 'jumbo');
const T = S.topo;
const MAX_FRAME = 9018; // 9000-byte MTU + 14 + one 802.1Q tag
let sites: Sites | null = null;


async function jumboPings(from: 't1' | 'p1', to: string, count: number): Promise<{ received: number; raw: string }> {
  const r = await T.exec(from, ['ping', '-n', '-M', 'do', '-s', '8972', '-c', String(count), '-i', '0.05', '-w', '15', to],
    { timeoutMs: 20000 });
  return { received: Number((/(\d+) received/.exec(r.stdout) ?? [])[1] ?? 0), raw: r.stdout + r.stderr };
}

describe('jumbo frames: LAN MTU 9000 at both sites over a 1500-byte WAN', () => {
  before(() => S.setup({ LAN_MTU: 9000, WAN_MTU: 1500 }, ['iperf3']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites with mtu.maxFrameSize 9018; the TAPs get MTU 9000', 120000, async () => {
    sites = await pairSites(S, {
      patch: (cfg) => { cfg.mtu = { ...(cfg.mtu ?? { pathMtu: null, mssClamp: false }), maxFrameSize: MAX_FRAME }; },
    });
    for (const [node, a] of [['ta', sites.tenant], ['pa', sites.provider]] as const) {
      const r = await T.execOk(node, ['ip', '-o', 'link', 'show', 'dev', 'bh0']);
      assert.match(r.stdout, /mtu 9000 /, `${a.name}: TAP MTU`);
      const s = await a.status();
      assert.equal(s.maxFrameSize, MAX_FRAME, `${a.name}: status maxFrameSize`);
    }
  });

  S.it('ping -M do -s 8972 x10 crosses both ways (9014-byte frames)', 60000, async () => {
    if (!sites) throw new Error('not paired');
    const there = await jumboPings('t1', ADDR.p1, 10);
    assert.equal(there.received, 10, `t1 -> p1\n${there.raw}`);
    const back = await jumboPings('p1', ADDR.t1, 10);
    assert.equal(back.received, 10, `p1 -> t1\n${back.raw}`);
    for (const a of [sites.tenant, sites.provider]) {
      const s = await a.status();
      assert.ok(s.fragments && s.fragments.tx > 0 && s.fragments.reassembled > 0, `${a.name}: fragments ${JSON.stringify(s.fragments)}`);
      for (const r of ['tap_frame_oversize', 'peer_frame_invalid', 'frag_oversize', 'frag_bad', 'tap_offload_bad'])
        assert.equal(s.drops[r] ?? 0, 0, `${a.name}: ${r}`);
    }
  });

  S.it('iperf3 TCP t1 -> p1 (-t 3) with a 9000-byte MTU completes and moves data', 60000, async () => {
    if (!sites) throw new Error('not paired');
    const r = await T.iperf3('t1', 'p1', ADDR.p1, 3, S.work);
    assert.ok(r.receivedBytes > 1_000_000, `received ${r.receivedBytes} bytes in 3 s`);
    process.stdout.write(`# iperf3 jumbo LAN over a 1500 WAN: ${(r.bitsPerSecond / 1e6).toFixed(1)} Mbit/s, ${r.retransmits} retransmits\n`);
    for (const a of [sites.tenant, sites.provider]) {
      const s = await a.status();
      assert.equal(s.drops.tap_frame_oversize ?? 0, 0, `${a.name}: tap_frame_oversize`);
    }
  });
});
