// Tier 2: the partial-failover wiring of the data plane (docs/INTERNALS.md 5.3): proxy ARP/ND,
// neighbor learning and events, probes and announcements, the L2 filter and isolation presets,
// storm control, quarantine, the MAC table following setNeighbor, aging, and argument checks.
// Two data planes in socketpair mode over 127.0.0.1; every frame is built here, independently of
// the C builders, and answers are checked byte for byte.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';

import type { DataPlane, FailoverOptions, NativeEvent, StormRates } from '../../src/dataplane/types';
import { BROADCAST, Node, Pair, frame, mac, makePair, sealData, sleep, waitFor, LOCALHOST } from './harness';

// ---- frame builders (independent of native/core) ----

const ip4 = (s: string) => Buffer.from(s.split('.').map(Number));
function ip6(s: string): Buffer {
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 2 * i));
  return b;
}
const macStr = (m: Buffer) => [...m].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ZERO6 = Buffer.alloc(6);

function eth(dst: Buffer, src: Buffer, type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(14);
  dst.copy(h, 0);
  src.copy(h, 6);
  h.writeUInt16BE(type, 12);
  return Buffer.concat([h, payload]);
}

function arp(op: number, sha: Buffer, spa: Buffer, tha: Buffer, tpa: Buffer): Buffer {
  const a = Buffer.alloc(28);
  a.writeUInt16BE(1, 0);
  a.writeUInt16BE(0x0800, 2);
  a[4] = 6;
  a[5] = 4;
  a.writeUInt16BE(op, 6);
  sha.copy(a, 8);
  spa.copy(a, 14);
  tha.copy(a, 18);
  tpa.copy(a, 24);
  return a;
}
const arpFrame = (dst: Buffer, src: Buffer, op: number, sha: Buffer, spa: Buffer, tha: Buffer, tpa: Buffer) =>
  eth(dst, src, 0x0806, arp(op, sha, spa, tha, tpa));

/** RFC 4443 2.3: one's complement sum over the pseudo-header and the message. */
function icmp6Checksum(src: Buffer, dst: Buffer, msg: Buffer): number {
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 16);
  pseudo.writeUInt32BE(msg.length, 32);
  pseudo[39] = 58;
  const all = Buffer.concat([pseudo, msg, Buffer.alloc(msg.length & 1)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ip6Packet(src: Buffer, dst: Buffer, next: number, payload: Buffer, hop = 255): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = hop;
  src.copy(h, 8);
  dst.copy(h, 24);
  return Buffer.concat([h, payload]);
}

function icmp6(src: Buffer, dst: Buffer, type: number, body: Buffer): Buffer {
  const m = Buffer.concat([Buffer.from([type, 0, 0, 0]), body]);
  m.writeUInt16BE(icmp6Checksum(src, dst, m), 2);
  return ip6Packet(src, dst, 58, m);
}

const solicitedNode = (t: Buffer) => Buffer.concat([ip6('ff02::1:ff00:0').subarray(0, 13), t.subarray(13)]);
const mcastMac = (a: Buffer) => Buffer.concat([Buffer.from([0x33, 0x33]), a.subarray(12)]);
const llOption = (type: number, m: Buffer) => Buffer.concat([Buffer.from([type, 1]), m]);

function nsFrame(srcMac: Buffer, src: Buffer, target: Buffer, sll: boolean): Buffer {
  const dst = solicitedNode(target);
  const body = Buffer.concat([Buffer.alloc(4), target, sll ? llOption(1, srcMac) : Buffer.alloc(0)]);
  return eth(mcastMac(dst), srcMac, 0x86dd, icmp6(src, dst, 135, body));
}

function naFrame(dstMac: Buffer, srcMac: Buffer, src: Buffer, dst: Buffer, target: Buffer, flags: number): Buffer {
  const body = Buffer.concat([Buffer.from([flags, 0, 0, 0]), target, llOption(2, srcMac)]);
  return eth(dstMac, srcMac, 0x86dd, icmp6(src, dst, 136, body));
}

function ip4Packet(src: Buffer, dst: Buffer, proto: number, payload: Buffer, ttl = 64): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = ttl;
  h[9] = proto;
  src.copy(h, 12);
  dst.copy(h, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return Buffer.concat([h, payload]);
}

function udp(sport: number, dport: number, data: Buffer): Buffer {
  const u = Buffer.alloc(8);
  u.writeUInt16BE(sport, 0);
  u.writeUInt16BE(dport, 2);
  u.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([u, data]);
}

// ---- hosts ----

const H1 = mac(0x01); // asker on A's LAN
const H2 = mac(0x02); // host on B's LAN
const R = mac(0x20); // the remote host that A proxies for
const IP_H1 = '198.18.1.10';
const IP_R = '198.18.1.20';
const V6_H1 = '2001:db8::10';
const V6_R = '2001:db8::20';

function drain(dp: DataPlane, ms = 30): Buffer[] {
  const out: Buffer[] = [];
  for (let f = dp.testReadFrame(ms); f; f = dp.testReadFrame(ms)) out.push(f);
  return out;
}

const rates = (bPps: number, bBurst: number, mPps = 0, mBurst = 0, uPps = 0, uBurst = 0): StormRates => ({
  broadcastPps: bPps, broadcastBurst: bBurst, multicastPps: mPps, multicastBurst: mBurst,
  unknownUnicastPps: uPps, unknownUnicastBurst: uBurst,
});
const DEFAULT_OPTS: FailoverOptions = {
  proxyArp: true, proxyNd: true, learnPrefixes: [],
  storm: { toTunnel: rates(1000, 2000, 1000, 2000, 10000, 20000), fromTunnel: rates(1000, 2000, 1000, 2000, 10000, 20000) },
  isolate: { dhcp: false, vrrp: false, hsrp: false, ra: false },
};

const eventsOf = <T extends NativeEvent['type']>(n: Node, type: T) =>
  n.events.filter((e): e is Extract<NativeEvent, { type: T }> => e.type === type);

describe('partial failover in the data plane', () => {
  let p: Pair;
  before(async () => {
    p = await makePair();
  });
  after(() => p.close());

  test('proxy ARP: a request for a remote host is answered on A\'s LAN, byte-exact, and does not cross', () => {
    assert.equal(p.a.dp.setNeighbor(IP_R, { mac: macStr(R), peer: 1, seq: 1 }), 'new');
    const req = arpFrame(BROADCAST, H1, 1, H1, ip4(IP_H1), ZERO6, ip4(IP_R));
    p.a.dp.testWriteFrame(req);
    const reply = p.a.dp.testReadFrame(2000);
    const want = arpFrame(H1, R, 2, R, ip4(IP_R), H1, ip4(IP_H1));
    assert.deepEqual(reply, want, 'RFC 826 reply: eth src = R, dst = asker; sender = R/IP_R, target = asker');
    assert.equal(p.b.dp.testReadFrame(200), null, 'the request did not cross');
    assert.equal(p.a.dp.failoverStats().arpProxied, 1);
    // the asker was learned on A's LAN (ARP learning is always on)
    const n = p.a.dp.neighbors().find((e) => e.ip === IP_H1);
    assert.deepEqual(n && { mac: n.mac, peer: n.peer, origin: n.origin }, { mac: macStr(H1), peer: 0, origin: 'arp' });
  });

  test('unknown target: the request crosses, the reply is learned where the host lives', async () => {
    const req = arpFrame(BROADCAST, H1, 1, H1, ip4(IP_H1), ZERO6, ip4('198.18.1.30'));
    p.a.dp.testWriteFrame(req);
    assert.deepEqual(p.b.dp.testReadFrame(2000), req);
    assert.equal(p.a.dp.testReadFrame(100), null, 'no proxy answer');
    const rep = arpFrame(H1, H2, 2, H2, ip4('198.18.1.30'), H1, ip4(IP_H1));
    p.b.dp.testWriteFrame(rep);
    assert.deepEqual(p.a.dp.testReadFrame(2000), rep, 'the reply crosses back');
    const ev = await waitFor(() => eventsOf(p.b, 'neigh').find((e) => e.ip === '198.18.1.30'), 'neigh event at B');
    assert.deepEqual(ev, { type: 'neigh', ip: '198.18.1.30', mac: macStr(H2), how: 'arp', router: false, result: 'new', seq: ev.seq });
    assert.equal(p.b.dp.neighbors().find((e) => e.ip === '198.18.1.30')?.peer, 0);
  });

  for (const router of [false, true]) {
    test(`proxy ND: an NS for a remote host is answered with a correct NA (router ${router})`, () => {
      const target = router ? '2001:db8::21' : V6_R;
      const R6 = router ? mac(0x21) : R;
      p.a.dp.setNeighbor(target, { mac: macStr(R6), peer: 1, seq: 3, router });
      const before = p.a.dp.failoverStats().ndProxied;
      p.a.dp.testWriteFrame(nsFrame(H1, ip6(V6_H1), ip6(target), true));
      const na = p.a.dp.testReadFrame(2000);
      assert.ok(na, 'an NA came back');
      assert.deepEqual(na.subarray(0, 6), H1, 'to the SLL of the NS');
      assert.deepEqual(na.subarray(6, 12), R6);
      assert.equal(na.readUInt16BE(12), 0x86dd);
      const ip = na.subarray(14);
      assert.equal(ip[0] >> 4, 6);
      assert.equal(ip[6], 58);
      assert.equal(ip[7], 255, 'hop limit 255');
      assert.deepEqual(ip.subarray(8, 24), ip6(target), 'IPv6 src = target');
      assert.deepEqual(ip.subarray(24, 40), ip6(V6_H1), 'IPv6 dst = NS source');
      const m = ip.subarray(40, 40 + ip.readUInt16BE(4));
      assert.equal(m.length, 32);
      assert.equal(m[0], 136);
      assert.equal(m[1], 0);
      assert.equal(m[4], router ? 0xe0 : 0x60, 'flags S|O (+R)');
      assert.deepEqual(m.subarray(8, 24), ip6(target));
      assert.deepEqual(m.subarray(24, 32), llOption(2, R6), 'target link-layer option');
      assert.equal(icmp6Checksum(ip.subarray(8, 24), ip.subarray(24, 40), m), 0, 'checksum verifies');
      assert.equal(na.length, 14 + 40 + 32);
      assert.equal(p.a.dp.failoverStats().ndProxied, before + 1);
      assert.equal(p.b.dp.testReadFrame(150), null, 'the NS did not cross');
    });
  }

  test('DAD NS (from ::) is never answered by proxy and crosses', () => {
    const before = p.a.dp.failoverStats().ndProxied;
    const dad = nsFrame(H1, Buffer.alloc(16), ip6(V6_R), false);
    p.a.dp.testWriteFrame(dad);
    assert.deepEqual(p.b.dp.testReadFrame(2000), dad);
    assert.equal(p.a.dp.testReadFrame(150), null);
    assert.equal(p.a.dp.failoverStats().ndProxied, before);
  });

  test('gratuitous ARP and unsolicited NA update entries at once, with events', async () => {
    const H3 = mac(0x03);
    const H4 = mac(0x04);
    const garp = (m: Buffer, ip: string) => arpFrame(BROADCAST, m, 1, m, ip4(ip), ZERO6, ip4(ip));
    p.a.dp.testWriteFrame(garp(H3, '198.18.1.40'));
    const e1 = await waitFor(() => eventsOf(p.a, 'neigh').find((e) => e.ip === '198.18.1.40'), 'garp event');
    assert.equal(e1.how, 'garp');
    assert.equal(e1.result, 'new');
    p.a.dp.testWriteFrame(garp(H4, '198.18.1.40'));
    const e2 = await waitFor(() => eventsOf(p.a, 'neigh').find((e) => e.ip === '198.18.1.40' && e.result === 'mac_changed'), 'mac changed');
    assert.equal(e2.mac, macStr(H4));
    assert.equal(e2.seq, e1.seq + 1);
    assert.equal(p.a.dp.neighbors().find((e) => e.ip === '198.18.1.40')?.mac, macStr(H4));
    // a host known at the other site announces itself here: it moves at once
    p.a.dp.setNeighbor('198.18.1.41', { mac: macStr(mac(0x41)), peer: 1, seq: 7 });
    p.a.dp.testWriteFrame(garp(mac(0x41), '198.18.1.41'));
    const e3 = await waitFor(() => eventsOf(p.a, 'neigh').find((e) => e.ip === '198.18.1.41'), 'moved');
    assert.deepEqual([e3.result, e3.seq, e3.how], ['moved', 8, 'garp']);
    const n = p.a.dp.neighbors().find((e) => e.ip === '198.18.1.41');
    assert.deepEqual([n?.peer, n?.seq], [0, 8]);
    // unsolicited NA (no S, to ff02::1) with R
    const all = ip6('ff02::1');
    p.a.dp.testWriteFrame(naFrame(mcastMac(all), H3, ip6('2001:db8::40'), all, ip6('2001:db8::40'), 0xa0));
    const e4 = await waitFor(() => eventsOf(p.a, 'neigh').find((e) => e.ip === '2001:db8::40'), 'una');
    assert.deepEqual([e4.how, e4.router, e4.result, e4.mac], ['una', true, 'new', macStr(H3)]);
    drain(p.b.dp);
  });

  test('STP BPDUs and other 01:80:C2:00:00:0x frames never cross, counted by reason', () => {
    const before = p.a.dp.stats().drops;
    const bpdu = frame(Buffer.from([0x01, 0x80, 0xc2, 0, 0, 0]), H1, 60);
    const lldp = frame(Buffer.from([0x01, 0x80, 0xc2, 0, 0, 0x0e]), H1, 60);
    const lacp = frame(Buffer.from([0x01, 0x80, 0xc2, 0, 0, 0x02]), H1, 60);
    for (const f of [bpdu, lldp, lacp, bpdu]) p.a.dp.testWriteFrame(f);
    assert.equal(p.b.dp.testReadFrame(200), null);
    const d = p.a.dp.stats().drops;
    assert.equal(d.l2_stp - before.l2_stp, 2);
    assert.equal(d.l2_lldp - before.l2_lldp, 1);
    assert.equal(d.l2_slow_protocols - before.l2_slow_protocols, 1);
  });

  test('isolation presets: off by default; on, DHCP server replies, VRRP, HSRP and RAs stay local', () => {
    const dhcp = eth(BROADCAST, H1, 0x0800, ip4Packet(ip4('198.18.1.1'), ip4('255.255.255.255'), 17, udp(67, 68, Buffer.alloc(240))));
    const vrrpMac = Buffer.from([0x00, 0x00, 0x5e, 0x00, 0x01, 0x01]);
    const vrrp = eth(Buffer.from([0x01, 0, 0x5e, 0, 0, 0x12]), vrrpMac, 0x0800, ip4Packet(ip4('198.18.1.1'), ip4('224.0.0.18'), 112, Buffer.alloc(20), 255));
    const hsrp = eth(Buffer.from([0x01, 0, 0x5e, 0, 0, 0x02]), H1, 0x0800, ip4Packet(ip4('198.18.1.1'), ip4('224.0.0.2'), 17, udp(1985, 1985, Buffer.alloc(20)), 1));
    const all = ip6('ff02::1');
    const ra = eth(mcastMac(all), H1, 0x86dd, icmp6(ip6('fe80::1'), all, 134, Buffer.alloc(12)));
    const frames = [dhcp, vrrp, hsrp, ra];
    for (const f of frames) p.a.dp.testWriteFrame(f);
    const crossed = drain(p.b.dp, 300);
    assert.equal(crossed.length, 4, 'presets are off by default');
    const before = p.a.dp.stats().drops;
    p.a.dp.setFailoverOptions({ ...DEFAULT_OPTS, isolate: { dhcp: true, vrrp: true, hsrp: true, ra: true } });
    try {
      for (const f of frames) p.a.dp.testWriteFrame(f);
      assert.equal(p.b.dp.testReadFrame(200), null);
      const d = p.a.dp.stats().drops;
      for (const r of ['iso_dhcp4_server', 'iso_vrrp4', 'iso_hsrp4', 'iso_ra'])
        assert.equal(d[r] - before[r], 1, r);
      // ordinary traffic still crosses
      const f = frame(BROADCAST, H1, 80, 5);
      p.a.dp.testWriteFrame(f);
      assert.deepEqual(p.b.dp.testReadFrame(2000), f);
    } finally {
      p.a.dp.setFailoverOptions(DEFAULT_OPTS);
    }
  });

  test('quarantine: frames from or to a quarantined MAC do not cross (both counted); others do', () => {
    const Q = mac(0x51);
    p.a.dp.setQuarantine(macStr(Q), true);
    assert.equal(p.a.dp.failoverStats().quarantinedMacs, 1);
    const before = p.a.dp.stats().drops.quarantined;
    p.a.dp.testWriteFrame(frame(BROADCAST, Q, 60));
    p.a.dp.testWriteFrame(frame(Q, H1, 60));
    assert.equal(p.b.dp.testReadFrame(200), null);
    assert.equal(p.a.dp.stats().drops.quarantined - before, 2);
    const ok = frame(BROADCAST, H1, 61);
    p.a.dp.testWriteFrame(ok);
    assert.deepEqual(p.b.dp.testReadFrame(2000), ok);
    p.a.dp.setQuarantine(macStr(Q), false);
    assert.equal(p.a.dp.failoverStats().quarantinedMacs, 0);
    const again = frame(BROADCAST, Q, 62);
    p.a.dp.testWriteFrame(again);
    assert.deepEqual(p.b.dp.testReadFrame(2000), again, 'released');
  });

  test('probe: RFC 5227 ARP probe from a random local MAC; the answer is an event and does not cross', async () => {
    assert.equal(p.a.dp.probe('198.18.1.50'), true);
    const pr = p.a.dp.testReadFrame(2000);
    assert.ok(pr);
    const P = pr.subarray(6, 12);
    assert.equal(P[0] & 0x03, 0x02, 'locally administered unicast');
    assert.deepEqual(pr, arpFrame(BROADCAST, P, 1, P, ip4('0.0.0.0'), ZERO6, ip4('198.18.1.50')));
    const H6 = mac(0x06);
    // Linux answers a probe with a reply to the prober: tpa 0.0.0.0, tha = the probe MAC
    p.a.dp.testWriteFrame(arpFrame(P, H6, 2, H6, ip4('198.18.1.50'), P, ip4('0.0.0.0')));
    const ev = await waitFor(() => eventsOf(p.a, 'probe-answer').find((e) => e.ip === '198.18.1.50'), 'probe-answer');
    assert.deepEqual(ev, { type: 'probe-answer', ip: '198.18.1.50', mac: macStr(H6) });
    assert.equal(p.b.dp.testReadFrame(150), null, 'the answer did not cross');

    assert.equal(p.a.dp.probe('2001:db8::50'), true);
    const ns = p.a.dp.testReadFrame(2000);
    assert.ok(ns);
    assert.deepEqual(ns, nsFrame(P, Buffer.alloc(16), ip6('2001:db8::50'), false), 'DAD NS from ::');
    const all = ip6('ff02::1');
    p.a.dp.testWriteFrame(naFrame(mcastMac(all), H6, ip6('2001:db8::50'), all, ip6('2001:db8::50'), 0x20));
    const ev6 = await waitFor(() => eventsOf(p.a, 'probe-answer').find((e) => e.ip === '2001:db8::50'), 'probe-answer v6');
    assert.equal(ev6.mac, macStr(H6));
    assert.equal(p.b.dp.testReadFrame(150), null);
    const s = p.a.dp.failoverStats().probes;
    assert.ok(s && s.sent >= 2 && s.answered >= 2);
  });

  test('announce: gratuitous ARP (request form) and unsolicited NA, byte-exact', () => {
    const M = mac(0x60);
    assert.equal(p.a.dp.announce('198.18.1.60', macStr(M)), true);
    assert.deepEqual(p.a.dp.testReadFrame(2000), arpFrame(BROADCAST, M, 1, M, ip4('198.18.1.60'), ZERO6, ip4('198.18.1.60')));
    assert.equal(p.a.dp.announce('2001:db8::60', macStr(M), true), true);
    const all = ip6('ff02::1');
    assert.deepEqual(p.a.dp.testReadFrame(2000), naFrame(mcastMac(all), M, ip6('2001:db8::60'), all, ip6('2001:db8::60'), 0xa0));
    assert.equal(p.b.dp.testReadFrame(100), null, 'announcements go onto this LAN only');
  });

  test('setNeighbor at a peer moves the MAC table entry; back to this site moves it back', () => {
    const H7 = mac(0x07);
    p.a.dp.testWriteFrame(frame(BROADCAST, H7, 60)); // H7 learned on A's LAN
    drain(p.b.dp, 100);
    const where = () => p.a.dp.macTable().find((e) => e.mac === macStr(H7))?.peer;
    assert.equal(where(), 0);
    p.a.dp.setNeighbor('198.18.1.70', { mac: macStr(H7), peer: 1, seq: 1 });
    assert.equal(where(), 1, 'points at the peer at once');
    const f = frame(H7, H1, 90, 7);
    p.a.dp.testWriteFrame(f);
    assert.deepEqual(p.b.dp.testReadFrame(2000), f, 'unicast to the failed-over host crosses at once');
    assert.equal(p.a.dp.setNeighbor('198.18.1.70', { mac: macStr(H7), peer: 0, seq: 2 }), 'moved');
    assert.equal(where(), 0, 'back to local');
    assert.equal(p.a.dp.setNeighbor('198.18.1.70', { mac: macStr(H7), peer: 1, seq: 1 }), 'stale');
    assert.equal(where(), 0, 'a stale update does not move the MAC');
    assert.equal(p.a.dp.deleteNeighbor('198.18.1.70'), true);
    assert.equal(p.a.dp.deleteNeighbor('198.18.1.70'), false);
  });

  test('frozen entries are not proxied and keep their flag', () => {
    p.a.dp.setNeighbor('198.18.1.80', { mac: macStr(mac(0x80)), peer: 1, seq: 1, frozen: true });
    assert.equal(p.a.dp.neighbors().find((e) => e.ip === '198.18.1.80')?.frozen, true);
    p.a.dp.testWriteFrame(arpFrame(BROADCAST, H1, 1, H1, ip4(IP_H1), ZERO6, ip4('198.18.1.80')));
    assert.equal(p.a.dp.testReadFrame(150), null, 'not answered');
    assert.ok(p.b.dp.testReadFrame(2000), 'the request crosses instead');
    p.a.dp.setNeighbor('198.18.1.80', { mac: macStr(mac(0x80)), peer: 1, seq: 2, frozen: false });
    assert.equal(p.a.dp.neighbors().find((e) => e.ip === '198.18.1.80')?.frozen, false);
  });

  test('traffic learning: by default in the /24 of ARP-learned hosts; learnPrefixes replace that', async () => {
    const ipFrame = (src: Buffer, from: string) =>
      eth(BROADCAST, src, 0x0800, ip4Packet(ip4(from), ip4('198.18.1.255'), 17, udp(9, 9, Buffer.alloc(10))));
    p.a.dp.testWriteFrame(ipFrame(mac(0x92), '198.18.77.90'));
    p.a.dp.testWriteFrame(ipFrame(mac(0x90), '198.18.1.90'));
    const auto = await waitFor(() => eventsOf(p.a, 'neigh').find((e) => e.ip === '198.18.1.90'), 'automatic traffic learning');
    assert.equal(auto.how, 'traffic', 'the /24 of the hosts learned from ARP earlier');
    assert.equal(p.a.dp.neighbors().find((e) => e.ip === '198.18.77.90'), undefined, 'no ARP-learned host in that /24');
    p.a.dp.setFailoverOptions({ ...DEFAULT_OPTS, learnPrefixes: ['198.18.77.0/24'] });
    try {
      p.a.dp.testWriteFrame(ipFrame(mac(0x92), '198.18.77.90'));
      p.a.dp.testWriteFrame(ipFrame(mac(0x91), '198.18.1.91'));
      const ev = await waitFor(() => eventsOf(p.a, 'neigh').find((e) => e.ip === '198.18.77.90'), 'traffic learning');
      assert.equal(ev.how, 'traffic');
      await sleep(50);
      assert.equal(p.a.dp.neighbors().find((e) => e.ip === '198.18.1.91'), undefined, 'outside the configured prefixes');
    } finally {
      p.a.dp.setFailoverOptions(DEFAULT_OPTS);
      drain(p.b.dp, 100);
    }
  });

  test('storm control: a burst of 5000 broadcasts is limited to burst + rate x elapsed; known unicast all arrive', () => {
    drain(p.b.dp, 50);
    // B's host H2 is known at A behind peer 1 (learned from B's reply earlier)
    assert.equal(p.a.dp.macTable().find((e) => e.mac === macStr(H2))?.peer, 1);
    const PPS = 100;
    const BURST = 100;
    p.a.dp.setFailoverOptions({ ...DEFAULT_OPTS, storm: { ...DEFAULT_OPTS.storm, toTunnel: rates(PPS, BURST, 1000, 2000, 10000, 20000) } });
    const s0 = p.a.dp.failoverStats().storm.toTunnel.broadcast;
    const d0 = p.a.dp.stats().drops.storm_broadcast;
    const rx0 = p.b.dp.stats().peers[0].rxFrames;
    const unicast: Buffer[] = [];
    let bcastAtB = 0;
    const got: Buffer[] = [];
    const t0 = process.hrtime.bigint();
    try {
      for (let i = 0; i < 5000; i++) {
        p.a.dp.testWriteFrame(frame(BROADCAST, H1, 60, i));
        if (i % 500 === 250) {
          const u = frame(H2, H1, 70, i);
          unicast.push(u);
          p.a.dp.testWriteFrame(u);
        }
        if (i % 8 === 7) got.push(...drain(p.b.dp, 0));
      }
      got.push(...drain(p.b.dp, 100));
    } finally {
      p.a.dp.setFailoverOptions(DEFAULT_OPTS);
    }
    const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
    const s1 = p.a.dp.failoverStats().storm.toTunnel.broadcast;
    const passed = s1.passed - s0.passed;
    const dropped = s1.dropped - s0.dropped;
    assert.equal(passed + dropped, 5000);
    assert.equal(p.a.dp.stats().drops.storm_broadcast - d0, dropped, 'drops counted as storm_broadcast');
    const bound = BURST + PPS * elapsedS + 2;
    assert.ok(passed >= BURST, `at least the burst passed (${passed})`);
    assert.ok(passed <= bound, `passed ${passed} <= burst + rate x elapsed = ${bound.toFixed(1)} (${elapsedS.toFixed(2)} s)`);
    for (const f of got) if (f.subarray(0, 6).equals(BROADCAST)) bcastAtB++;
    assert.equal(p.b.dp.stats().peers[0].rxFrames - rx0, passed + unicast.length, 'B authenticated exactly what passed');
    assert.ok(bcastAtB <= passed);
    const uni = got.filter((f) => f.subarray(0, 6).equals(H2));
    assert.deepEqual(uni, unicast, 'every known unicast frame arrived, in order');
  });

  test('bad arguments throw with the bad value in the message', () => {
    const dp = p.a.dp;
    assert.throws(() => dp.setNeighbor('198.18.1', { mac: '02:00:00:00:00:01', peer: 1, seq: 1 }), /ip must be an IPv4 or IPv6 address, got '198\.18\.1'/);
    assert.throws(() => dp.setNeighbor('198.18.1.001', { mac: '02:00:00:00:00:01', peer: 1, seq: 1 }), RangeError);
    assert.throws(() => dp.setNeighbor(IP_R, { mac: '02:00:00:00:00', peer: 1, seq: 1 }), /entry\.mac must be a MAC address.*'02:00:00:00:00'/);
    assert.throws(() => dp.setNeighbor(IP_R, { mac: '01:00:00:00:00:01', peer: 1, seq: 1 }), /unicast.*'01:00:00:00:00:01'/);
    assert.throws(() => dp.setNeighbor(IP_R, { mac: '02:00:00:00:00:01', peer: 70000, seq: 1 }), /entry\.peer/);
    assert.throws(() => dp.setNeighbor(IP_R, { mac: '02:00:00:00:00:01', peer: 1, seq: -1 }), /entry\.seq/);
    assert.throws(() => dp.setNeighbor(IP_R, { mac: '02:00:00:00:00:01', peer: 1, seq: 1, origin: 'dns' as never }), /entry\.origin.*'dns'/);
    assert.throws(() => dp.setNeighbor(IP_R, null as never), TypeError);
    assert.throws(() => dp.deleteNeighbor(42 as never), TypeError);
    assert.throws(() => dp.setQuarantine('zz:00:00:00:00:01', true), /mac must be a MAC address.*'zz:00:00:00:00:01'/);
    assert.throws(() => dp.setQuarantine('02:00:00:00:00:01', 'yes' as never), TypeError);
    assert.throws(() => dp.announce('::', '02:00:00:00:00:01'), RangeError);
    assert.throws(() => dp.probe('224.0.0.1'), /probe: ip must be a unicast address, got '224\.0\.0\.1'/);
    assert.throws(() => dp.probe('not-an-ip'), /'not-an-ip'/);
    assert.throws(() => dp.setFailoverOptions({ ...DEFAULT_OPTS, learnPrefixes: ['198.18.1.1/24'] }), /learnPrefixes\[0\].*'198\.18\.1\.1\/24'/);
    assert.throws(() => dp.setFailoverOptions({ ...DEFAULT_OPTS, learnPrefixes: ['198.18.0.0/33'] }), RangeError);
    assert.throws(() => dp.setFailoverOptions({ ...DEFAULT_OPTS, storm: { ...DEFAULT_OPTS.storm, toTunnel: rates(10, 0) } }), /toTunnel\.broadcastBurst must be at least 1/);
    assert.throws(() => dp.setFailoverOptions({ ...DEFAULT_OPTS, isolate: { dhcp: 1 } as never }), /options\.isolate\.dhcp/);
    const qs: string[] = [];
    for (let i = 0; i < 64; i++) qs.push(macStr(mac(i + 1, 0x06)));
    for (const q of qs) dp.setQuarantine(q, true);
    assert.throws(() => dp.setQuarantine('06:00:00:00:01:00', true), /at most 64/);
    for (const q of qs) dp.setQuarantine(q, false);
    assert.equal(dp.failoverStats().quarantinedMacs, 0);
  });
});

describe('partial failover: tunnel side, aging, MAC table full', () => {
  let p: Pair;
  let fake: dgram.Socket;
  let counter = 1n << 20n;
  before(async () => {
    p = await makePair({ macTableCapacity: 8, neighborAgeMs: 300 } as never);
    fake = dgram.createSocket('udp4');
    await new Promise<void>((r) => fake.bind(0, LOCALHOST, () => r()));
  });
  after(() => {
    fake.close();
    p.close();
  });

  /** A frame "from peer A" sealed with A's key, sent to B from another socket. B then sends to that
   * socket, and A's own frames (lower counters) are replays at B: the tests after the first
   * injection use only B's receive path. */
  async function injectAtB(f: Buffer): Promise<void> {
    const pkt = sealData(p.session.aToB, p.session.bIndex, counter++, 0, f);
    await new Promise<void>((r, j) => fake.send(pkt, p.b.ep.port, LOCALHOST, (e) => (e ? j(e) : r())));
  }

  test("MAC table full: new MACs are not learned, one 'mac-table-full' event, known hosts keep forwarding", async () => {
    drain(p.b.dp, 50);
    for (let i = 0; i < 12; i++) p.a.dp.testWriteFrame(frame(BROADCAST, mac(0xa0 + i), 60, i));
    const ev = await waitFor(() => eventsOf(p.a, 'mac-table-full')[0], 'mac-table-full');
    assert.deepEqual(ev, { type: 'mac-table-full', capacity: 8 });
    for (let i = 0; i < 5; i++) p.a.dp.testWriteFrame(frame(BROADCAST, mac(0xc0 + i), 60, i));
    await sleep(100);
    assert.equal(eventsOf(p.a, 'mac-table-full').length, 1, 'at most once per 10 s');
    const st = p.a.dp.stats().macTable;
    assert.equal(st.size, 8);
    assert.ok(st.full >= 4);
    assert.equal(p.a.dp.failoverStats().macTableFullEvents, 1);
    drain(p.b.dp, 50);
    const known = frame(BROADCAST, mac(0xa0), 66, 9);
    p.a.dp.testWriteFrame(known);
    const got = drain(p.b.dp, 200);
    assert.ok(got.some((f) => f.equals(known)), 'a known host still crosses');
  });

  test('from the tunnel: BPDUs and quarantined MACs are dropped; RX never sends to peers', async () => {
    const tx0 = p.b.dp.stats().global.txDatagrams;
    const d0 = p.b.dp.stats().drops;
    const Q = mac(0x52);
    p.b.dp.setQuarantine(macStr(Q), true);
    await injectAtB(frame(Buffer.from([0x01, 0x80, 0xc2, 0, 0, 0]), H1, 60));
    await injectAtB(frame(BROADCAST, Q, 60));
    await injectAtB(frame(Q, H1, 60));
    const ok = frame(BROADCAST, H1, 64, 3);
    const unknown = frame(mac(0x77), H1, 64, 4);
    await injectAtB(ok);
    await injectAtB(unknown);
    assert.deepEqual(p.b.dp.testReadFrame(2000), ok);
    assert.deepEqual(p.b.dp.testReadFrame(2000), unknown, 'unknown unicast from the tunnel goes to the TAP');
    assert.equal(p.b.dp.testReadFrame(100), null);
    const d = p.b.dp.stats().drops;
    assert.equal(d.l2_stp - d0.l2_stp, 1);
    assert.equal(d.quarantined - d0.quarantined, 2);
    assert.equal(p.b.dp.stats().global.txDatagrams, tx0, 'nothing was sent back into the tunnel');
    p.b.dp.setQuarantine(macStr(Q), false);
  });

  test('from the tunnel: storm control limits broadcasts per direction', async () => {
    p.b.dp.setFailoverOptions({ ...DEFAULT_OPTS, storm: { toTunnel: DEFAULT_OPTS.storm.toTunnel, fromTunnel: rates(1, 5) } });
    const s0 = p.b.dp.failoverStats().storm.fromTunnel.broadcast;
    for (let i = 0; i < 20; i++) await injectAtB(frame(BROADCAST, H1, 60, i));
    const got = await waitFor(() => {
      const s = p.b.dp.failoverStats().storm.fromTunnel.broadcast;
      return s.passed + s.dropped - s0.passed - s0.dropped >= 20 && s;
    }, 'all 20 admitted or dropped');
    drain(p.b.dp, 50);
    assert.ok(got.passed - s0.passed >= 5 && got.passed - s0.passed <= 7, `passed ${got.passed - s0.passed}`);
    assert.equal(p.b.dp.stats().drops.storm_broadcast, got.dropped);
    p.b.dp.setFailoverOptions(DEFAULT_OPTS);
  });

  test("entries of this site age out with a 'neigh-gone' event", async () => {
    p.a.dp.testWriteFrame(arpFrame(BROADCAST, H1, 1, H1, ip4('198.18.2.10'), ZERO6, ip4('198.18.2.11')));
    await waitFor(() => eventsOf(p.a, 'neigh').find((e) => e.ip === '198.18.2.10'), 'learned');
    const gone = await waitFor(() => eventsOf(p.a, 'neigh-gone').find((e) => e.ip === '198.18.2.10'), 'neigh-gone', 3000);
    assert.deepEqual(gone, { type: 'neigh-gone', ip: '198.18.2.10' });
    assert.equal(p.a.dp.neighbors().find((e) => e.ip === '198.18.2.10'), undefined);
    assert.ok(p.a.dp.failoverStats().neighTable.aged >= 1);
  });

});

describe('loop guard: a second L2 path between the sites', () => {
  let p: Pair;
  before(async () => {
    p = await makePair();
  });
  after(() => p.close());

  const isProbe = (f: Buffer) => f.length >= 14 && f.readUInt16BE(12) === 0x88b5;
  const readProbe = (dp: DataPlane, ms: number): Buffer | null => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const f = dp.testReadFrame(100);
      if (f && isProbe(f)) return f;
    }
    return null;
  };

  test('off by default: no probes on the LAN', () => {
    assert.equal(readProbe(p.a.dp, 800), null);
  });

  test("the other appliance's probe seen on this LAN: 'loop' event, flooding into the tunnel blocked; cleared when it stops", async () => {
    for (const n of [p.a, p.b]) n.dp.setFailoverOptions({ ...DEFAULT_OPTS, loopGuard: true });
    const probe = readProbe(p.a.dp, 1500);
    assert.ok(probe, 'A sends loop probes on its LAN');
    assert.equal(probe.length, 60);
    // a backdoor carries A's probe onto B's LAN
    p.b.dp.testWriteFrame(probe);
    const ev = await waitFor(() => eventsOf(p.b, 'loop')[0], 'loop detected');
    assert.deepEqual(ev, { type: 'loop', state: 'detected', mac: macStr(probe.subarray(6, 12)) });
    assert.equal(p.b.dp.failoverStats().loopGuard?.blocked, true);
    assert.equal(readProbe(p.a.dp, 300), null, 'A\'s probe did not come back through the tunnel');
    const blocked0 = p.b.dp.stats().drops.loop_blocked;
    const bc = frame(BROADCAST, H2, 70);
    p.b.dp.testWriteFrame(bc);
    const got = drain(p.a.dp, 200).filter((f) => !isProbe(f));
    assert.equal(got.length, 0, 'flooding into the tunnel is blocked');
    assert.equal(p.b.dp.stats().drops.loop_blocked - blocked0, 1);
    // the backdoor is removed: no foreign probe for 1.5 s -> cleared, flooding resumes
    const cleared = await waitFor(() => eventsOf(p.b, 'loop').find((e) => e.state === 'cleared'), 'loop cleared', 3000);
    assert.deepEqual(cleared, { type: 'loop', state: 'cleared' });
    assert.equal(p.b.dp.failoverStats().loopGuard?.blocked, false);
    p.b.dp.testWriteFrame(bc);
    const after = drain(p.a.dp, 300).filter((f) => !isProbe(f));
    assert.deepEqual(after, [bc]);
    assert.equal(p.b.dp.failoverStats().loopGuard?.loops, 1);
    for (const n of [p.a, p.b]) n.dp.setFailoverOptions(DEFAULT_OPTS);
  });
});
