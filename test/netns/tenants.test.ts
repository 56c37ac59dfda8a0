// A multi-tenant provider appliance (docs/INTERNALS.md section 9) with 3 tenants on ONE UDP port,
// each tenant site an ordinary single-tenant appliance paired with `invite --tenant NAME` / join.
// Every tenant uses the same host IPs and MACs (scripts/tenants-topology.sh). Checks: each
// tenant's hosts reach their own replica (TTL 64); one tenant floods (broadcast + random source
// MACs, bounded) while the others' pings and TCP stay clean; captures on each provider-side
// tenant LAN hold 0 frames of the other tenants; a forged, mis-steered datagram is a counted
// drop; a token whose key was swapped for another tenant's cannot join that tenant.
import { describe, before, after, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLI, NODE, PCAP_CAPTURE, REPO, netnsSkipReason, missingPrerequisites } from './lib/env';
import { Background, WaitAbort, run, runOk, sleep, waitFor, killTrackedSync, type RunResult } from './lib/proc';
import { readPcap } from './lib/pcap';
import { decodeToken, encodeToken } from '../../src/control/token';
import * as sodium from '../../src/control/crypto';
import type { StatusSnapshot } from '../../src/ipc/status-types';
import { chooseCpus } from '../../src/config/cpu-affinity';
import { loadNative } from '../../src/dataplane/native';

const addonAllowedCpus = () => loadNative().allowedCpus();

const P = `bh-mt-${process.pid}`;
const TOPO = path.join(REPO, 'scripts', 'tenants-topology.sh');
const FLOOD = path.join(REPO, 'scripts', 'l2-flood.js');
const TENANTS = ['acme', 'beta', 'gamma'] as const;
const PATTERNS = ['a1a1a1a1', 'b2b2b2b2', 'c3c3c3c3']; // ping payload per tenant: who sent a frame
const HOST_MACS = new Set(['02:00:00:00:00:01', '02:00:00:00:00:02']);
const PORT = 51820;
const skip = netnsSkipReason(__filename);
let work = '';
let failed = false;
const procs: Background[] = [];

const nsArgv = (ns: string, argv: string[]) => ['ip', 'netns', 'exec', `${P}-${ns}`, ...argv];
const exec = (ns: string, argv: string[], timeoutMs = 20000): Promise<RunResult> => run(nsArgv(ns, argv), { timeoutMs });
const execOk = (ns: string, argv: string[], timeoutMs = 20000): Promise<RunResult> => runOk(nsArgv(ns, argv), { timeoutMs });
const bg = (ns: string, name: string, argv: string[]): Background => {
  const b = new Background(name, nsArgv(ns, argv), path.join(work, `${name}.log`));
  procs.push(b);
  return b;
};
const provDir = () => path.join(work, 'provider');
const siteDir = (k: number) => path.join(work, `site${k}`);
const bh = (ns: string, args: string[], timeoutMs = 20000) => execOk(ns, [NODE, CLI, ...args], timeoutMs);

async function statusOf(args: string[]): Promise<StatusSnapshot> {
  return JSON.parse((await bh('pv', ['status', '--json', ...args], 10000)).stdout) as StatusSnapshot;
}

function downSync(): void {
  try { execFileSync('bash', [TOPO, 'down', P], { timeout: 30000, stdio: 'ignore' }); } catch { /* best effort */ }
}

function t(name: string, timeoutMs: number, fn: () => Promise<void>): void {
  it(name, { skip, timeout: timeoutMs }, async () => {
    try { await fn(); } catch (e) {
      failed = true;
      const tail = ['provider', 'site1', 'site2', 'site3'].map((n) => {
        try { return `--- ${n} ---\n${fs.readFileSync(path.join(work, `${n}.log`), 'utf8').trimEnd().split('\n').slice(-15).join('\n')}`; } catch { return ''; }
      }).join('\n');
      (e as Error).message += `\n${tail}`;
      throw e;
    }
  });
}

function framesFrom(file: string): Array<{ src: string; data: Buffer }> {
  return readPcap(file).packets.map((p) => ({ src: [...p.data.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':'), data: p.data }));
}

describe('multi-tenant provider: 3 tenants, one UDP port, overlapping addresses', () => {
  before(async () => {
    if (skip) return;
    const missing = missingPrerequisites(['iperf3']);
    if (missing) throw new Error(missing);
    process.once('exit', () => { killTrackedSync('SIGKILL'); downSync(); });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-netns-tenants-'));
    await runOk(['bash', TOPO, 'up', P, '3', 'each', '3'], { timeoutMs: 60000 });
  }, { timeout: 90000 });
  after(async () => {
    if (skip) return;
    for (const b of procs.reverse()) await b.stop('SIGTERM', 5000);
    await run(['bash', TOPO, 'down', P], { timeoutMs: 60000 });
    if (failed || process.env.BH_KEEP_LOGS === '1') process.stderr.write(`${P}: logs kept in ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
  }, { timeout: 90000 });

  t('provider: init, tenant add x3, up; each site: init, join with its tenant\'s invite, up', 180000, async () => {
    await bh('pv', ['init', '-c', provDir(), '--name', 'prov', '--listen', `198.18.0.1:${PORT}`, '--endpoint', `198.18.0.1:${PORT}`, '--tap', 'bh0', '--metrics']);
    for (const [i, name] of TENANTS.entries()) await bh('pv', ['tenant', 'add', name, '--bridge', `lb${i + 1}`, '-c', provDir()]);
    // thread CPU affinity 'spread' (INTERNALS 2g): each tenant's pair rotated by its slot (checked below)
    const prov = bg('pv', 'provider', ['env', 'BRIDGEHEAD_CPU_AFFINITY=spread', NODE, CLI, 'up', '-c', provDir(), '--log-level', 'debug']);
    await waitFor('provider control sockets', 20000, async () => {
      if (!prov.running) throw new WaitAbort(prov.logTail(20));
      return TENANTS.every((n) => fs.existsSync(path.join(provDir(), 'tenants', n, 'bridgehead.sock'))) &&
        fs.existsSync(path.join(provDir(), 'bridgehead.sock'));
    });
    for (const [i, name] of TENANTS.entries()) {
      const k = i + 1;
      const token = (await bh('pv', ['invite', '--tenant', name, '-c', provDir()])).stdout.trim().split('\n').pop() as string;
      await bh(`s${k}`, ['init', '-c', siteDir(k), '--name', `site${k}`, '--listen', `198.18.0.${10 + k}:${PORT}`, '--tap', 'bh0', '--bridge', 'br0']);
      await bh(`s${k}`, ['join', '-c', siteDir(k), '--timeout', '20s', token], 40000);
      bg(`s${k}`, `site${k}`, [NODE, CLI, 'up', '-c', siteDir(k), '--log-level', 'debug']);
    }
    for (const k of [1, 2, 3]) {
      await waitFor(`tenant ${k}: host reaches its replica`, 30000, async () =>
        (await exec(`ht${k}`, ['ping', '-n', '-c', '1', '-W', '1', '198.19.0.2'], 5000)).code === 0, 300);
    }
  });

  t('ping in every tenant to the same IP reaches that tenant\'s replica only: every reply, TTL 64', 60000, async () => {
    const caps = [1, 2, 3].map((k) => bg(`hp${k}`, `cap-ping-${k}`, [NODE, PCAP_CAPTURE, '--dev', 'eth0', '--filter', 'icmp',
      '--count', '0', '--timeout', '30', '--out', path.join(work, `ping-${k}.pcap`)]));
    for (const [i, c] of caps.entries()) {
      await waitFor(`capture ${i + 1} ready`, 10000, async () => fs.readFileSync(c.logFile, 'utf8').includes('"event":"ready"'));
    }
    const pings = await Promise.all([1, 2, 3].map((k) => exec(`ht${k}`, ['ping', '-n', '-c', '10', '-i', '0.1', '-w', '10', '-p', PATTERNS[k - 1], '198.19.0.2'], 20000)));
    for (const c of caps) await c.stop('SIGINT', 5000);
    for (const [i, r] of pings.entries()) {
      assert.match(r.stdout, /10 packets transmitted, 10 received/, `tenant ${i + 1}: ${r.stdout}`);
      assert.equal((r.stdout.match(/ttl=64/g) ?? []).length, 10, r.stdout);
    }
    for (const k of [1, 2, 3]) {
      const frames = framesFrom(path.join(work, `ping-${k}.pcap`));
      const hex = frames.map((f) => f.data.toString('hex'));
      assert.ok(hex.filter((h) => h.includes(PATTERNS[k - 1])).length >= 20, `tenant ${k}: its own 10 requests + 10 replies`);
      for (const [j, pat] of PATTERNS.entries()) {
        if (j === k - 1) continue;
        assert.equal(hex.filter((h) => h.includes(pat)).length, 0, `tenant ${k}'s LAN saw ${pat} (tenant ${j + 1})`);
      }
    }
  });

  t('status per tenant and tenant list: each tenant has its own peer up; one UDP port', 30000, async () => {
    const list = JSON.parse((await bh('pv', ['tenant', 'list', '--json', '-c', provDir()])).stdout) as
      { running: boolean; tenants: Array<{ name: string; slot: number; live: { state: string; peersUp: number } | null }> };
    assert.equal(list.running, true);
    assert.deepEqual(list.tenants.map((x) => [x.name, x.slot, x.live?.state, x.live?.peersUp]),
      [['acme', 1, 'running', 1], ['beta', 2, 'running', 1], ['gamma', 3, 'running', 1]]);
    const keys = new Set<string>();
    for (const name of TENANTS) {
      const s = await statusOf(['--tenant', name, '-c', provDir()]);
      assert.equal(s.peers.length, 1, `${name}: one peer`);
      assert.equal(s.peers[0].state, 'up');
      keys.add(s.publicKey);
    }
    assert.equal(keys.size, 3, 'every tenant has its own key');
    // cpuAffinity spread: every data plane pinned as chooseCpus says for its slot (front = slot 0)
    const allowed = addonAllowedCpus();
    for (const [slot, args] of [[0, []], ...TENANTS.map((n, i) => [i + 1, ['--tenant', n]] as const)] as Array<[number, string[]]>) {
      const a = (await statusOf([...args, '-c', provDir()])).cpuAffinity;
      const want = chooseCpus({ kind: 'spread' }, allowed, slot);
      const pin = 'pin' in want && want.pin ? want.pin : null;
      assert.deepEqual(a, { setting: 'spread', rx: pin?.rx ?? 'off', tx: pin?.tx ?? 'off', errors: 0 }, `slot ${slot}`);
    }
    const ss = await execOk('pv', ['ss', '-Hulnp']);
    const bound = ss.stdout.split('\n').filter((l) => l.includes(`:${PORT} `));
    assert.equal(bound.length, 4, `front + 3 tenants share :${PORT}\n${ss.stdout}`);
    const m = await execOk('pv', [NODE, '-e', "fetch('http://127.0.0.1:19480/metrics').then(r => r.text()).then(t => process.stdout.write(t))"]);
    for (const name of TENANTS) {
      assert.match(m.stdout, new RegExp(`^bridgehead_peer_up\\{tenant="${name}",peer="[^"]+"\\} 1$`, 'm'), `metrics: ${name}'s peer up`);
    }
    assert.match(m.stdout, /^bridgehead_mac_table_capacity\{tenant=""\} \d+$/m, 'the appliance\'s own series, tenant=""');
  });

  t('tenant acme floods (broadcast + 20,000 random source MACs): beta and gamma ping and TCP (100 Mbit/s each) stay clean, 0 foreign frames', 120000, async () => {
    const caps = [1, 2, 3].map((k) => bg(`hp${k}`, `cap-flood-${k}`, [NODE, PCAP_CAPTURE, '--dev', 'eth0', '--filter', '',
      '--count', '0', '--timeout', '60', '--out', path.join(work, `flood-${k}.pcap`)]));
    for (const [i, c] of caps.entries()) {
      await waitFor(`capture ${i + 1} ready`, 10000, async () => fs.readFileSync(c.logFile, 'utf8').includes('"event":"ready"'));
    }
    const servers = [2, 3].map((k) => bg(`hp${k}`, `iperf-s-${k}`, ['iperf3', '-s', '-1', '-p', '5201']));
    await sleep(500);
    const floods = [
      bg('ht1', 'flood-bc', [NODE, FLOOD, '--dev', 'eth0', '--kind', 'broadcast', '--count', '20000', '--pps', '4000', '--timeout', '8', '--src', '02:00:00:00:00:01']),
      bg('ht1', 'flood-mac', [NODE, FLOOD, '--dev', 'eth0', '--kind', 'random-src', '--count', '20000', '--pps', '4000', '--timeout', '8', '--dst', '02:00:00:00:00:02']),
    ];
    await sleep(500);
    const [p2, p3, i2, i3] = await Promise.all([
      exec('ht2', ['ping', '-n', '-c', '30', '-i', '0.2', '-w', '15', '-p', PATTERNS[1], '198.19.0.2'], 25000),
      exec('ht3', ['ping', '-n', '-c', '30', '-i', '0.2', '-w', '15', '-p', PATTERNS[2], '198.19.0.2'], 25000),
      exec('ht2', ['iperf3', '-c', '198.19.0.2', '-p', '5201', '-t', '4', '-b', '100M', '-J'], 30000),
      exec('ht3', ['iperf3', '-c', '198.19.0.2', '-p', '5201', '-t', '4', '-b', '100M', '-J'], 30000),
    ]);
    for (const f of floods) await f.waitExit(15000);
    for (const s of servers) await s.stop('SIGTERM', 3000);
    await sleep(500);
    for (const c of caps) await c.stop('SIGINT', 5000);
    assert.match(p2.stdout, /30 packets transmitted, 30 received/, `beta ping during the flood\n${p2.stdout}`);
    assert.match(p3.stdout, /30 packets transmitted, 30 received/, `gamma ping during the flood\n${p3.stdout}`);
    for (const [k, r] of [[2, i2], [3, i3]] as const) {
      const j = JSON.parse(r.stdout) as { end: { sum_received: { bytes: number; bits_per_second: number } } };
      assert.ok(j.end.sum_received.bytes > 0, `tenant ${k}: TCP carried data`);
      process.stdout.write(`# tenant ${k} TCP during tenant 1's flood: ${(j.end.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s\n`);
    }
    const sent = floods.map((f) => JSON.parse(fs.readFileSync(f.logFile, 'utf8').trim().split('\n').pop() as string) as { sent: number });
    assert.ok(sent[0].sent > 1000 && sent[1].sent > 1000, `the floods ran: ${JSON.stringify(sent)}`);
    const at1 = framesFrom(path.join(work, 'flood-1.pcap'));
    const foreign1 = at1.filter((f) => !HOST_MACS.has(f.src)).length;
    const bcast1 = at1.filter((f) => f.data.subarray(0, 6).equals(Buffer.alloc(6, 0xff))).length;
    process.stdout.write(`# tenant 1's own LAN: ${bcast1} broadcast, ${foreign1} random-source frames (storm-limited)\n`);
    assert.ok(bcast1 > 0 || foreign1 > 0, 'the flood reached its own tenant\'s provider LAN (proves it crossed)');
    for (const k of [2, 3]) {
      const frames = framesFrom(path.join(work, `flood-${k}.pcap`));
      const hex = frames.map((f) => f.data.toString('hex'));
      assert.equal(frames.filter((f) => !HOST_MACS.has(f.src)).length, 0, `tenant ${k}: frames from flood MACs`);
      assert.equal(frames.filter((f) => f.data.subarray(0, 6).equals(Buffer.alloc(6, 0xff)) && f.data.readUInt16BE(12) === 0x0806 &&
        f.data.subarray(38, 42).equals(Buffer.from([198, 19, 10, 250]))).length, 0, `tenant ${k}: tenant 1's flood ARPs`);
      for (const [j, pat] of PATTERNS.entries()) {
        if (j === k - 1) continue;
        assert.equal(hex.filter((h) => h.includes(pat)).length, 0, `tenant ${k}'s LAN saw ${pat}`);
      }
      const own = hex.filter((h) => h.includes(PATTERNS[k - 1])).length;
      process.stdout.write(`# tenant ${k}'s LAN during the flood: ${frames.length} frames, ${own} of its own pings, 0 foreign\n`);
      assert.ok(own >= 60, `tenant ${k}: its own 30 pings + 30 replies captured (got ${own})`);
    }
    const acme = await statusOf(['--tenant', 'acme', '-c', provDir()]);
    const beta = await statusOf(['--tenant', 'beta', '-c', provDir()]);
    assert.equal(beta.macTable.full ?? 0, 0, 'beta\'s MAC table untouched by acme\'s MAC flood');
    assert.ok(beta.macTable.size <= 4, `beta MAC table: ${beta.macTable.size}`);
    assert.ok(acme.macTable.size > 100, `acme learned the flood's MACs: ${acme.macTable.size}`);
  });

  t('forged datagrams: a slot-2 index is a counted drop in beta, an unknown slot in the front; nobody answers', 30000, async () => {
    const before = (await statusOf(['--tenant', 'beta', '-c', provDir()])).drops.unknown_index ?? 0;
    const frontBefore = (await statusOf(['-c', provDir()])).drops.unknown_index ?? 0;
    const send = (idx: number) => `const d=require('dgram').createSocket('udp4');const b=Buffer.alloc(64);b[0]=4;b.writeUInt32LE(${idx},4);` +
      `let n=0;const go=()=>d.send(b,${PORT},'198.18.0.1',()=>{if(++n<5)go();else d.close();});go();`;
    await execOk('s1', [NODE, '-e', send((2 << 24) | 12345)]);
    await execOk('s1', [NODE, '-e', send((77 << 24) | 5)]);
    await waitFor('beta counts 5 unknown_index', 5000, async () =>
      ((await statusOf(['--tenant', 'beta', '-c', provDir()])).drops.unknown_index ?? 0) >= before + 5);
    await waitFor('the front counts 5 unknown_index', 5000, async () =>
      ((await statusOf(['-c', provDir()])).drops.unknown_index ?? 0) >= frontBefore + 5);
  });

  t('a token of tenant acme re-addressed to tenant beta\'s key cannot join beta (counted), acme\'s still can', 60000, async () => {
    const token = (await bh('pv', ['invite', '--tenant', 'acme', '-c', provDir()])).stdout.trim().split('\n').pop() as string;
    await sodium.ready();
    const betaKey = (await statusOf(['--tenant', 'beta', '-c', provDir()])).publicKey;
    const forged = encodeToken({ ...decodeToken(token), inviterPublicKey: new Uint8Array(Buffer.from(betaKey, 'base64')) });
    const dir = path.join(work, 'intruder');
    await bh('s1', ['init', '-c', dir, '--name', 'intruder', '--listen', '198.18.0.11:51999', '--tap', 'bhx']);
    const before = (await statusOf(['--tenant', 'beta', '-c', provDir()])).drops.handshake_invite_unknown ?? 0;
    const r = await exec('s1', [NODE, CLI, 'join', '-c', dir, '--timeout', '4s', forged], 20000);
    assert.notEqual(r.code, 0, `the forged join must fail: ${r.stdout}${r.stderr}`);
    const after = (await statusOf(['--tenant', 'beta', '-c', provDir()])).drops.handshake_invite_unknown ?? 0;
    assert.ok(after > before, `beta counted handshake_invite_unknown (${before} -> ${after})`);
    assert.equal((await statusOf(['--tenant', 'beta', '-c', provDir()])).peers.length, 1, 'beta still has one peer');
  });

  t('tenant remove on the running provider: acme stops, the kernel moves gamma\'s socket into its position, beta and gamma keep forwarding', 60000, async () => {
    const r = await bh('pv', ['tenant', 'remove', 'acme', '-c', provDir()], 30000);
    assert.match(r.stderr, /daemon: stopped acme/);
    const list = JSON.parse((await bh('pv', ['tenant', 'list', '--json', '-c', provDir()])).stdout) as
      { tenants: Array<{ name: string; live: { state: string } | null }> };
    assert.deepEqual(list.tenants.map((x) => [x.name, x.live?.state]), [['beta', 'running'], ['gamma', 'running']]);
    const ss = await execOk('pv', ['ss', '-Hulnp']);
    assert.equal(ss.stdout.split('\n').filter((l) => l.includes(`:${PORT} `)).length, 3, ss.stdout);
    for (const k of [2, 3]) {
      const p = await exec(`ht${k}`, ['ping', '-n', '-c', '10', '-i', '0.1', '-w', '8', '198.19.0.2'], 15000);
      assert.match(p.stdout, /10 packets transmitted, 10 received/, `tenant ${k} after acme left\n${p.stdout}`);
    }
    const p1 = await exec('ht1', ['ping', '-n', '-c', '3', '-i', '0.2', '-w', '3', '198.19.0.2'], 10000);
    assert.match(p1.stdout, / 0 received/, `acme's site no longer reaches anything\n${p1.stdout}`);
  });
});
