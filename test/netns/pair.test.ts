// The demo, as a test: two sites behind the tenant's NAT, paired with invite/join; the stretched
// segment is transparent (TTL 64, real MACs over ARP), carries TCP, and status shows the peer up.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NetnsSuite } from './lib/suite';
import { ADDR, MAC } from './lib/topology';
import { Sites, pairSites } from './lib/bridgehead';

const S = NetnsSuite.create(__filename, 'pair');
const T = S.topo;
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (the pairing test failed)'); return sites; };

describe('pair: two sites over NAT, paired with invite/join', () => {
  before(() => S.setup({}, ['iperf3', 'arping']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('init, invite, up (provider), join, up (tenant): t1 reaches p1', 120000, async () => {
    sites = await pairSites(S, { waitPingMs: 30000 });
  });

  S.it('ping t1 -> p1 and t2 -> p1: every reply, ttl=64 (a transparent L2 path)', 60000, async () => {
    need();
    for (const h of ['t1', 't2'] as const) {
      const p = await T.ping(h, ADDR.p1, { count: 10, intervalS: 0.2, deadlineS: 15 });
      assert.equal(p.transmitted, 10, p.raw);
      assert.equal(p.received, 10, `${h}: every ping answered\n${p.raw}`);
      assert.equal(p.replies.length, 10, `${h}: no duplicates\n${p.raw}`);
      assert.ok(!/DUP!/.test(p.raw), `${h}: duplicate replies\n${p.raw}`);
      assert.deepEqual(p.ttls, Array(10).fill(64), `${h}: TTLs ${p.ttls.join(',')}`);
    }
  });

  S.it("ARP across the tunnel: t1's neighbor table has p1's real MAC; arping gets replies from it", 60000, async () => {
    need();
    await T.flushNeigh('t1');
    const p = await T.ping('t1', ADDR.p1, { count: 1, deadlineS: 5 });
    assert.equal(p.received, 1, p.raw);
    assert.equal(await T.neighMac('t1', ADDR.p1), MAC.p1);
    const a = await T.exec('t1', ['arping', '-c', '3', '-W', '0.3', '-w', '5', '-i', 'eth0', ADDR.p1], { timeoutMs: 10000 });
    const replies = [...a.stdout.matchAll(/bytes from ([0-9a-f:]{17}) \(([\d.]+)\)/g)];
    assert.ok(replies.length >= 3, `arping: ${replies.length} replies\n${a.stdout}${a.stderr}`);
    for (const r of replies) {
      assert.equal(r[1], MAC.p1, `reply from ${r[1]}`);
      assert.equal(r[2], ADDR.p1);
    }
  });

  S.it('iperf3 TCP t1 -> p1 (-t 3) completes with data', 60000, async () => {
    need();
    const r = await T.iperf3('t1', 'p1', ADDR.p1, 3, S.work);
    assert.ok(r.receivedBytes > 0, `received ${r.receivedBytes} bytes`);
    assert.ok(r.sentBytes > 0, `sent ${r.sentBytes} bytes`);
    process.stdout.write(`# iperf3 t1 -> p1: ${(r.bitsPerSecond / 1e6).toFixed(1)} Mbit/s, ${r.retransmits} retransmits\n`);
  });

  S.it('2000 UDP datagrams t1 -> p1 in bursts: every one arrives intact and in order; the provider merges runs (UDP_L4 writes)', 60000, async () => {
    const { provider } = need();
    const before = (await provider.status()).offload;
    // Datagram k: 4-byte sequence + 96 bytes derived from it. Bursts of 50, 5 ms apart (bounded: 2000).
    const N = 2000, PORT = 47001;
    const rx = T.spawn('p1', 'udp-rx', ['node', '-e', `
      const s = require('dgram').createSocket('udp4'); let n = 0, bad = 0, order = 0, last = -1, t;
      const done = () => { console.log(JSON.stringify({ n, bad, order })); process.exit(0); };
      s.on('message', (m) => { const k = m.readUInt32BE(0); n++; if (k <= last) order++; last = k;
        for (let i = 4; i < m.length; i++) if (m[i] !== ((k * 7 + i) & 255)) { bad++; break; }
        if (m.length !== 100) bad++;
        clearTimeout(t); if (n === ${N}) done(); t = setTimeout(done, 3000); });
      s.bind(${PORT}, () => { s.setRecvBufferSize(8 << 20); t = setTimeout(done, 20000); });`], `${S.work}/udp-rx.log`);
    for (let i = 0; i < 50 && !(await T.udpListening('p1', PORT)); i++) await new Promise((r) => setTimeout(r, 100));
    await T.execOk('t1', ['node', '-e', `
      const s = require('dgram').createSocket('udp4'); let k = 0;
      const burst = () => { for (let j = 0; j < 50; j++, k++) { const m = Buffer.alloc(100); m.writeUInt32BE(k, 0);
          for (let i = 4; i < 100; i++) m[i] = (k * 7 + i) & 255; s.send(m, ${PORT}, '${ADDR.p1}'); }
        if (k < ${N}) setTimeout(burst, 5); else setTimeout(() => s.close(), 200); };
      burst();`], { timeoutMs: 30000 });
    const exit = await rx.waitExit(30000);
    assert.ok(exit, 'the receiver finished');
    const got = JSON.parse(readFileSync(`${S.work}/udp-rx.log`, 'utf8').trim().split('\n').pop() ?? '{}');
    assert.deepEqual(got, { n: N, bad: 0, order: 0 }, 'all datagrams, intact, in order');
    const after = (await provider.status()).offload;
    assert.equal(after?.udpMerge, 1, 'the kernel takes UDP_L4 writes (Linux 6.2+)');
    const merged = (after?.mergedWrites ?? 0) - (before?.mergedWrites ?? 0);
    process.stdout.write(`# UDP burst: ${merged} merged TAP writes at the provider\n`);
    assert.ok(merged > 0, 'runs of the burst were written as UDP_L4 super-frames');
  });

  S.it('status --json on both appliances: exactly one peer, state up, rxBytes > 0', 30000, async () => {
    const { provider, tenant } = need();
    const [ps, ts] = await Promise.all([provider.status(), tenant.status()]);
    for (const [me, other, s, o] of [['provider', 'tenant', ps, ts], ['tenant', 'provider', ts, ps]] as const) {
      assert.equal(s.name, me);
      assert.equal(s.peers.length, 1, `${me}: peers ${JSON.stringify(s.peers)}`);
      const peer = s.peers[0];
      assert.equal(peer.state, 'up', `${me}: peer state ${peer.state}`);
      assert.equal(peer.publicKey, o.publicKey, `${me}'s peer is ${other}`);
      assert.equal(peer.name, other);
      assert.ok(peer.rxBytes > 0, `${me}: peer rxBytes ${peer.rxBytes}`);
      assert.ok(peer.txBytes > 0, `${me}: peer txBytes ${peer.txBytes}`);
      assert.equal(s.tap, 'bh0');
      assert.equal(s.bridge, 'br0');
    }
    // The tenant is behind the NAT: the provider knows it by the NAT's outside address.
    assert.match(ps.peers[0].endpoint ?? '', /^198\.18\.2\.2:\d+$/, `provider sees tenant at ${ps.peers[0].endpoint}`);
    assert.equal(ts.peers[0].endpoint, `${ADDR.pa}:51820`);
  });
});
