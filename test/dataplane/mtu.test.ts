// Tier 2: tunnel fragmentation (subtype 3, native/io/dp_frag.c, native/core/bh_frag.c) between two
// data planes over loopback, and against a fake peer that speaks the wire format written
// independently in the harness: setPathMtu small -> full-size frames arrive intact through
// fragments, no datagram exceeds the budget, reassembly edge cases are counted drops.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import type { DataPlaneStats } from '../../src/dataplane/types';
import { FakePeer, Pair, fakePeer, frame, mac, makeNode, makePair, newSession, openData, readFrames, sealData, waitFor } from './harness';

const H1 = mac(0x01);
const H2 = mac(0x02);
const CHUNK = 8; // AF_UNIX datagram queues are short
const SUB_FRAGMENT = 3;

function numbered(len: number, seq: number): Buffer {
  const f = frame(H2, H1, len, seq);
  f.writeUInt32BE(seq, 14);
  return f;
}

function sendAndCheck(p: Pair, sent: Buffer[]) {
  for (let i = 0; i < sent.length; i += CHUNK) {
    const chunk = sent.slice(i, i + CHUNK);
    for (const f of chunk) p.a.dp.testWriteFrame(f);
    const got = readFrames(p.b.dp, chunk.length, 2000);
    assert.equal(got.length, chunk.length, `chunk at ${i}: frames lost`);
    got.forEach((g, k) => assert.deepEqual(g, chunk[k], `frame ${i + k} (${chunk[k].length} bytes) differs`));
  }
}

function fragHdr(id: number, off: number, total: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(id, 0);
  h.writeUInt16LE(off, 4);
  h.writeUInt16LE(total, 6);
  return h;
}

const drops = (s: DataPlaneStats, r: string) => s.drops[r] ?? 0;

function onesSum(b: Buffer, s = 0): number {
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** An IPv4 TCP SYN (MSS 1460, SACK-permitted, timestamps, window scale) with a valid checksum. */
function tcpSyn(): Buffer {
  const opts = Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + opts.length, 2);
  ip[6] = 0x40;
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from([198, 18, 0, 11, 198, 18, 0, 21]).copy(ip, 12);
  ip.writeUInt16BE(~onesSum(ip) & 0xffff, 10);
  const tcp = Buffer.concat([Buffer.alloc(20), opts]);
  tcp.writeUInt16BE(40000, 0);
  tcp.writeUInt16BE(80, 2);
  tcp[12] = (tcp.length / 4) << 4;
  tcp[13] = 0x02;
  tcp.writeUInt16BE(64240, 14);
  tcp.writeUInt16BE(~tcpSum(ip, tcp) & 0xffff, 16);
  return Buffer.concat([H2, H1, Buffer.from([0x08, 0x00]), ip, tcp]);
}

function tcpSum(ip: Buffer, tcp: Buffer): number {
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6]), Buffer.from([tcp.length >> 8, tcp.length & 0xff])]);
  return onesSum(tcp, onesSum(pseudo));
}

describe('tunnel fragmentation between two data planes', () => {
  let p: Pair;
  before(async () => {
    p = await makePair();
  });
  after(() => p.close());

  test('setPathMtu validates and shows in stats', () => {
    assert.equal(p.a.dp.stats().peers[0].pathMtu, 0, 'not set by default');
    assert.throws(() => p.a.dp.setPathMtu(1, 500), /576/);
    assert.throws(() => p.a.dp.setPathMtu(1, 70000));
    assert.throws(() => p.a.dp.setPathMtu(99, 1400), (e: NodeJS.ErrnoException) => e.code === 'ERR_UNKNOWN_PEER');
    p.a.dp.setPathMtu(1, 1400);
    assert.equal(p.a.dp.stats().peers[0].pathMtu, 1400);
  });

  test('path MTU 600: 1514/1522-byte frames arrive intact as fragments; small ones are not fragmented', async () => {
    p.a.dp.setPathMtu(1, 600);
    p.b.dp.setPathMtu(1, 600);
    const a0 = p.a.dp.stats();
    const b0 = p.b.dp.stats();
    const sizes = [1514, 1522, 64, 532 + 14, 1000, 1514, 60];
    const sent = Array.from({ length: 70 }, (_, i) => numbered(sizes[i % sizes.length], i));
    sendAndCheck(p, sent);
    const b1 = p.b.dp.stats();
    const a1 = await waitFor(() => {
      const s = p.a.dp.stats();
      return s.global.tapRxFrames - a0.global.tapRxFrames >= sent.length && s.global.txDatagrams > a0.global.txDatagrams ? s : null;
    }, 'A accounted');
    // budget = 600 - 20 - 8 = 572; a frame fits when len + 32 <= 572; else chunks of <= 532
    const fits = (n: number) => n + 32 <= 572;
    const pieces = (n: number) => (fits(n) ? 0 : Math.ceil(n / 532));
    const expFrags = sent.reduce((k, f) => k + pieces(f.length), 0);
    const expReasm = sent.filter((f) => !fits(f.length)).length;
    assert.equal(a1.global.txFragments - a0.global.txFragments, expFrags, 'txFragments');
    assert.equal(b1.global.rxFragments - b0.global.rxFragments, expFrags, 'rxFragments');
    assert.equal(b1.global.reassembled - b0.global.reassembled, expReasm, 'reassembled');
    assert.equal(b1.global.tapTxFrames - b0.global.tapTxFrames, sent.length);
    for (const [r, n] of Object.entries(b1.drops)) assert.equal(n - (b0.drops[r] ?? 0), 0, `B: drop ${r}`);
    p.a.dp.setPathMtu(1, 0);
    p.b.dp.setPathMtu(1, 0);
  });

  test('probe (subtype 4) -> probe ack (subtype 5) -> probe-ack event over loopback', async () => {
    const n0 = p.a.events.length;
    assert.equal(p.a.dp.sendProbe(1, 1400, 77), true);
    assert.equal(p.a.dp.sendProbe(1, 576, 0xfffffffe), true);
    const acks = await waitFor(() => {
      const got = p.a.events.slice(n0).filter((e) => e.type === 'probe-ack');
      return got.length >= 2 ? got : null;
    }, 'two probe-ack events');
    assert.deepEqual(acks, [{ type: 'probe-ack', peer: 1, id: 77, size: 1400 }, { type: 'probe-ack', peer: 1, id: 0xfffffffe, size: 576 }]);
    assert.equal(p.a.dp.sendProbe(1, 1583, 1), false, 'above the largest probe');
    assert.throws(() => p.a.dp.sendProbe(1, 500, 1));
    assert.throws(() => p.a.dp.sendProbe(42, 1400, 1), (e: NodeJS.ErrnoException) => e.code === 'ERR_UNKNOWN_PEER');
  });

  test('MSS clamping (off by default): a SYN\'s MSS fits the path MTU, checksum valid', async () => {
    p.a.dp.setPathMtu(1, 1400);
    const t0 = p.a.dp.stats();
    p.a.dp.testWriteFrame(tcpSyn());
    const plain = p.b.dp.testReadFrame(2000);
    assert.ok(plain);
    assert.equal(plain.readUInt16BE(14 + 20 + 22), 1460, 'untouched while off');
    p.a.dp.setMssClamp(true);
    const a0 = p.a.dp.stats();
    p.a.dp.testWriteFrame(tcpSyn());
    const got = p.b.dp.testReadFrame(2000);
    assert.ok(got);
    // the sender accounts after its sendmmsg returns: wait for both SYNs, so that the next test's
    // byte count does not pick up this one late (seen once in CI: 3294 = 3188 + 106, one SYN datagram)
    await waitFor(() => {
      const s = p.a.dp.stats();
      return s.global.txDatagrams - t0.global.txDatagrams >= 2 ? s : null;
    }, 'A accounted both SYNs');
    // 1400 - 28 (outer IP/UDP) - 32 (tunnel) - 14 (Ethernet) - 20 (IP) - 20 (TCP)
    assert.equal(got.readUInt16BE(14 + 20 + 22), 1286);
    const ip = got.subarray(14, 34), tcp = got.subarray(34);
    assert.equal(tcpSum(ip, tcp), 0xffff, 'TCP checksum verifies');
    assert.equal(onesSum(ip), 0xffff, 'IPv4 header checksum verifies');
    assert.equal(p.a.dp.stats().global.mssClamped - a0.global.mssClamped, 1);
    p.a.dp.setMssClamp(false);
    p.a.dp.setPathMtu(1, 0);
  });

  test('path MTU 1400 (IPv4): a 1514-byte frame becomes two equal fragments', async () => {
    p.a.dp.setPathMtu(1, 1400);
    const a0 = p.a.dp.stats();
    sendAndCheck(p, [numbered(1514, 1), numbered(1514, 2)]);
    // the sender accounts after its sendmmsg returns: the receiver may be faster
    const a1 = await waitFor(() => {
      const s = p.a.dp.stats();
      return s.global.txFragments - a0.global.txFragments >= 4 && s.global.txBytes - a0.global.txBytes >= 4 * 797 ? s : null;
    }, 'A accounted 4 fragments');
    assert.equal(a1.global.txFragments - a0.global.txFragments, 4);
    assert.equal(a1.global.txBytes - a0.global.txBytes, 4 * (757 + 8 + 32), 'equal halves');
    p.a.dp.setPathMtu(1, 0);
  });
});

describe('tunnel fragments on the wire (fake peer)', () => {
  let fake: FakePeer;
  let node: ReturnType<typeof makeNode>;
  const s = newSession(); // node = A side (initiator), fake = B
  let counter = 0n;
  before(async () => {
    fake = await fakePeer();
    node = makeNode();
    node.dp.addPeer(1, fake.ep);
    node.dp.installKeypair(1, { localIndex: s.aIndex, remoteIndex: s.bIndex, sendKey: s.aToB, recvKey: s.bToA, initiator: true });
    node.dp.start();
  });
  after(() => {
    node.dp.stop();
    fake.close();
  });
  const toNode = (pt: Buffer, sub = SUB_FRAGMENT) => fake.send(sealData(s.bToA, s.aIndex, counter++, sub, pt), node.ep);

  test('every datagram fits the budget and carries a well-formed fragment header', async () => {
    node.dp.setPathMtu(1, 1280);
    const f = numbered(1514, 7);
    fake.got.length = 0;
    node.dp.testWriteFrame(f);
    await waitFor(() => fake.got.length >= 2, 'two fragments at the fake peer');
    const parts = fake.got.map((g) => {
      assert.ok(g.data.length <= 1280 - 28, `datagram ${g.data.length} > budget`);
      const o = openData(s.aToB, g.data);
      assert.ok(o, 'authenticates');
      assert.equal(o.subtype, SUB_FRAGMENT);
      return { id: o.pt.readUInt32LE(0), off: o.pt.readUInt16LE(4), total: o.pt.readUInt16LE(6), data: o.pt.subarray(8) };
    });
    assert.equal(parts.length, 2);
    assert.equal(parts[0].id, parts[1].id);
    assert.equal(parts[0].total, 1514);
    const whole = Buffer.alloc(1514);
    for (const q of parts) q.data.copy(whole, q.off);
    assert.deepEqual(whole, f);
  });

  test('a probe datagram is exactly size - 28 bytes and carries id and size', async () => {
    fake.got.length = 0;
    assert.equal(node.dp.sendProbe(1, 1400, 0x01020304), true);
    await waitFor(() => fake.got.length >= 1, 'the probe at the fake peer');
    assert.equal(fake.got[0].data.length, 1400 - 28);
    const o = openData(s.aToB, fake.got[0].data);
    assert.ok(o);
    assert.equal(o.subtype, 4);
    assert.equal(o.pt.readUInt32LE(0), 0x01020304);
    assert.equal(o.pt.readUInt16LE(4), 1400);
    // the fake peer's own probe is answered with a small ack
    fake.got.length = 0;
    const probe = Buffer.alloc(500);
    probe.writeUInt32LE(55, 0);
    probe.writeUInt16LE(1000, 4);
    await toNode(probe, 4);
    await waitFor(() => fake.got.length >= 1, 'the ack at the fake peer');
    const ack = openData(s.aToB, fake.got[0].data);
    assert.ok(ack);
    assert.equal(ack.subtype, 5);
    assert.equal(ack.pt.length, 6);
    assert.equal(ack.pt.readUInt32LE(0), 55);
    assert.equal(ack.pt.readUInt16LE(4), 1000);
  });

  test('reassembly: last fragment first, duplicate, overlap, bad header, oversize', async () => {
    const f = frame(H1, H2, 1514, 3);
    const s0 = node.dp.stats();
    await toNode(Buffer.concat([fragHdr(1, 757, 1514), f.subarray(757)]));
    await toNode(Buffer.concat([fragHdr(1, 757, 1514), f.subarray(757)])); // duplicate
    await toNode(Buffer.concat([fragHdr(1, 0, 1514), f.subarray(0, 757)]));
    const got = node.dp.testReadFrame(2000);
    assert.ok(got, 'reassembled frame delivered');
    assert.deepEqual(got, f);
    await toNode(Buffer.concat([fragHdr(2, 0, 1514), f.subarray(0, 800)]));
    await toNode(Buffer.concat([fragHdr(2, 700, 1514), f.subarray(700)])); // overlap
    await toNode(Buffer.concat([fragHdr(3, 10, 20), Buffer.alloc(11)])); // beyond total
    await toNode(Buffer.concat([fragHdr(4, 0, 4000), Buffer.alloc(100)])); // oversize
    await waitFor(() => drops(node.dp.stats(), 'frag_oversize') > drops(s0, 'frag_oversize'), 'oversize counted');
    const s1 = node.dp.stats();
    assert.equal(drops(s1, 'frag_duplicate') - drops(s0, 'frag_duplicate'), 1);
    assert.equal(drops(s1, 'frag_overlap') - drops(s0, 'frag_overlap'), 1);
    assert.equal(drops(s1, 'frag_bad') - drops(s0, 'frag_bad'), 1);
    assert.equal(s1.global.reassembled - s0.global.reassembled, 1);
    assert.equal(node.dp.testReadFrame(200), null, 'nothing else delivered');
  });

  test('a missing fragment times out (counted)', async () => {
    const s0 = node.dp.stats();
    await toNode(Buffer.concat([fragHdr(9, 0, 1000), Buffer.alloc(500, 1)]));
    await waitFor(() => drops(node.dp.stats(), 'frag_timeout') > drops(s0, 'frag_timeout'), 'frag_timeout', 3000);
  });
});
