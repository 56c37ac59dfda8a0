// Tier 2: QoS bands + shaper (DataPlane option qos, setQos/qosStats, docs/INTERNALS.md 2c). Two
// data planes in socketpair mode: A (qos, shaped to a low rate so its queue builds) sends to B, and
// the order B writes frames to its "TAP" is the order A put them on the wire.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import type { DataPlane, QosStats } from '../../src/dataplane';
import { BROADCAST, LOCALHOST, addon, installSession, mac, newSession, readFrames, sleep, waitFor } from './harness';

const SRC = mac(0x31);
const EF = 46 << 2;
const CS1 = 8 << 2;

/** Ethernet + IPv4 (tos) + UDP to dport; payload bytes 42.. = tag (u32). */
function udpFrame(tos: number, dport: number, tag: number, len = 1000): Buffer {
  const f = Buffer.alloc(len);
  BROADCAST.copy(f, 0);
  SRC.copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f[15] = tos;
  f.writeUInt16BE(len - 14, 16);
  f[22] = 64;
  f[23] = 17;
  Buffer.from([198, 18, 0, 1, 198, 18, 0, 2]).copy(f, 26);
  f.writeUInt16BE(40000, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt16BE(len - 34, 38);
  f.writeUInt32BE(tag, 42);
  return f;
}

function band(s: QosStats, name: string) {
  const b = s.bands.find((x) => x.name === name);
  assert.ok(b, `band ${name} in qosStats`);
  return b;
}

describe('QoS bands and shaper', () => {
  let a: DataPlane;
  let b: DataPlane;

  before(async () => {
    const events: unknown[] = [];
    a = new addon.DataPlane({ tap: { socketpair: true }, listen: { address: LOCALHOST, port: 0 }, onEvent: () => undefined, qos: true });
    b = new addon.DataPlane({ tap: { socketpair: true }, listen: { address: LOCALHOST, port: 0 }, onEvent: (e) => events.push(e) });
    a.addPeer(1, { address: LOCALHOST, port: b.port });
    b.addPeer(1, { address: LOCALHOST, port: a.port });
    installSession(a, 1, b, 1, newSession());
    a.start();
    b.start();
    assert.ok(a.sendKeepalive(1));
    await waitFor(() => events.find((e) => (e as { type: string }).type === 'keypair-confirmed'), 'B confirms the keypair');
  });
  after(() => {
    a.stop();
    b.stop();
  });

  test('setQos validates its settings; a data plane without options.qos refuses it', () => {
    assert.throws(() => a.setQos({ realtimeSharePct: 0 }), /realtimeSharePct/);
    assert.throws(() => a.setQos({ rules: [{ proto: 17, portFrom: 10, portTo: 5, band: 'realtime' }] }), /portTo/);
    assert.throws(() => a.setQos({ rules: [{ proto: 17, portFrom: 10, portTo: 20, band: 'voice' as never }] }), /band must be one of/);
    assert.throws(() => a.setQos({ outerDscp: { realtime: 64 } }), /outerDscp\['realtime'\]/);
    assert.throws(() => b.setQos({}), (e: NodeJS.ErrnoException) => e.code === 'ERR_QOS_OFF');
    const off = b.qosStats();
    assert.equal(off.enabled, false);
    assert.deepEqual(off.bands, []);
    const on = a.qosStats();
    assert.equal(on.enabled, true);
    assert.deepEqual(on.bands.map((x) => [x.name, x.dscp]), [
      ['network-control', 48], ['realtime', 46], ['interactive', 34], ['best-effort', 0], ['bulk', 8],
    ]);
  });

  test('shaped to 2 Mbit/s: realtime frames sent after a bulk burst reach the peer first; counters match', async () => {
    const BULK = 100;
    const RT = 10;
    a.setQos({ wanRateBitsPerS: 2_000_000, rules: [{ proto: 17, portFrom: 16384, portTo: 32767, band: 'realtime' }] });
    for (let i = 0; i < BULK; i++) a.testWriteFrame(udpFrame(CS1, 9, i));
    for (let i = 0; i < RT / 2; i++) a.testWriteFrame(udpFrame(EF, 9, 1000 + i, 200)); // by DSCP
    for (let i = RT / 2; i < RT; i++) a.testWriteFrame(udpFrame(CS1, 20000, 1000 + i, 200)); // by the RTP rule over CS1

    // 100 x 1074 wire bytes at 2 Mbit/s: about 0.43 s
    const got = readFrames(b, BULK + RT, 3000).map((f) => f.readUInt32BE(42));
    assert.equal(got.length, BULK + RT, 'every frame arrived');
    const rtAt = got.map((t, i) => (t >= 1000 ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(got.filter((t) => t >= 1000), [...Array(RT).keys()].map((i) => 1000 + i), 'realtime order kept');
    assert.deepEqual(got.filter((t) => t < 1000), [...Array(BULK).keys()], 'bulk order kept');
    // only what left within the shaper's burst (8 KiB) before the realtime frames were read may precede them
    assert.ok(rtAt[RT - 1] < 25, `realtime frames overtook the bulk backlog (positions ${rtAt.join(',')})`);

    const s = a.qosStats();
    assert.equal(s.wanRateBitsPerS, 2_000_000);
    assert.deepEqual(s.rules, [{ proto: 17, portFrom: 16384, portTo: 32767, band: 'realtime' }]);
    assert.deepEqual([band(s, 'realtime').enqueued, band(s, 'realtime').sent, band(s, 'realtime').dropped], [RT, RT, 0]);
    assert.deepEqual([band(s, 'bulk').enqueued, band(s, 'bulk').sent, band(s, 'bulk').dropped], [BULK, BULK, 0]);
    assert.equal(band(s, 'bulk').sentBytes, BULK * 1000);
    for (const x of s.bands) assert.deepEqual([x.depthPackets, x.depthBytes], [0, 0], `${x.name} drained`);
    assert.ok(s.shaperDelayed > 0, 'the shaper held frames back');
    assert.equal(a.stats().drops.qos_band_full, 0);
  });

  test('a full band drops (tail) and counts; depth stays within the limit', async () => {
    a.setQos({ wanRateBitsPerS: 100_000 }); // 100 kbit/s: almost nothing leaves meanwhile
    const before = band(a.qosStats(), 'realtime');
    const N = 400;
    for (let i = 0; i < N; i++) a.testWriteFrame(udpFrame(EF, 9, 5000 + i, 200));
    const s = await waitFor(() => {
      const q = a.qosStats();
      const r = band(q, 'realtime');
      return r.enqueued + r.dropped - before.enqueued - before.dropped === N && q;
    }, 'the reader classified every frame');
    const r = band(s, 'realtime');
    assert.ok(r.dropped > 0, 'tail drops counted');
    assert.ok(r.depthPackets <= r.limitPackets, `depth ${r.depthPackets} within ${r.limitPackets}`);
    assert.equal(a.stats().drops.qos_band_full, r.dropped);
    a.setQos({}); // unshaped again: the backlog drains at once
    await waitFor(() => band(a.qosStats(), 'realtime').depthPackets === 0, 'the band drains');
    const out = readFrames(b, r.enqueued - before.enqueued, 2000).map((f) => f.readUInt32BE(42));
    assert.equal(out.length, r.enqueued - before.enqueued, 'every queued frame arrived');
    for (let i = 1; i < out.length; i++) assert.ok(out[i] > out[i - 1], 'FIFO within the band');
    await sleep(10);
  });
});
