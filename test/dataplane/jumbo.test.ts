// Tier 2: jumbo frames (options.maxFrameSize, docs/INTERNALS.md 2d) between two socketpair data
// planes: a 9014-byte frame (9018 with a VLAN tag) crosses intact, as tunnel fragments when a
// 1500-byte path MTU is set and whole without one; above the configured maximum it is a counted
// tap_frame_oversize drop, and a default data plane still drops anything above 1522.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { Node, frame, installSession, mac, makeNode, newSession, readFrames, waitFor } from './harness';

const H1 = mac(0x01);
const H2 = mac(0x02);

async function pair(maxFrameSize?: number): Promise<{ a: Node; b: Node }> {
  const a = makeNode(maxFrameSize ? { maxFrameSize } : {});
  const b = makeNode(maxFrameSize ? { maxFrameSize } : {});
  a.dp.addPeer(1, b.ep);
  b.dp.addPeer(1, a.ep);
  installSession(a.dp, 1, b.dp, 1, newSession());
  a.dp.start();
  b.dp.start();
  assert.ok(a.dp.sendKeepalive(1));
  await waitFor(() => b.events.find((e) => e.type === 'keypair-confirmed'), 'B confirms the keypair');
  return { a, b };
}

function tagged(len: number, seed: number): Buffer {
  const f = frame(H2, H1, len, seed);
  f.writeUInt16BE(0x8100, 12);
  f.writeUInt16BE(42, 14);
  f.writeUInt16BE(0x0800, 16);
  return f;
}

describe('jumbo frames (socketpair)', () => {
  test('maxFrameSize 9018: 9014/9018-byte frames cross whole and as fragments at path MTU 1500', async () => {
    const p = await pair(9018);
    try {
      assert.equal(p.a.dp.stats().global.maxFrameSize, 9018);
      const sent = [frame(H2, H1, 9014, 1), tagged(9018, 2), frame(H2, H1, 1514, 3)];
      for (const f of sent) p.a.dp.testWriteFrame(f);
      assert.deepEqual(readFrames(p.b.dp, 3, 2000), sent, 'whole datagrams (no path MTU set)');
      p.a.dp.setPathMtu(1, 1500);
      const f0 = p.a.dp.stats().global.txFragments;
      for (const f of sent) p.a.dp.testWriteFrame(f);
      assert.deepEqual(readFrames(p.b.dp, 3, 2000), sent, 'as tunnel fragments');
      const s = p.a.dp.stats().global;
      assert.ok(s.txFragments - f0 >= 14, `two jumbo frames = 7 fragments each (${s.txFragments - f0})`);
      assert.equal(p.b.dp.stats().global.reassembled, 3, 'the two jumbo frames and the 1514-byte one reassembled');
      const d0 = p.a.dp.stats().drops.tap_frame_oversize;
      p.a.dp.testWriteFrame(frame(H2, H1, 9019, 4));
      await waitFor(() => p.a.dp.stats().drops.tap_frame_oversize === d0 + 1, 'a 9019-byte frame is oversize');
      for (const n of [p.a, p.b]) {
        const d = n.dp.stats().drops;
        assert.equal(d.peer_frame_invalid + d.frag_oversize + d.bad_size, 0);
      }
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });

  test('default maximum 1522: a 1523-byte frame is tap_frame_oversize', async () => {
    const p = await pair();
    try {
      assert.equal(p.a.dp.stats().global.maxFrameSize, 1522);
      const d0 = p.a.dp.stats().drops.tap_frame_oversize;
      p.a.dp.testWriteFrame(frame(H2, H1, 1523, 1));
      p.a.dp.testWriteFrame(frame(H2, H1, 9014, 2));
      await waitFor(() => p.a.dp.stats().drops.tap_frame_oversize === d0 + 2, 'oversize counted');
      const ok = tagged(1522, 3);
      p.a.dp.testWriteFrame(ok);
      assert.deepEqual(readFrames(p.b.dp, 1, 2000), [ok]);
    } finally {
      p.a.dp.stop();
      p.b.dp.stop();
    }
  });
});
