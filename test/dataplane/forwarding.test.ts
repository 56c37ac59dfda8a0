// Tier 2: frames in on one data plane's TAP come out of the other's, byte for byte, over a real
// encrypted UDP tunnel on 127.0.0.1 (two addon instances, socketpair "TAPs", no root).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { BROADCAST, Pair, frame, mac, makePair, readFrames } from './harness';

const H1 = mac(0x01); // a host on A's side
const H2 = mac(0x02); // a host on B's side
const MAX_FRAME = 1518 + 4;
const CHUNK = 8; // AF_UNIX datagram queues are short (net.unix.max_dgram_qlen): read as we go

describe('forwarding between two data planes', () => {
  let p: Pair;
  before(async () => {
    p = await makePair();
  });
  after(() => p.close());

  test('broadcast A -> B is delivered byte-identical and floods once', () => {
    const floods = p.a.dp.stats().global.floods;
    const f = frame(BROADCAST, H1, 60, 1);
    p.a.dp.testWriteFrame(f);
    assert.deepEqual(p.b.dp.testReadFrame(2000), f);
    assert.equal(p.a.dp.stats().global.floods, floods + 1);
  });

  test('unicast B -> A to a learned MAC, and MAC learning is visible on both sides', () => {
    const f = frame(H1, H2, 100, 2); // H1 was learned at B as peer 1 by the broadcast above
    p.b.dp.testWriteFrame(f);
    assert.deepEqual(p.a.dp.testReadFrame(2000), f);

    const tb = new Map(p.b.dp.macTable().map((e) => [e.mac, e]));
    assert.equal(tb.get('02:00:00:00:00:01')?.peer, 1, 'B: H1 lives behind peer 1');
    assert.equal(tb.get('02:00:00:00:00:02')?.peer, 0, 'B: H2 is local');
    const ta = new Map(p.a.dp.macTable().map((e) => [e.mac, e]));
    assert.equal(ta.get('02:00:00:00:00:01')?.peer, 0);
    assert.equal(ta.get('02:00:00:00:00:02')?.peer, 1);
    for (const e of [...ta.values(), ...tb.values()]) assert.ok(e.ageMs >= 0 && e.ageMs < 10000);
    const s = p.b.dp.stats();
    assert.ok(s.macTable.size >= 2 && s.macTable.learned >= 2);
    assert.equal(s.macTable.capacity, 4096);
  });

  test('many frames in both directions, unicast, all sizes 14..1522', () => {
    const before = { a: p.a.dp.stats(), b: p.b.dp.stats() };
    const sizes: number[] = [];
    for (let len = 14; len <= MAX_FRAME; len += 23) sizes.push(len);
    sizes.push(MAX_FRAME);
    for (const [from, to, src, dst] of [
      [p.a.dp, p.b.dp, H1, H2],
      [p.b.dp, p.a.dp, H2, H1],
    ] as const) {
      for (let i = 0; i < sizes.length; i += CHUNK) {
        const sent = sizes.slice(i, i + CHUNK).map((len, k) => frame(dst, src, len, i + k));
        for (const f of sent) from.testWriteFrame(f);
        const got = readFrames(to, sent.length, 2000);
        assert.equal(got.length, sent.length, `chunk at ${i}: frames lost`);
        got.forEach((g, k) => assert.deepEqual(g, sent[k], `frame ${i + k} (${sent[k].length} bytes) differs`));
      }
    }
    const after = { a: p.a.dp.stats(), b: p.b.dp.stats() };
    const n = sizes.length;
    assert.equal(after.a.global.tapRxFrames - before.a.global.tapRxFrames, n);
    assert.equal(after.b.global.tapTxFrames - before.b.global.tapTxFrames, n);
    assert.equal(after.a.global.floods, before.a.global.floods, 'known destination: no flood');
    assert.equal(after.a.peers[0].txFrames - before.a.peers[0].txFrames, n);
    assert.equal(after.b.peers[0].rxFrames - before.b.peers[0].rxFrames, n);
    for (const s of [after.a, after.b])
      for (const [reason, count] of Object.entries(s.drops)) assert.equal(count, 0, `unexpected drop ${reason}`);
  });

  test('a burst of 300 frames A -> B arrives complete and in order', () => {
    const total = 300;
    let got = 0;
    for (let i = 0; i < total; i += CHUNK) {
      const sent: Buffer[] = [];
      for (let k = i; k < Math.min(total, i + CHUNK); k++) {
        const f = frame(H2, H1, 200, k);
        f.writeUInt32BE(k, 14);
        sent.push(f);
        p.a.dp.testWriteFrame(f);
      }
      for (const f of readFrames(p.b.dp, sent.length, 2000)) {
        assert.equal(f.readUInt32BE(14), got, 'order');
        got++;
      }
    }
    assert.equal(got, total);
  });

  test('frame too short / oversize / invalid source / local destination are dropped and counted', () => {
    const d0 = p.a.dp.stats().drops;
    p.a.dp.testWriteFrame(Buffer.alloc(13));
    p.a.dp.testWriteFrame(frame(H2, H1, MAX_FRAME + 1));
    p.a.dp.testWriteFrame(frame(H2, BROADCAST, 64)); // group source MAC
    p.a.dp.testWriteFrame(frame(H1, mac(0x03), 64)); // H1 is local at A
    assert.equal(p.b.dp.testReadFrame(300), null, 'nothing crosses');
    const d = p.a.dp.stats().drops;
    assert.equal(d.tap_frame_short - d0.tap_frame_short, 1);
    assert.equal(d.tap_frame_oversize - d0.tap_frame_oversize, 1);
    assert.equal(d.tap_frame_invalid - d0.tap_frame_invalid, 1);
    assert.equal(d.local_destination - d0.local_destination, 1);
  });

  test('stats: global and per-peer counters are consistent', () => {
    const a = p.a.dp.stats();
    const b = p.b.dp.stats();
    assert.ok(a.global.txDatagrams > 0 && a.global.txBytes > a.global.txDatagrams * 32);
    assert.equal(b.global.rxDatagrams, a.global.txDatagrams, 'loopback loses nothing');
    assert.equal(b.global.rxBytes, a.global.txBytes);
    assert.equal(a.peers.length, 1);
    const pa = a.peers[0];
    assert.equal(pa.id, 1);
    assert.deepEqual(pa.endpoint, p.b.ep);
    assert.ok(pa.lastTxMs >= 0 && pa.lastRxMs >= 0);
    assert.equal(pa.currentKey?.localIndex, p.session.aIndex);
    assert.ok(pa.currentKey!.sendCounter > 0);
    assert.equal(b.peers[0].currentKey?.localIndex, p.session.bIndex);
  });
});
