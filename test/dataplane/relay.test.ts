// Tier 2: three sites, no root. Hub C pairs with spokes A and B (socketpair "TAPs", real
// encrypted UDP on 127.0.0.1). With setRelay(true) at C (config topology 'hub'): a broadcast from
// one spoke reaches the hub's LAN and the other spoke exactly once and never comes back; known
// unicast between spokes is relayed to the one spoke that has the MAC, not flooded and not on
// the hub's LAN; relayed frames are re-sealed per target and path-MTU fragmented like frames
// from the TAP. With relay off (mesh, two sites) a frame from a peer only reaches the LAN.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import type { FailoverOptions, StormRates } from '../../src/dataplane/types';
import { BROADCAST, Node, frame, installSession, mac, makeNode, newSession, readFrames, waitFor } from './harness';

const HA = mac(0x0a); // a host on spoke A's LAN
const HB = mac(0x0b); // on spoke B's LAN
const HC = mac(0x0c); // on the hub's LAN
const QUIET_MS = 300; // how long "nothing arrives" is watched
const rates = (bPps: number, bBurst: number): StormRates => ({ broadcastPps: bPps, broadcastBurst: bBurst,
  multicastPps: 1000, multicastBurst: 2000, unknownUnicastPps: 10000, unknownUnicastBurst: 20000 });
const OPTS: FailoverOptions = { proxyArp: false, proxyNd: false, learnPrefixes: [],
  storm: { toTunnel: rates(1000, 2000), fromTunnel: rates(1000, 2000) }, isolate: { dhcp: false, vrrp: false, hsrp: false, ra: false } };

/** Everything that arrives at a node's LAN within QUIET_MS. */
function drain(n: Node, ms = QUIET_MS): Buffer[] {
  return readFrames(n.dp, 1000, ms);
}

describe('hub relay between three sites', () => {
  let a: Node, b: Node, c: Node;
  const A_AT_C = 1, B_AT_C = 2; // peer ids at the hub; each spoke knows the hub as peer 1
  before(async () => {
    a = makeNode();
    b = makeNode();
    c = makeNode();
    a.dp.addPeer(1, c.ep);
    b.dp.addPeer(1, c.ep);
    c.dp.addPeer(A_AT_C, a.ep);
    c.dp.addPeer(B_AT_C, b.ep);
    installSession(a.dp, 1, c.dp, A_AT_C, newSession());
    installSession(b.dp, 1, c.dp, B_AT_C, newSession());
    for (const n of [a, b, c]) n.dp.start();
    assert.ok(a.dp.sendKeepalive(1) && b.dp.sendKeepalive(1));
    await waitFor(() => c.events.filter((e) => e.type === 'keypair-confirmed').length === 2, 'C confirms both spokes');
    c.dp.setRelay(true);
  });
  after(() => { for (const n of [a, b, c]) n.dp.stop(); });

  test('a broadcast from spoke A reaches the hub LAN and spoke B exactly once, and not A again', () => {
    const s0 = c.dp.stats().global;
    const f = frame(BROADCAST, HA, 60, 1);
    a.dp.testWriteFrame(f);
    const atC = drain(c), atB = drain(b), atA = drain(a);
    assert.deepEqual(atC, [f], 'hub LAN: once, byte-identical');
    assert.deepEqual(atB, [f], 'spoke B: once, byte-identical');
    assert.equal(atA.length, 0, 'never back to the sender');
    const s1 = c.dp.stats().global;
    assert.equal(s1.relayFloods - s0.relayFloods, 1);
    assert.equal(s1.relayed - s0.relayed, 0);
    assert.equal(s1.floods - s0.floods, 0, 'a relayed flood is not a flood from the hub LAN');
  });

  test('known unicast B -> A goes through the hub to A only (not flooded, not on the hub LAN)', () => {
    // B learns HA at its peer (the hub) from the broadcast above; the hub learns HB now
    b.dp.testWriteFrame(frame(BROADCAST, HB, 60, 2));
    assert.equal(drain(a).length, 1);
    assert.equal(drain(c).length, 1);
    const s0 = c.dp.stats();
    const sent: Buffer[] = [];
    for (let i = 0; i < 8; i++) sent.push(frame(HA, HB, 100 + i, 10 + i));
    for (const f of sent) b.dp.testWriteFrame(f);
    assert.deepEqual(readFrames(a.dp, sent.length, 2000), sent, 'all at A, in order, byte-identical');
    assert.equal(drain(c).length, 0, 'nothing on the hub LAN');
    assert.equal(drain(b).length, 0, 'nothing back at B');
    const s1 = c.dp.stats();
    assert.equal(s1.global.relayed - s0.global.relayed, sent.length);
    assert.equal(s1.global.relayFloods - s0.global.relayFloods, 0);
    assert.equal(s1.global.tapTxFrames - s0.global.tapTxFrames, 0);
    const toA = (s: typeof s1) => s.peers.find((p) => p.id === A_AT_C)!.txFrames;
    assert.equal(toA(s1) - toA(s0), sent.length, 're-sealed for A, one datagram each');
  });

  test('unknown unicast from A floods to the hub LAN and B once; a frame for the hub LAN stays there', () => {
    const hx = mac(0x77);
    const f = frame(hx, HA, 80, 3);
    a.dp.testWriteFrame(f); // unknown at A: flooded to its only peer, the hub
    assert.deepEqual(drain(c), [f]);
    assert.deepEqual(drain(b), [f]);
    assert.equal(drain(a).length, 0);
    c.dp.testWriteFrame(frame(BROADCAST, HC, 60, 4)); // the hub LAN's host becomes known
    assert.equal(drain(a).length, 1);
    assert.equal(drain(b).length, 1);
    const g = frame(HC, HA, 90, 5);
    a.dp.testWriteFrame(g);
    assert.deepEqual(drain(c), [g]);
    assert.equal(drain(b).length, 0, 'a host of the hub LAN: not relayed');
  });

  test('path MTU and sealing apply to relayed frames: a 1514-byte frame to a 1400-byte path arrives whole', async () => {
    b.dp.testWriteFrame(frame(BROADCAST, HB, 60, 8)); // HB at B again
    a.dp.testWriteFrame(frame(BROADCAST, HA, 60, 9)); // HA at A again
    drain(a); drain(b); drain(c);
    c.dp.setPathMtu(B_AT_C, 1400);
    const s0 = c.dp.stats().global;
    const big = frame(HB, HA, 1514, 10);
    a.dp.testWriteFrame(big);
    assert.deepEqual(b.dp.testReadFrame(2000), big);
    await waitFor(() => c.dp.stats().global.txFragments - s0.txFragments >= 2 || null, 'hub fragments the relayed frame');
    assert.equal(c.dp.stats().global.relayed - s0.relayed, 1);
    c.dp.setPathMtu(B_AT_C, 0);
  });

  test('the hub\'s to-tunnel storm limit applies to relayed floods; its own LAN still gets every frame', () => {
    const PPS = 5, BURST = 5, N = 40;
    c.dp.setFailoverOptions({ ...OPTS, storm: { ...OPTS.storm, toTunnel: rates(PPS, BURST) } });
    const st0 = c.dp.failoverStats().storm.toTunnel.broadcast, s0 = c.dp.stats();
    let atB = 0, atC = 0;
    const t0 = process.hrtime.bigint();
    try {
      for (let i = 0; i < N; i += 8) {
        for (let k = i; k < i + 8; k++) a.dp.testWriteFrame(frame(BROADCAST, HA, 60, 100 + k));
        atC += readFrames(c.dp, 8, 1000).length;
        atB += drain(b, 50).length;
      }
      atB += drain(b).length;
    } finally {
      c.dp.setFailoverOptions(OPTS);
    }
    const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
    const st1 = c.dp.failoverStats().storm.toTunnel.broadcast, s1 = c.dp.stats();
    assert.equal(atC, N, 'every broadcast reached the hub LAN');
    assert.ok(atB >= BURST && atB <= BURST + PPS * elapsedS + 2, `spoke B got ${atB} (burst ${BURST} + ${PPS}/s x ${elapsedS.toFixed(2)} s)`);
    assert.equal(st1.passed - st0.passed, atB);
    assert.equal(st1.dropped - st0.dropped, N - atB);
    assert.equal(s1.drops.storm_broadcast - s0.drops.storm_broadcast, N - atB, 'counted as storm_broadcast');
    assert.equal(s1.global.relayFloods - s0.global.relayFloods, atB);
  });

  test('the hub seals its own LAN\'s frames and relayed ones at the same time: all arrive, none fails authentication', () => {
    b.dp.testWriteFrame(frame(BROADCAST, HB, 60, 40));
    a.dp.testWriteFrame(frame(BROADCAST, HA, 60, 41));
    c.dp.testWriteFrame(frame(BROADCAST, HC, 60, 42));
    drain(a); drain(b); drain(c);
    const auth0 = a.dp.stats().drops.auth_failed + b.dp.stats().drops.auth_failed;
    const s0 = c.dp.stats().global.relayed;
    const ROUNDS = 60;
    for (let r = 0; r < ROUNDS; r++) {
      const toA = [0, 1, 2, 3].map((k) => frame(HA, HC, 1000 + k, 1000 + r * 8 + k)); // C's TX thread seals these
      const toB = [0, 1, 2, 3].map((k) => frame(HB, HA, 1000 + k, 2000 + r * 8 + k)); // C's RX thread relays these
      for (let k = 0; k < 4; k++) { c.dp.testWriteFrame(toA[k]); a.dp.testWriteFrame(toB[k]); }
      assert.deepEqual(readFrames(b.dp, 4, 2000), toB, `round ${r}: relayed frames at B`);
      const atA = readFrames(a.dp, 4, 2000);
      assert.deepEqual(atA, toA, `round ${r}: the hub's own frames at A`);
    }
    assert.equal(a.dp.stats().drops.auth_failed + b.dp.stats().drops.auth_failed, auth0, 'no datagram failed authentication');
    assert.equal(c.dp.stats().global.relayed - s0, ROUNDS * 4);
  });

  test('relay off (mesh, or two sites): a frame from a peer reaches the LAN only (split horizon)', () => {
    c.dp.setRelay(false);
    const s0 = c.dp.stats().global;
    const f = frame(BROADCAST, HA, 60, 11);
    a.dp.testWriteFrame(f);
    assert.deepEqual(drain(c), [f]);
    assert.equal(drain(b).length, 0, 'not relayed to the other peer');
    b.dp.testWriteFrame(frame(HA, HB, 64, 12)); // known unicast for A: reaches the hub LAN, not A
    assert.equal(drain(a).length, 0);
    assert.equal(drain(c).length, 1);
    const s1 = c.dp.stats().global;
    assert.equal(s1.relayed + s1.relayFloods, s0.relayed + s0.relayFloods);
    c.dp.setRelay(true);
    a.dp.testWriteFrame(f); // live: the next frame is relayed again
    assert.deepEqual(drain(b), [f]);
    drain(c);
    for (const n of [a, b, c]) for (const [reason, count] of Object.entries(n.dp.stats().drops))
      if (!['local_destination', 'storm_broadcast'].includes(reason)) assert.equal(count, 0, `unexpected drop ${reason}`);
  });
});

describe('hub relay with QoS on the hub', () => {
  let a: Node, b: Node, c: Node;
  before(async () => {
    a = makeNode();
    b = makeNode();
    c = makeNode({ qos: true } as Parameters<typeof makeNode>[0]);
    a.dp.addPeer(1, c.ep);
    b.dp.addPeer(1, c.ep);
    c.dp.addPeer(1, a.ep);
    c.dp.addPeer(2, b.ep);
    installSession(a.dp, 1, c.dp, 1, newSession());
    installSession(b.dp, 1, c.dp, 2, newSession());
    for (const n of [a, b, c]) n.dp.start();
    assert.ok(a.dp.sendKeepalive(1) && b.dp.sendKeepalive(1));
    await waitFor(() => c.events.filter((e) => e.type === 'keypair-confirmed').length === 2, 'C confirms both spokes');
    c.dp.setRelay(true);
    c.dp.setQos({ wanRateBitsPerS: 2_000_000 });
  });
  after(() => { for (const n of [a, b, c]) n.dp.stop(); });

  test('relayed bytes are charged to the hub\'s WAN shaper: its own LAN\'s next frame waits for them', async () => {
    a.dp.testWriteFrame(frame(BROADCAST, HA, 60, 1));
    b.dp.testWriteFrame(frame(BROADCAST, HB, 60, 2));
    drain(a); drain(b); drain(c);
    await new Promise((r) => setTimeout(r, 300)); // the bucket refills to its burst
    const d0 = c.dp.qosStats().shaperDelayed;
    c.dp.testWriteFrame(frame(HA, HC, 100, 3));
    assert.equal(a.dp.testReadFrame(2000)?.length, 100);
    const d1 = c.dp.qosStats().shaperDelayed;
    assert.equal(d1, d0, 'a full bucket: the hub LAN\'s frame is not delayed');
    const big: Buffer[] = [];
    for (let i = 0; i < 16; i++) big.push(frame(HB, HA, 1400, 10 + i));
    for (let i = 0; i < 16; i += 8) {
      for (const f of big.slice(i, i + 8)) a.dp.testWriteFrame(f);
      assert.equal(readFrames(b.dp, 8, 2000).length, 8, 'relayed frames are sent at once, not shaped');
    }
    c.dp.testWriteFrame(frame(HA, HC, 100, 4));
    assert.equal(a.dp.testReadFrame(3000)?.length, 100, 'and still delivered');
    assert.ok(c.dp.qosStats().shaperDelayed > d1, `the shaper held the hub LAN's frame back for the relayed bytes (${d1} -> ${c.dp.qosStats().shaperDelayed})`);
    assert.equal(c.dp.stats().global.relayed >= 16, true);
  });
});
