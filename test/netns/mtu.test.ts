// MTU black holes (DESIGN.md section 1): hosts keep a 1500-byte MTU while the WAN has only 1400.
// Full-size frames (1500-byte IP packets with DF) must cross as tunnel fragments (docs/INTERNALS.md
// 1b): the WAN must carry NO outer IP fragments and no datagram above its MTU, TCP must not stall,
// and lowering the WAN MTU mid-run (on the appliance's own link and one hop away) must not break
// traffic.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Sites, pairSites } from './lib/bridgehead';
import { Capture } from './lib/pcap';
import { sleep } from './lib/proc';

const S = NetnsSuite.create(__filename, 'mtu');
const T = S.topo;
let sites: Sites | null = null;

/** Polls `status --json` (bounded) until the only peer's path MTU satisfies ok. */
async function waitPathMtu(a: Sites['tenant'], ok: (mtu: number) => boolean, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < end) {
    const s = await a.status();
    seen = s.peers[0]?.pathMtu ?? -1;
    if (ok(seen)) return seen;
    await sleep(500);
  }
  throw new Error(`${a.name}: path MTU ${seen} after ${timeoutMs} ms`);
}

/** Full-size DF pings t1 -> p1: count, interval 0.05 s, bounded by a 15 s deadline. */
async function fullSizePings(count: number): Promise<{ received: number; raw: string }> {
  const r = await T.exec('t1', ['ping', '-n', '-M', 'do', '-s', '1472', '-c', String(count), '-i', '0.05', '-w', '15', ADDR.p1],
    { timeoutMs: 20000 });
  return { received: Number((/(\d+) received/.exec(r.stdout) ?? [])[1] ?? 0), raw: r.stdout + r.stderr };
}

/**
 * The largest tunnel datagram an IPv4/UDP packet carries (IP header included). A capture on a veth
 * sees UDP GSO super-packets unsegmented (the kernel segments them only where it must, each
 * segment within the MTU, checked at send and at every forward): such a packet is accepted as
 * segments of size s when every s-th byte starts a transport data header (4, subtype, 0, 0).
 */
function largestDatagram(ipTotal: number, ihl: number, udp: Buffer, mtu: number): number {
  if (ipTotal <= mtu) return ipTotal;
  const starts = (o: number) => udp[o] === 4 && udp[o + 1] <= 5 && udp[o + 2] === 0 && udp[o + 3] === 0;
  for (let s = mtu - ihl - 8; s >= 32; s--) {
    let ok = true;
    for (let o = 0; o < udp.length && ok; o += s) ok = starts(o);
    if (ok) return s + ihl + 8;
  }
  return ipTotal;
}

/** IPv4 packets of a capture (Ethernet, optionally one tag): largest datagram and fragment bits. */
function ipv4Headers(c: Capture, mtu: number): Array<{ total: number; fragBits: number }> {
  const out: Array<{ total: number; fragBits: number }> = [];
  for (const p of c.packets()) {
    let off = 12;
    let et = p.data.readUInt16BE(off);
    if (et === 0x8100) { off += 4; et = p.data.readUInt16BE(off); }
    off += 2;
    if (et !== 0x0800 || p.data.length < off + 20) continue;
    const ihl = (p.data[off] & 0x0f) * 4, total = p.data.readUInt16BE(off + 2);
    const udp = p.data[off + 9] === 17 ? p.data.subarray(off + ihl + 8, off + total) : Buffer.alloc(0);
    out.push({ total: largestDatagram(total, ihl, udp, mtu), fragBits: p.data.readUInt16BE(off + 6) & 0x3fff });
  }
  return out;
}

describe('MTU: 1500-byte host frames over a 1400-byte WAN', () => {
  before(() => S.setup({ WAN_MTU: 1400 }, ['iperf3']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites over the 1400-byte WAN', 120000, async () => { sites = await pairSites(S); });

  S.it('ping -M do -s 1472 x20: every reply arrives, no outer IP fragments, no datagram above 1400', 60000, async () => {
    if (!sites) throw new Error('not paired');
    const cap = await Capture.start(S, 'wan', 'pa0', 'ip', { name: 'wan-pa0-mtu', timeoutS: 60 });
    const r = await fullSizePings(20);
    await sleep(300);
    await cap.stop();
    assert.equal(r.received, 20, `full-size frames across a 1400 WAN\n${r.raw}`);
    const ip = ipv4Headers(cap, 1400);
    assert.ok(ip.length >= 40, `captured ${ip.length} IPv4 packets`);
    const frags = ip.filter((h) => h.fragBits !== 0);
    assert.equal(frags.length, 0, `outer IP fragments on the WAN (${cap.out})`);
    const biggest = Math.max(...ip.map((h) => h.total));
    assert.ok(biggest <= 1400, `largest outer packet ${biggest} > 1400 (${cap.out})`);
  });

  S.it('status --json: the discovered path MTU (1400 within the search step) and fragment counters', 60000, async () => {
    if (!sites) throw new Error('not paired');
    for (const a of [sites.tenant, sites.provider]) {
      await waitPathMtu(a, (m) => m > 1400 - 16 && m <= 1400, 40000);
      const s = await a.status();
      assert.equal(s.peers.length, 1);
      assert.equal(s.peers[0].pathMtuSource, 'discovered');
      assert.ok(s.fragments && s.fragments.tx > 0 && s.fragments.rx > 0 && s.fragments.reassembled > 0,
        `fragment counters ${JSON.stringify(s.fragments)}`);
      for (const r of ['frag_bad', 'frag_overlap', 'frag_oversize']) assert.equal(s.drops[r] ?? 0, 0, `${a.name}: ${r}`);
    }
  });

  S.it('iperf3 TCP t1 -> p1 (-t 3) moves data (no stall)', 60000, async () => {
    if (!sites) throw new Error('not paired');
    const r = await T.iperf3('t1', 'p1', ADDR.p1, 3, S.work);
    assert.ok(r.receivedBytes > 1_000_000, `received ${r.receivedBytes} bytes in 3 s`);
    process.stdout.write(`# iperf3 over a 1400 WAN: ${(r.bitsPerSecond / 1e6).toFixed(1)} Mbit/s, ${r.retransmits} retransmits\n`);
  });

  S.it('WAN MTU lowered to 1300 one hop away (wan router -> pa link): pings resume within 45 s', 150000, async () => {
    if (!sites) throw new Error('not paired');
    await T.execOk('wan', ['ip', 'link', 'set', 'dev', 'pa0', 'mtu', '1300']);
    await T.execOk('pa', ['ip', 'link', 'set', 'dev', 'wan0', 'mtu', '1300']);
    await T.execOk('wan', ['ip', 'link', 'set', 'dev', 'nat0', 'mtu', '1300']);
    const end = Date.now() + 45000;
    let last = { received: 0, raw: '' };
    while (Date.now() < end) {
      last = await fullSizePings(5);
      if (last.received === 5) break;
    }
    assert.equal(last.received, 5, `full-size pings after the MTU change\n${last.raw}`);
    // black-hole detection (confirmation every 30 s) and re-discovery
    const m = await waitPathMtu(sites.tenant, (x) => x <= 1300 && x > 1300 - 16, 75000);
    process.stdout.write(`# tenant re-discovered path MTU ${m} after the WAN dropped to 1300\n`);
  });

  S.it('WAN MTU lowered further (1290) on the tenant appliance\'s own link: pings resume, MTU re-discovered', 150000, async () => {
    if (!sites) throw new Error('not paired');
    await T.execOk('ta', ['ip', 'link', 'set', 'dev', 'wan0', 'mtu', '1290']);
    await T.execOk('nat', ['ip', 'link', 'set', 'dev', 'lan0', 'mtu', '1290']);
    const end = Date.now() + 45000;
    let last = { received: 0, raw: '' };
    while (Date.now() < end) {
      last = await fullSizePings(5);
      if (last.received === 5) break;
    }
    assert.equal(last.received, 5, `full-size pings after the MTU change\n${last.raw}`);
    const m = await waitPathMtu(sites.tenant, (x) => x <= 1290 && x >= 1280, 75000);
    process.stdout.write(`# tenant path MTU ${m} after its own WAN link dropped to 1290\n`);
  });
});
