// The demo, as a test: two sites behind the tenant's NAT, paired with invite/join; the stretched
// segment is transparent (TTL 64, real MACs over ARP), carries TCP, and status shows the peer up.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
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

  S.it("ARP across the tunnel: t1's neighbour table has p1's real MAC; arping gets replies from it", 60000, async () => {
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
