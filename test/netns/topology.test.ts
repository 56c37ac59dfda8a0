// The test infrastructure itself, without bridgehead: scripts/topology.sh (routing, NAT, MTU,
// hosts), the WAN emulator relay in PREFIX-wan, and that `down` leaves nothing behind.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { NetnsSuite } from './lib/suite';
import { ADDR, MAC } from './lib/topology';
import { NODE, TOPOLOGY_SH, helperScript } from './lib/env';
import { run, waitFor, sleep } from './lib/proc';

const S = NetnsSuite.create(__filename, 'topo');
const T = S.topo;
const UDP_TOOL = helperScript('udp-tool');

function nsList(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

describe('topology (scripts/topology.sh) and WAN emulator', () => {
  before(() => S.setup({ WAN_EMU: true, WAN_MTU: 1400, WAN_EMU_ARGS: '--delay-ms 20 --jitter-ms 2 --seed 5' }, ['tcpdump']),
    { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('the self-check passes: routing, NAT masquerade, NAT filter, separate sites', 60000, async () => {
    const r = await T.check();
    assert.equal(r.code, 0, `topology check failed:\n${r.stderr}`);
    assert.match(r.stderr, /pa sees the tenant as 198\.18\.2\.2/);
  });

  S.it('hosts have fixed MACs and IPv6 link-local; appliances and routers have no IPv6', 30000, async () => {
    for (const h of ['t1', 't2', 'p1'] as const) {
      const l = await T.link(h, 'eth0');
      assert.ok(l, `${h} eth0`);
      assert.equal(l.address, MAC[h]);
      assert.equal(l.mtu, 1500);
      const a = await T.execOk(h, ['ip', '-6', '-j', 'addr', 'show', 'dev', 'eth0']);
      assert.match(a.stdout, /fe80::/, `${h} has an IPv6 link-local address`);
    }
    for (const n of ['ta', 'pa', 'nat', 'wan'] as const) {
      const a = await T.execOk(n, ['sysctl', '-n', 'net.ipv6.conf.all.disable_ipv6']);
      assert.equal(a.stdout.trim(), '1', `IPv6 disabled in ${n}`);
    }
    const br = await T.link('ta', 'br0');
    assert.equal(br?.linkinfo?.info_kind, 'bridge');
    for (const port of ['t1', 't2']) assert.equal((await T.link('ta', port))?.master, 'br0');
    assert.equal((await T.link('pa', 'p1'))?.master, 'br0');
  });

  S.it('WAN_MTU applies to every WAN link', 30000, async () => {
    for (const [n, dev] of [['ta', 'wan0'], ['nat', 'lan0'], ['nat', 'wan0'], ['wan', 'nat0'], ['wan', 'pa0'], ['pa', 'wan0']] as const) {
      assert.equal((await T.link(n, dev))?.mtu, 1400, `${n}/${dev} MTU`);
    }
    const big = await T.exec('ta', ['ping', '-n', '-c', '1', '-w', '3', '-M', 'do', '-s', '1400', ADDR.pa]);
    assert.notEqual(big.code, 0, 'a 1428-byte DF packet must not fit a 1400 WAN');
    const ok = await T.ping('ta', ADDR.pa, { count: 1, deadlineS: 3, size: 1372 });
    assert.equal(ok.received, 1, 'a 1400-byte packet fits');
  });

  S.it('WAN_EMU relays the tenant UDP flow to 198.18.3.2:51820 with the configured delay, transparently', 60000, async () => {
    const echoLog = S.logFile('echo.log');
    const echo = S.track(T.spawn('pa', 'udp-echo', [NODE, UDP_TOOL, 'echo', '--listen', `${ADDR.pa}:51820`, '--max-seconds', '30'], echoLog));
    await waitFor('echo server', 5000, async () => T.udpListening('pa', 51820));
    const r = await T.execOk('ta', [NODE, UDP_TOOL, 'ping', '--to', `${ADDR.pa}:51820`, '--bind', '0.0.0.0:51820',
      '--count', '20', '--interval-ms', '20', '--wait-ms', '1000'], { timeoutMs: 15000 });
    const p = JSON.parse(r.stdout) as { sent: number; received: number; rttMs: number[]; inversions: number };
    assert.equal(p.sent, 20);
    assert.equal(p.received, 20, 'no loss configured, every datagram comes back');
    assert.ok(Math.min(...p.rttMs) >= 35, `RTT ${Math.min(...p.rttMs)} ms includes 2 x (20 +/- 2) ms`);
    assert.ok(Math.max(...p.rttMs) < 500, `RTT ${Math.max(...p.rttMs)} ms`);
    assert.equal(p.inversions, 0, 'no reordering configured');
    await echo.stop('SIGTERM', 3000);
    const exit = JSON.parse(fs.readFileSync(echoLog, 'utf8').split('\n').find((l) => l.includes('"exit"'))!);
    assert.equal(exit.sources.length, 1);
    assert.match(exit.sources[0], /^198\.18\.3\.1:\d+$/, 'the provider sees the relay (198.18.3.1), not the NAT');
    // ICMP is not relayed: plain routing, no added delay.
    const icmp = await T.exec('ta', ['ping', '-n', '-c', '3', '-i', '0.2', '-w', '3', ADDR.pa]);
    const times = [...icmp.stdout.matchAll(/time=([\d.]+)/g)].map((m) => Number(m[1]));
    assert.equal(times.length, 3);
    assert.ok(Math.max(...times) < 20, `ICMP RTT ${times} ms is not emulated`);
  });

  S.it('down stops processes in the namespaces and deletes every PREFIX-* namespace; up again works (NO_NAT)', 90000, async () => {
    const stateDir = execFileSync('bash', [TOPOLOGY_SH, 'state', S.prefix], { encoding: 'utf8' }).trim();
    const emuLog = `${stateDir}/wan-emu.log`;
    const sleeper = T.spawn('t1', 'sleeper', ['sleep', '60'], S.logFile('sleeper.log'));
    await sleep(200);
    assert.ok(sleeper.running);
    const d = await T.down();
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /wan-emu counters: \{"reason":"SIGTERM"/, 'the emulator printed its counters');
    const e = await sleeper.waitExit(5000);
    assert.ok(e, 'process in the namespace was stopped');
    assert.deepEqual(nsList().filter((n) => n.startsWith(`${S.prefix}-`)), []);
    assert.ok(!fs.existsSync(emuLog), 'state dir removed');
    const again = await T.down();
    assert.equal(again.code, 0, 'down twice is fine');

    await T.up({ NO_NAT: true });
    const r = await T.check({ NO_NAT: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /pa sees the tenant as 198\.18\.1\.2/);
    const r2 = await run(['bash', TOPOLOGY_SH, 'up', S.prefix], { timeoutMs: 30000 });
    assert.equal(r2.code, 0);
    assert.match(r2.stderr, /already up/);
  });
});
