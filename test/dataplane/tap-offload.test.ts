// Tier 2: TAP offloads (options.tapOffload, docs/INTERNALS.md 1d) in socketpair mode, where every
// datagram on the test end carries the 10-byte virtio_net_hdr exactly like an IFF_VNET_HDR TAP.
// A TCP super-frame written to A (gso_type TCPV4/TCPV6, NEEDS_CSUM with the pseudo-header sum in
// the checksum field, as the kernel hands it over) leaves a peer without offloads as MSS-sized
// frames with complete headers and checksums (verified here with an independent JS checksum), in
// order, also when a super-frame straddles two TAP batches; a peer with offloads merges them back
// (GRO) and writes one super-frame with a TSO header, and a run of same-size UDP datagrams as a
// UDP_L4 super-frame that splits back into exactly those datagrams; partial checksums of plain
// frames are completed; malformed headers are counted drops.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { Node, installSession, mac, makeNode, newSession, readFrames, waitFor } from './harness';

const H1 = mac(0x01); // a host on A's side
const H2 = mac(0x02); // a host on B's side
const VNET = 10;

function sum16(b: Buffer, s = 0): number {
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  return s;
}
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}
const csum = (s: number) => ~fold(s) & 0xffff;

function pseudo(ip: Buffer, v6: boolean, proto: number, l4len: number): number {
  return v6 ? sum16(ip.subarray(8, 40)) + l4len + proto : sum16(ip.subarray(12, 20)) + proto + l4len;
}

/** vnet header (little-endian fields) */
function vnetHdr(flags: number, gsoType: number, gsoSize: number, csumStart: number, csumOffset: number): Buffer {
  const h = Buffer.alloc(VNET);
  h[0] = flags;
  h[1] = gsoType;
  h.writeUInt16LE(0, 2);
  h.writeUInt16LE(gsoSize, 4);
  h.writeUInt16LE(csumStart, 6);
  h.writeUInt16LE(csumOffset, 8);
  return h;
}

/** Ethernet + IPv4/IPv6 + TCP (20 bytes) + payload; TCP checksum = pseudo-header sum (partial). */
function superFrame(v6: boolean, payload: Buffer, seq: number): Buffer {
  const l3 = 14, ipLen = v6 ? 40 : 20, l4 = l3 + ipLen;
  const f = Buffer.alloc(l4 + 20 + payload.length);
  H2.copy(f, 0);
  H1.copy(f, 6);
  f.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  const ip = f.subarray(l3, l4);
  if (v6) {
    ip[0] = 0x60;
    ip[6] = 6;
    ip[7] = 64;
    for (let i = 0; i < 32; i++) ip[8 + i] = 0x20 + i;
  } else {
    ip[0] = 0x45;
    ip.writeUInt16BE(0x1234, 4);
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 6;
    Buffer.from([198, 18, 1, 1, 198, 18, 1, 2]).copy(ip, 12);
  }
  const tcp = f.subarray(l4);
  tcp.writeUInt16BE(40000, 0);
  tcp.writeUInt16BE(5201, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(1, 8);
  tcp[12] = 5 << 4;
  tcp[13] = 0x18; // ACK PSH
  tcp.writeUInt16BE(512, 14);
  payload.copy(tcp, 20);
  tcp.writeUInt16BE(fold(pseudo(ip, v6, 6, 20 + payload.length)), 16);
  return f;
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed + (i >> 8)) & 0xff;
  return b;
}

/** Checks one received segment; returns its payload. */
function checkSegment(f: Buffer, v6: boolean, seq: number, last: boolean, what: string): Buffer {
  const l3 = 14, ipLen = v6 ? 40 : 20, l4 = l3 + ipLen;
  const ip = f.subarray(l3, l4), tcp = f.subarray(l4);
  if (v6) assert.equal(ip.readUInt16BE(4), tcp.length, `${what}: IPv6 payload length`);
  else {
    assert.equal(ip.readUInt16BE(2), f.length - l3, `${what}: IPv4 total length`);
    assert.equal(csum(sum16(ip)), 0, `${what}: IPv4 header checksum`);
  }
  assert.equal(tcp.readUInt32BE(4), seq >>> 0, `${what}: sequence number`);
  assert.equal(tcp[13], last ? 0x18 : 0x10, `${what}: flags (PSH only on the last)`);
  assert.equal(csum(sum16(tcp, pseudo(ip, v6, 6, tcp.length))), 0, `${what}: TCP checksum`);
  return tcp.subarray(20);
}

function pair(aOffload: boolean, bOffload: boolean): { a: Node; b: Node } {
  const a = makeNode({ tapOffload: aOffload });
  const b = makeNode({ tapOffload: bOffload });
  a.dp.addPeer(1, b.ep);
  b.dp.addPeer(1, a.ep);
  installSession(a.dp, 1, b.dp, 1, newSession());
  return { a, b };
}

async function started(p: { a: Node; b: Node }) {
  p.a.dp.start();
  p.b.dp.start();
  assert.ok(p.a.dp.sendKeepalive(1));
  await waitFor(() => p.b.events.find((e) => e.type === 'keypair-confirmed'), 'B confirms the keypair');
}

/** Reads n frames at B, strips the vnet header (must be all zero) when B has offloads. */
function readAtB(b: Node, n: number, bOffload: boolean): Buffer[] {
  const got = readFrames(b.dp, n, 2000);
  return got.map((g) => {
    if (!bOffload) return g;
    assert.deepEqual(g.subarray(0, VNET), Buffer.alloc(VNET), 'B writes a zero virtio_net_hdr');
    return g.subarray(VNET);
  });
}

function sendSuper(a: Node, v6: boolean, payload: Buffer, seq: number, mss: number) {
  const f = superFrame(v6, payload, seq);
  const l4 = 14 + (v6 ? 40 : 20);
  a.dp.testWriteFrame(Buffer.concat([vnetHdr(1, v6 ? 4 : 1, mss, l4, 16), f]));
}

function expectSegments(frames: Buffer[], v6: boolean, payload: Buffer, seq: number, mss: number, what: string) {
  const n = Math.ceil(payload.length / mss);
  assert.equal(frames.length, n, `${what}: segment count`);
  const parts = frames.map((f, k) => checkSegment(f, v6, seq + k * mss, k === n - 1, `${what} segment ${k}`));
  assert.deepEqual(Buffer.concat(parts), payload, `${what}: payload reassembles`);
}

/** Datagram k of one UDP flow: IPv4 ID 0xfffe + k (wraps), complete checksum. */
function udpDatagram(v6: boolean, k: number, n: number): Buffer {
  const l3 = 14, l4 = l3 + (v6 ? 40 : 20);
  const f = Buffer.alloc(l4 + 8 + n);
  H2.copy(f, 0);
  H1.copy(f, 6);
  f.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  const ip = f.subarray(l3, l4), udp = f.subarray(l4);
  if (v6) {
    ip[0] = 0x60;
    ip.writeUInt16BE(8 + n, 4);
    ip[6] = 17;
    ip[7] = 64;
    for (let i = 0; i < 32; i++) ip[8 + i] = 0x20 + i;
  } else {
    ip[0] = 0x45;
    ip.writeUInt16BE(f.length - l3, 2);
    ip.writeUInt16BE((0xfffe + k) & 0xffff, 4);
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 17;
    Buffer.from([198, 18, 1, 1, 198, 18, 1, 2]).copy(ip, 12);
    ip.writeUInt16BE(csum(sum16(ip)), 10);
  }
  udp.writeUInt16BE(5000, 0);
  udp.writeUInt16BE(5001, 2);
  udp.writeUInt16BE(8 + n, 4);
  pattern(n, k).copy(udp, 8);
  udp.writeUInt16BE(csum(sum16(udp, pseudo(ip, v6, 17, udp.length))) || 0xffff, 6);
  return f;
}

/** A frame written to the TAP (vnet header first) as the datagrams the kernel delivers: a
 * UDP_L4 super-frame (gso_type 5) is split into gso_size pieces with consecutive IPv4 IDs and
 * lengths and checksums recomputed (the partial checksum must be the super-frame's pseudo sum). */
function splitUdpL4(g: Buffer): Buffer[] {
  const h = g.subarray(0, VNET), f = g.subarray(VNET);
  if (h[1] === 0) return [Buffer.from(f)];
  const v6 = f.readUInt16BE(12) === 0x86dd, l3 = 14, l4 = l3 + (v6 ? 40 : 20), hdrs = l4 + 8;
  assert.equal(h[1], 5, 'gso_type UDP_L4');
  assert.equal(h[0], 1, 'NEEDS_CSUM');
  assert.equal(h.readUInt16LE(6), l4, 'csum_start');
  assert.equal(h.readUInt16LE(8), 6, 'csum_offset');
  const ip = f.subarray(l3, l4), size = h.readUInt16LE(4);
  if (!v6) assert.equal(csum(sum16(ip)), 0, 'IPv4 header checksum of the super-frame');
  assert.equal(f.readUInt16BE(l4 + 4), f.length - l4, 'UDP length of the super-frame');
  assert.equal(f.readUInt16BE(l4 + 6), fold(pseudo(ip, v6, 17, f.length - l4)), 'pseudo-header sum');
  const out: Buffer[] = [];
  for (let off = hdrs, k = 0; off < f.length; off += size, k++) {
    const n = Math.min(size, f.length - off);
    const d = Buffer.concat([f.subarray(0, hdrs), f.subarray(off, off + n)]);
    const dip = d.subarray(l3, l4), u = d.subarray(l4);
    if (v6) dip.writeUInt16BE(8 + n, 4);
    else {
      dip.writeUInt16BE(d.length - l3, 2);
      dip.writeUInt16BE((ip.readUInt16BE(4) + k) & 0xffff, 4);
      dip.writeUInt16BE(0, 10);
      dip.writeUInt16BE(csum(sum16(dip)), 10);
    }
    u.writeUInt16BE(8 + n, 4);
    u.writeUInt16BE(0, 6);
    u.writeUInt16BE(csum(sum16(u, pseudo(dip, v6, 17, u.length))) || 0xffff, 6);
    out.push(d);
  }
  return out;
}

describe('TAP offloads (socketpair framing)', () => {
  test('stats report the framing; an IPv4 and an IPv6 super-frame arrive as valid MSS-sized segments', async () => {
    const p = pair(true, false);
    try {
      await started(p);
      assert.equal(p.a.dp.stats().global.tapOffload, 1);
      assert.equal(p.b.dp.stats().global.tapOffload, 0);
      for (const v6 of [false, true]) {
        const payload = pattern(20000, v6 ? 3 : 1);
        sendSuper(p.a, v6, payload, 0xffff0000, 1448); // the sequence number wraps
        expectSegments(readAtB(p.b, 14, false), v6, payload, 0xffff0000, 1448, v6 ? 'IPv6' : 'IPv4');
      }
      const s = p.a.dp.stats();
      assert.equal(s.global.tapGsoFrames, 2);
      assert.equal(s.global.tapRxFrames, 28);
      for (const [r, n] of Object.entries(s.drops)) assert.equal(n, 0, `A: drop ${r}`);
      for (const [r, n] of Object.entries(p.b.dp.stats().drops)) assert.equal(n, 0, `B: drop ${r}`);
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });

  test('super-frames queued before start straddle TAP batches: every segment, in order', async () => {
    const p = pair(true, false);
    try {
      p.b.dp.start();
      const payloads = [pattern(60000, 5), pattern(60000, 6), pattern(3000, 7)];
      let seq = 1000;
      const seqs: number[] = [];
      for (const pl of payloads) {
        seqs.push(seq);
        sendSuper(p.a, false, pl, seq, 1400);
        seq += pl.length;
      }
      p.a.dp.start();
      assert.ok(p.a.dp.sendKeepalive(1));
      const total = payloads.reduce((n, pl) => n + Math.ceil(pl.length / 1400), 0); // 43 + 43 + 3 > 64
      const got = readAtB(p.b, total, false);
      assert.equal(got.length, total, 'no segment lost');
      let k = 0;
      payloads.forEach((pl, i) => {
        const n = Math.ceil(pl.length / 1400);
        expectSegments(got.slice(k, k + n), false, pl, seqs[i], 1400, `super-frame ${i}`);
        k += n;
      });
      assert.equal(p.a.dp.stats().global.tapGsoFrames, 3);
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });

  test('with a path MTU set, super-frames are cut at a smaller MSS so no segment needs tunnel fragments', async () => {
    const p = pair(true, false);
    try {
      await started(p);
      p.a.dp.setPathMtu(1, 1400); // budget 1400 - 28 = 1372 bytes of UDP payload, frames <= 1340
      const payload = pattern(30000, 21);
      sendSuper(p.a, false, payload, 5000, 1448);
      const mss = 1340 - 14 - 20 - 20;
      const got = readAtB(p.b, Math.ceil(payload.length / mss), false);
      expectSegments(got, false, payload, 5000, mss, 'MSS lowered to the path MTU');
      for (const f of got) assert.ok(f.length <= 1340, `segment of ${f.length} bytes`);
      assert.equal(p.a.dp.stats().global.txFragments, 0, 'no tunnel fragments');
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });

  test('GRO: a peer with offloads writes the segments back as one TSO super-frame per flow run', async () => {
    const p = pair(true, true);
    try {
      await started(p);
      for (const v6 of [false, true]) {
        const payload = pattern(30000, v6 ? 11 : 12);
        const seq = 0xfffff000;
        sendSuper(p.a, v6, payload, seq, 1448);
        // one super-frame, or a few when the 21 segments reached B in more than one receive pass
        const frames: Buffer[] = [];
        let got = 0;
        while (got < payload.length) {
          const [g] = readFrames(p.b.dp, 1, 2000);
          assert.ok(g, `${v6 ? 'IPv6' : 'IPv4'}: ${got} of ${payload.length} payload bytes arrived`);
          frames.push(g);
          const f = g.subarray(VNET), l4 = 14 + (v6 ? 40 : 20);
          got += f.length - l4 - 20;
        }
        let off = 0;
        for (const g of frames) {
          const h = g.subarray(0, VNET), f = g.subarray(VNET);
          const l4 = 14 + (v6 ? 40 : 20), n = f.length - l4 - 20;
          const ip = f.subarray(14, l4), tcp = f.subarray(l4);
          assert.equal(tcp.readUInt32BE(4), (seq + off) >>> 0, 'sequence of the super-frame');
          if (n > 1448) { // merged: TSO header, NEEDS_CSUM with the pseudo-header sum in the field
            assert.equal(h[0], 1, 'NEEDS_CSUM');
            assert.equal(h[1], v6 ? 4 : 1, 'gso_type');
            assert.equal(h.readUInt16LE(4), 1448, 'gso_size');
            assert.equal(h.readUInt16LE(6), l4, 'csum_start');
            assert.equal(h.readUInt16LE(8), 16, 'csum_offset');
            assert.equal(tcp.readUInt16BE(16), fold(pseudo(ip, v6, 6, tcp.length)), 'pseudo-header sum');
            if (!v6) assert.equal(csum(sum16(ip)), 0, 'IPv4 header checksum');
            if (!v6) assert.equal(ip.readUInt16BE(2), f.length - 14, 'IPv4 total length');
            else assert.equal(ip.readUInt16BE(4), tcp.length, 'IPv6 payload length');
          } else {
            assert.deepEqual(h, Buffer.alloc(VNET), 'a lone segment: zero header');
            assert.equal(csum(sum16(tcp, pseudo(ip, v6, 6, tcp.length))), 0, 'TCP checksum');
          }
          assert.deepEqual(tcp.subarray(20), payload.subarray(off, off + n), 'payload');
          off += n;
        }
        assert.equal(frames[frames.length - 1].subarray(VNET)[14 + (v6 ? 40 : 20) + 13], 0x18, 'PSH on the last');
      }
      // B's writer counts a TAP write after the write returns: the reader here can be faster
      const g = await waitFor(() => { const x = p.b.dp.stats().global; return x.tapTxFrames >= 42 && x; }, 'B counts 42 segments written');
      assert.equal(g.tapTxFrames, 42, 'tapTxFrames counts segments');
      assert.ok(g.tapGroFrames >= 2 && g.tapGroFrames <= 42, `tapGroFrames ${g.tapGroFrames}`);
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });

  test('GRO: a run of same-size UDP datagrams reaches an offload peer as UDP_L4 super-frames that split into the same datagrams', async () => {
    const p = pair(true, true);
    try {
      assert.equal(p.b.dp.stats().global.tapUdpGro, 1, 'socketpair framing: UDP_L4 writes on');
      p.b.dp.start();
      const sent: Buffer[] = [];
      for (const v6 of [false, true]) for (let k = 0; k < 12; k++) sent.push(udpDatagram(v6, k, k === 11 ? 17 : 64));
      for (const f of sent) p.a.dp.testWriteFrame(Buffer.concat([Buffer.alloc(VNET), f])); // queued: one TAP batch
      p.a.dp.start();
      assert.ok(p.a.dp.sendKeepalive(1));
      const got: Buffer[] = [];
      while (got.length < sent.length) {
        const [g] = readFrames(p.b.dp, 1, 2000);
        assert.ok(g, `${got.length} of ${sent.length} datagrams arrived`);
        got.push(...splitUdpL4(g));
      }
      assert.equal(got.length, sent.length);
      got.forEach((f, i) => assert.deepEqual(f, sent[i], `datagram ${i}, split as the kernel splits it`));
      const g = await waitFor(() => { const x = p.b.dp.stats().global; return x.tapTxFrames >= 24 && x; }, 'B counts 24 datagrams written');
      assert.equal(g.tapTxFrames, 24, 'tapTxFrames counts datagrams');
      assert.ok(g.tapGroFrames >= 2 && g.tapGroFrames < 24, `tapGroFrames ${g.tapGroFrames}`);
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });

  test('a partial UDP checksum is completed; plain frames pass; malformed headers are counted drops', async () => {
    const p = pair(true, true);
    try {
      await started(p);
      // UDP in IPv4, checksum field = pseudo-header sum, NEEDS_CSUM at 34 + 6
      const data = pattern(301, 9);
      const f = Buffer.alloc(14 + 20 + 8 + data.length);
      H2.copy(f, 0);
      H1.copy(f, 6);
      f.writeUInt16BE(0x0800, 12);
      const ip = f.subarray(14, 34);
      ip[0] = 0x45;
      ip.writeUInt16BE(f.length - 14, 2);
      ip[8] = 64;
      ip[9] = 17;
      Buffer.from([198, 18, 1, 1, 198, 18, 1, 2]).copy(ip, 12);
      ip.writeUInt16BE(csum(sum16(ip)), 10);
      const udp = f.subarray(34);
      udp.writeUInt16BE(5000, 0);
      udp.writeUInt16BE(5001, 2);
      udp.writeUInt16BE(udp.length, 4);
      data.copy(udp, 8);
      udp.writeUInt16BE(fold(pseudo(ip, false, 17, udp.length)), 6);
      p.a.dp.testWriteFrame(Buffer.concat([vnetHdr(1, 0, 0, 34, 6), f]));
      const [g] = readAtB(p.b, 1, true);
      assert.ok(g, 'UDP frame arrives');
      assert.equal(csum(sum16(g.subarray(34), pseudo(g.subarray(14, 34), false, 17, udp.length))), 0, 'UDP checksum complete');
      assert.deepEqual(g.subarray(42), data);

      const plain = Buffer.from(f);
      p.a.dp.testWriteFrame(Buffer.concat([Buffer.alloc(VNET), plain]));
      assert.deepEqual(readAtB(p.b, 1, true)[0], plain, 'a zero header: the frame as it is');

      const d0 = p.a.dp.stats().drops;
      p.a.dp.testWriteFrame(Buffer.concat([vnetHdr(0, 3, 1400, 0, 0), f])); // UFO: not offered
      p.a.dp.testWriteFrame(Buffer.concat([vnetHdr(1, 1, 1400, 34, 16), f])); // TCPV4 on a UDP frame
      p.a.dp.testWriteFrame(Buffer.concat([vnetHdr(1, 0, 0, 300, 200), f])); // checksum beyond the frame
      p.a.dp.testWriteFrame(Buffer.alloc(5)); // shorter than the header
      await waitFor(() => {
        const d = p.a.dp.stats().drops;
        return d.tap_offload_bad - d0.tap_offload_bad === 3 && d.tap_frame_short - d0.tap_frame_short === 1;
      }, 'malformed input counted');
      p.a.dp.testWriteFrame(Buffer.concat([Buffer.alloc(VNET), plain]));
      assert.deepEqual(readAtB(p.b, 1, true)[0], plain, 'still forwarding afterwards');
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });

  test('options: tapGro false keeps the read side only (no merged writes); udpOffload false: no UDP GSO/GRO', () => {
    assert.throws(() => makeNode({ tapGro: 'off' as unknown as boolean }), { name: 'TypeError', message: /options\.tapGro must be a boolean/ });
    assert.throws(() => makeNode({ udpOffload: 0 as unknown as boolean }), { name: 'TypeError', message: /options\.udpOffload must be a boolean/ });
    for (const [opts, tapUdpGro] of [[{ tapOffload: true }, 1], [{ tapOffload: true, tapGro: false }, 0]] as const) {
      const n = makeNode(opts);
      try { assert.equal(n.dp.stats().global.tapUdpGro, tapUdpGro, JSON.stringify(opts)); } finally { n.dp.stop(); }
    }
    const n = makeNode({ udpOffload: false });
    try {
      const g = n.dp.stats().global;
      assert.deepEqual([g.udpGso, g.udpGro], [0, 0]);
    } finally {
      n.dp.stop();
    }
  });

  test('options: tapOffload must be a boolean; maxFrameSize is range-checked; defaults off / 1522', () => {
    assert.throws(() => makeNode({ tapOffload: 1 as unknown as boolean }), { name: 'TypeError', message: /options\.tapOffload must be a boolean/ });
    assert.throws(() => makeNode({ maxFrameSize: 9023 }), { name: 'RangeError', message: /options\.maxFrameSize must be an integer in \[1514, 9022\], got 9023/ });
    const n = makeNode();
    try {
      const g = n.dp.stats().global;
      assert.equal(g.tapOffload, 0);
      assert.equal(g.maxFrameSize, 1522);
    } finally {
      n.dp.stop();
    }
  });
});
