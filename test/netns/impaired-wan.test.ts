// The tunnel over a bad WAN: the tenant's UDP flow goes through the user-space WAN emulator
// (scripts/topology.sh WAN_EMU=1) with delay, jitter, loss, duplication and reordering.
// Pairing, ping and TCP must still work; duplicated datagrams must be caught by anti-replay.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Sites, pairSites } from './lib/bridgehead';
import { TOPOLOGY_SH } from './lib/env';
import { sleep, waitFor } from './lib/proc';

const S = NetnsSuite.create(__filename, 'bad');
const T = S.topo;
const DELAY = 25;   // one way, per direction
const EMU = `--delay-ms ${DELAY} --jitter-ms 5 --loss 2 --dup 2 --reorder 5 --reorder-gap-ms 8 --seed 42`;
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired'); return sites; };

/** The emulator's counters, asked for with SIGUSR1 (it keeps running). */
async function emuStats(): Promise<any> {
  const state = execFileSync('bash', [TOPOLOGY_SH, 'state', S.prefix], { encoding: 'utf8' }).trim();
  const log = `${state}/wan-emu.log`;
  const pid = Number(fs.readFileSync(`${state}/pids`, 'utf8').split('\n').find((l) => / wan-emu$/.test(l))!.split(' ')[0]);
  const before = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"event":"stats"')).length;
  process.kill(pid, 'SIGUSR1');
  return waitFor('wan-emu stats', 5000, async () => {
    const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"event":"stats"'));
    return lines.length > before ? JSON.parse(lines[lines.length - 1]) : null;
  }, 100);
}

describe(`impaired WAN (wan-emu ${EMU})`, () => {
  before(() => S.setup({ WAN_EMU: true, WAN_EMU_ARGS: EMU }, ['iperf3']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pairing and the tunnel work through the emulator', 120000, async () => {
    sites = await pairSites(S, { waitPingMs: 45000 });
    const st = await sites.provider.status();
    assert.match(st.peers[0]?.endpoint ?? '', /^198\.18\.3\.1:\d+$/, 'the provider sees the tenant via the relay');
  });

  S.it('ping t1 -> p1: TTL 64, the emulated delay, little loss', 60000, async () => {
    need();
    const p = await T.ping('t1', ADDR.p1, { count: 40, intervalS: 0.1, deadlineS: 20 });
    assert.ok(p.received >= 32, `received ${p.received}/40 with 2% loss each way\n${p.raw}`);
    assert.ok(p.ttls.every((t) => t === 64), `TTLs ${p.ttls}`);
    const rtts = [...p.raw.matchAll(/time=([\d.]+)/g)].map((m) => Number(m[1]));
    assert.ok(Math.min(...rtts) >= 2 * (DELAY - 5) - 1, `min RTT ${Math.min(...rtts)} ms reflects 2 x ${DELAY} ms`);
    assert.ok(!/DUP!/.test(p.raw), 'duplicated datagrams never reach the host twice');
  });

  S.it('iperf3 TCP t1 -> p1 completes over the lossy, reordering path', 60000, async () => {
    need();
    const r = await T.iperf3('t1', 'p1', ADDR.p1, 3, S.work);
    assert.ok(r.receivedBytes > 0, `received ${r.receivedBytes}`);
    process.stdout.write(`# iperf3 over the impaired WAN: ${(r.bitsPerSecond / 1e6).toFixed(1)} Mbit/s, ${r.retransmits} retransmits\n`);
  });

  S.it('the emulator duplicated and reordered datagrams; anti-replay dropped the duplicates', 30000, async () => {
    const { provider, tenant } = need();
    await sleep(500);
    const e = await emuStats();
    const dups = e.up.duplicated + e.down.duplicated, reordered = e.up.reordered + e.down.reordered;
    assert.ok(dups > 0 && reordered > 0, `emulator: ${JSON.stringify({ up: e.up, down: e.down })}`);
    const [ps, ts] = await Promise.all([provider.status(), tenant.status()]);
    const replay = (ps.drops.replay ?? 0) + (ts.drops.replay ?? 0);
    assert.ok(replay > 0, `replay drops ${replay} with ${dups} duplicates (provider ${JSON.stringify(ps.drops)})`);
    assert.ok(replay <= dups, `replay drops ${replay} <= duplicates ${dups}: reordered datagrams are not rejected`);
    for (const s of [ps, ts]) assert.equal(s.peers[0]?.state, 'up');
    process.stdout.write(`# wan-emu: ${dups} duplicated, ${reordered} reordered, ${e.up.lost + e.down.lost} lost; replay drops ${replay}\n`);
  });
});
