// Handshake flood (issue 11): 10,000 initiation-sized datagrams per second at the provider from
// the WAN router, half random bytes shaped as initiations, half a genuine initiation captured on
// the WAN and replayed. The established path keeps forwarding; a tenant restarted during the
// flood gets its fresh handshake through (the provider, under load, answers with a cookie and
// the tenant retries at once with mac2). Figures (median time, pings lost, CPU): bench-flood.sh.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Sites, pairSites, PORT } from './lib/bridgehead';
import { Capture } from './lib/pcap';
import { NODE, REPO } from './lib/env';
import { sleep } from './lib/proc';

const S = NetnsSuite.create(__filename, 'fld');
const T = S.topo;
const FLOOD = path.join(REPO, 'dist', 'scripts', 'handshake-flood.js');
const PPS = 10000;
const FLOOD_S = 15;
let sites: Sites | null = null;
let capture: string | null = null;

async function floodCase(forge: boolean): Promise<void> {
  if (!sites || !capture) throw new Error('not paired / no capture');
  const { provider, tenant } = sites;
  const before = await provider.status();
  const log = S.logFile(`flood${forge ? '-forged' : ''}.log`);
  const flood = S.track(T.spawn('wan', 'flood', [NODE, FLOOD, '--to', `${ADDR.pa}:${PORT}`,
    '--bind', `${ADDR.wanToPa}:40001`, '--pps', String(PPS), '--seconds', String(FLOOD_S), '--replay-pcap', capture,
    ...(forge ? ['--forge-mac1', before.publicKey] : [])], log));
  await sleep(1000);

  // The established path during the flood.
  const p = await T.ping('t1', ADDR.p1, { count: 20, intervalS: 0.1, deadlineS: 8 });
  assert.ok(p.received >= 18, `established path under the flood: ${p.received}/20\n${p.raw}`);
  const loaded = await provider.status();
  assert.equal(loaded.handshakeGuard?.underLoad, true, `provider under load: ${JSON.stringify(loaded.handshakeGuard)}`);

  // A fresh handshake through the flood.
  const cookiesBefore = (await tenant.status()).handshakeGuard?.cookieRepliesReceived ?? 0;
  await tenant.stop('SIGTERM');
  tenant.start();
  await tenant.waitReady();
  const took = await T.waitForPing('t1', ADDR.p1, 30000);
  assert.ok(flood.running, `the flood was still on when the handshake completed (${flood.logTail(3)})`);
  process.stdout.write(`# fresh handshake under the flood${forge ? ' (forged mac1)' : ''}: traffic after ${took} ms of pinging\n`);
  const ts = await tenant.status();
  assert.equal(ts.peers[0]?.state, 'up');
  assert.ok((ts.handshakeGuard?.cookieRepliesReceived ?? 0) >= 1,
    `the tenant got a cookie and retried with mac2: ${JSON.stringify(ts.handshakeGuard)} (before the restart ${cookiesBefore})`);

  const exit = await flood.waitExit((FLOOD_S + 10) * 1000);
  assert.deepEqual(exit, { code: 0, signal: null }, flood.logTail(5));
  const sent = JSON.parse(flood.logTail(1)) as { sent: number; garbage: number; replayed: number; errors: number; ms: number };
  assert.ok(sent.sent >= PPS * FLOOD_S * 0.9, `flood sent ${JSON.stringify(sent)}`);
  assert.equal(sent.errors, 0);

  const st = await provider.status();
  const grew = (k: string) => (st.drops[k] ?? 0) - (before.drops[k] ?? 0);
  process.stdout.write(`# flood: ${JSON.stringify(sent)}; provider drops ${JSON.stringify(
    Object.fromEntries(Object.entries(st.drops).filter(([k, v]) => v > 0 && k.startsWith('handshake'))))}; guard ${JSON.stringify(st.handshakeGuard)}\n`);
  assert.ok(grew('handshake_replayed_initiation') >= sent.replayed * 0.5, `replays counted: +${grew('handshake_replayed_initiation')}`);
  assert.ok(grew('handshake_cookie_required') >= 1, 'the tenant\'s first initiation was answered with a cookie');
  if (!forge) {
    // garbage ends in the data plane's RX thread (its mac1 check): it never reaches JavaScript
    assert.ok(grew('bad_mac1') >= sent.garbage * 0.5, `garbage dropped at mac1 by the data plane: +${grew('bad_mac1')}`);
  } else {
    // Forged initiations pass mac1; the flooder's address gets 20/s (bursts of 5), and under load
    // those get a cookie reply instead of Diffie-Hellman: at most one burst was ever decrypted.
    assert.ok(grew('handshake_ratelimited') >= sent.garbage * 0.5, `flooder rate-limited: +${grew('handshake_ratelimited')}`);
    const cookies = (st.handshakeGuard?.cookieRepliesSent ?? 0) - (before.handshakeGuard?.cookieRepliesSent ?? 0);
    assert.ok(cookies <= 20 * (FLOOD_S + 3) + 10, `cookie replies bounded by the per-source rate: ${cookies}`);
    assert.ok(grew('handshake_decrypt_failed') <= 5, `forged initiations that reached Noise: ${grew('handshake_decrypt_failed')}`);
  }
  assert.ok(provider.daemon?.running);
  const after = await T.ping('t1', ADDR.p1, { count: 5, intervalS: 0.2, deadlineS: 10 });
  assert.equal(after.received, 5, after.raw);
}

describe('handshake flood: the established path forwards, a restarted tenant handshakes through it', () => {
  before(() => S.setup(), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites', 120000, async () => { sites = await pairSites(S); });

  S.it('capture a genuine initiation on the WAN (the tenant restarts)', 60000, async () => {
    if (!sites) throw new Error('not paired');
    const cap = await Capture.start(S, 'pa', 'wan0', `udp and dst port ${PORT} and udp[8] = 1 and udp[4:2] = 172`,
      { name: 'initiation', count: 1, timeoutS: 40 });
    await sites.tenant.stop('SIGTERM');
    sites.tenant.start();
    await sites.tenant.waitReady();
    await T.waitForPing('t1', ADDR.p1, 20000);
    const done = await cap.wait(10000);
    assert.equal(done.packets, 1, JSON.stringify(done));
    capture = cap.out;
  });

  S.it(`${PPS}/s flood for ${FLOOD_S} s (random + replayed): pings cross, a restarted tenant handshakes during it`, 120000,
    () => floodCase(false));
  S.it(`${PPS}/s flood for ${FLOOD_S} s with forged mac1 (the public key is public): the same, no DH spent on it`, 120000,
    () => floodCase(true));
});
