// Three sites of one segment (scripts/relay-topology.sh): tenant data centres A and B and the
// provider C, each an appliance with its own name, paired with invite/join, plain L2 (no failover
// section). Two layouts (docs/INTERNALS.md "Multi-site data plane"):
//   hub:  A and B pair with C only; C has `topology: hub` and relays between them
//   mesh: every site pairs with every other; nothing is relayed (split horizon)
// Checks per layout: any-to-any ping (TTL 64, no duplicates) and ARP; a UDP broadcast with a
// sequence number from each site is captured exactly once on every LAN (the sender's own copy
// included: an echo would make it two); known unicast A <-> B never shows on C's LAN (hub: it
// takes the relay, counted in C's status; mesh: it goes direct, nothing relayed).
import { describe, before, after, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLI, NODE, PCAP_CAPTURE, REPO, netnsSkipReason, missingPrerequisites } from './lib/env';
import { Background, WaitAbort, run, runOk, waitFor, killTrackedSync, type RunResult } from './lib/proc';
import { readPcap } from './lib/pcap';
import type { StatusSnapshot } from '../../src/ipc/status-types';

const P = `bh-rl-${process.pid}`;
const TOPO = path.join(REPO, 'scripts', 'relay-topology.sh');
const SITES = ['a', 'b', 'c'] as const;
type Site = (typeof SITES)[number];
const WAN: Record<Site, string> = { a: '198.18.0.11', b: '198.18.0.12', c: '198.18.0.13' };
const IP: Record<Site, string> = { a: '198.19.0.11', b: '198.19.0.12', c: '198.19.0.13' };
const MAC: Record<Site, string> = { a: '02:00:00:00:0a:01', b: '02:00:00:00:0b:01', c: '02:00:00:00:0c:01' };
const PORT = 51820;
const BCAST_PORT = 47020;
const BCAST_COUNT = 5;
const skip = netnsSkipReason(__filename);

const nsArgv = (ns: string, argv: string[]) => ['ip', 'netns', 'exec', `${P}-${ns}`, ...argv];
const exec = (ns: string, argv: string[], timeoutMs = 20000): Promise<RunResult> => run(nsArgv(ns, argv), { timeoutMs });
const execOk = (ns: string, argv: string[], timeoutMs = 20000): Promise<RunResult> => runOk(nsArgv(ns, argv), { timeoutMs });
const pairs = (): Array<[Site, Site]> => SITES.flatMap((x) => SITES.filter((y) => y !== x).map((y) => [x, y] as [Site, Site]));

function downSync(): void {
  try { execFileSync('bash', [TOPO, 'down', P], { timeout: 30000, stdio: 'ignore' }); } catch { /* best effort */ }
}

for (const layout of ['hub', 'mesh'] as const) {
  describe(`three sites, ${layout} layout`, () => {
    let work = '';
    let failed = false;
    const procs: Background[] = [];
    const dir = (x: Site) => path.join(work, `site-${x}`);
    const bh = (x: Site, args: string[], timeoutMs = 20000) => execOk(`s${x}`, [NODE, CLI, ...args], timeoutMs);
    const bg = (ns: string, name: string, argv: string[]): Background => {
      const b = new Background(name, nsArgv(ns, argv), path.join(work, `${name}.log`));
      procs.push(b);
      return b;
    };
    const status = async (x: Site): Promise<StatusSnapshot> =>
      JSON.parse((await bh(x, ['status', '--json', '-c', dir(x)], 10000)).stdout) as StatusSnapshot;
    const capture = async (x: Site, name: string, filter: string): Promise<{ stop(): Promise<Buffer[]> }> => {
      const out = path.join(work, `${name}.pcap`);
      const c = bg(`h${x}`, `cap-${name}`, [NODE, PCAP_CAPTURE, '--dev', 'eth0', '--filter', filter, '--count', '0',
        '--timeout', '30', '--out', out]);
      await waitFor(`capture ${name} ready`, 10000, async () => {
        if (!c.running) throw new WaitAbort(c.logTail(10));
        return fs.existsSync(c.logFile) && fs.readFileSync(c.logFile, 'utf8').includes('"event":"ready"');
      }, 100);
      return { stop: async () => { await c.stop('SIGINT', 5000); return readPcap(out).packets.map((p) => p.data); } };
    };
    const up = async (x: Site): Promise<void> => {
      const d = bg(`s${x}`, `site-${x}`, [NODE, CLI, 'up', '-c', dir(x), '--log-level', 'debug']);
      await waitFor(`site ${x} daemon ready`, 20000, async () => {
        if (!d.running) throw new WaitAbort(d.logTail(20));
        return fs.existsSync(path.join(dir(x), 'bridgehead.sock'));
      });
    };
    const pair = async (inviter: Site, joiner: Site): Promise<void> => {
      const token = (await bh(inviter, ['invite', '-c', dir(inviter)])).stdout.trim().split('\n').pop() as string;
      await bh(joiner, ['join', '-c', dir(joiner), '--timeout', '20s', token], 40000);
    };

    function t(name: string, timeoutMs: number, fn: () => Promise<void>): void {
      it(name, { skip, timeout: timeoutMs }, async () => {
        try { await fn(); } catch (e) {
          failed = true;
          const tail = SITES.map((x) => {
            try { return `--- site ${x} ---\n${fs.readFileSync(path.join(work, `site-${x}.log`), 'utf8').trimEnd().split('\n').slice(-12).join('\n')}`; } catch { return ''; }
          }).join('\n');
          (e as Error).message += `\n${tail}`;
          throw e;
        }
      });
    }

    before(async () => {
      if (skip) return;
      const missing = missingPrerequisites(['arping']);
      if (missing) throw new Error(missing);
      process.once('exit', () => { killTrackedSync('SIGKILL'); downSync(); });
      work = fs.mkdtempSync(path.join(os.tmpdir(), `bh-netns-relay-${layout}-`));
      await runOk(['bash', TOPO, 'up', P], { timeoutMs: 60000 });
    }, { timeout: 90000 });
    after(async () => {
      if (skip) return;
      for (const b of procs.reverse()) await b.stop('SIGTERM', 5000);
      await run(['bash', TOPO, 'down', P], { timeoutMs: 60000 });
      if (failed || process.env.BH_KEEP_LOGS === '1') process.stderr.write(`${P} (${layout}): logs kept in ${work}\n`);
      else fs.rmSync(work, { recursive: true, force: true });
    }, { timeout: 90000 });

    t(`${layout}: init three named sites, pair (${layout === 'hub' ? 'A-C, B-C' : 'A-C, B-C, A-B'}), up; every host reaches every other`, 180000, async () => {
      for (const x of SITES) {
        await bh(x, ['init', '-c', dir(x), '--name', `site-${x}`, '--listen', `${WAN[x]}:${PORT}`, '--endpoint', `${WAN[x]}:${PORT}`,
          '--tap', 'bh0', '--bridge', 'br0', ...(layout === 'hub' && x === 'c' ? ['--topology', 'hub'] : [])]);
      }
      await up('c');
      await pair('c', 'a');
      await up('a');
      await pair('c', 'b');
      if (layout === 'mesh') await pair('a', 'b'); // a tenant site invites too; b joins a second peer
      await up('b');
      for (const [x, y] of pairs()) {
        await waitFor(`${x} reaches ${y}`, 30000, async () =>
          (await exec(`h${x}`, ['ping', '-n', '-c', '1', '-W', '1', IP[y]], 5000)).code === 0, 300);
      }
      const sc = await status('c');
      assert.equal(sc.name, 'site-c');
      assert.equal(sc.topology?.layout, layout);
      assert.deepEqual(sc.peers.map((p) => p.name).sort(), ['site-a', 'site-b']);
      const sa = await status('a');
      assert.deepEqual(sa.peers.map((p) => p.name).sort(), layout === 'hub' ? ['site-c'] : ['site-b', 'site-c']);
    });

    t(`${layout}: any-to-any ping, 6 directions: every reply, TTL 64, no duplicates`, 60000, async () => {
      const res = await Promise.all(pairs().map(([x, y]) =>
        exec(`h${x}`, ['ping', '-n', '-c', '5', '-i', '0.2', '-w', '10', IP[y]], 20000)));
      for (const [i, r] of res.entries()) {
        const [x, y] = pairs()[i];
        assert.match(r.stdout, /5 packets transmitted, 5 received/, `${x} -> ${y}\n${r.stdout}`);
        assert.equal((r.stdout.match(/ttl=64/g) ?? []).length, 5, `${x} -> ${y}\n${r.stdout}`);
        assert.ok(!/DUP!/.test(r.stdout), `${x} -> ${y}: duplicates\n${r.stdout}`);
      }
    });

    t(`${layout}: ARP any-to-any: arping is answered by the real MAC, neighbour tables hold it`, 90000, async () => {
      for (const [x, y] of pairs()) {
        await execOk(`h${x}`, ['ip', 'neigh', 'flush', 'dev', 'eth0']);
        const a = await exec(`h${x}`, ['arping', '-c', '2', '-W', '0.3', '-w', '5', '-i', 'eth0', IP[y]], 10000);
        const replies = [...a.stdout.matchAll(/bytes from ([0-9a-f:]{17}) \(([\d.]+)\)/g)];
        assert.ok(replies.length >= 2, `${x} -> ${y}: ${replies.length} replies\n${a.stdout}${a.stderr}`);
        for (const r of replies) assert.deepEqual([r[1], r[2]], [MAC[y], IP[y]], `${x} -> ${y}`);
        const p = await exec(`h${x}`, ['ping', '-n', '-c', '1', '-W', '2', IP[y]], 5000);
        assert.equal(p.code, 0, p.stdout);
        const n = await execOk(`h${x}`, ['ip', 'neigh', 'show', IP[y], 'dev', 'eth0']);
        assert.match(n.stdout, new RegExp(`lladdr ${MAC[y]}`), `${x}: ${n.stdout}`);
      }
    });

    t(`${layout}: a broadcast with a sequence number from each site is seen exactly once on every LAN`, 90000, async () => {
      const caps = await Promise.all(SITES.map((x) => capture(x, `bcast-${layout}-${x}`, `udp dst port ${BCAST_PORT}`)));
      for (const x of SITES) {
        await execOk(`h${x}`, [NODE, '-e', `
          const s = require('dgram').createSocket('udp4'); let k = 0;
          s.bind(() => { s.setBroadcast(true); const next = () => {
            if (k === ${BCAST_COUNT}) return setTimeout(() => s.close(), 100);
            s.send(Buffer.from('bh-relay ${x} ' + (k++)), ${BCAST_PORT}, '198.19.0.255', () => setTimeout(next, 100)); };
            next(); });`], 20000);
      }
      await new Promise((r) => setTimeout(r, 1000)); // the last ones cross the tunnel
      const seen = await Promise.all(caps.map((c) => c.stop()));
      for (const [i, frames] of seen.entries()) {
        const lan = SITES[i];
        const counts = new Map<string, number>();
        for (const f of frames) {
          const m = /bh-relay ([abc]) (\d+)/.exec(f.toString('latin1'));
          if (m) counts.set(`${m[1]}${m[2]}`, (counts.get(`${m[1]}${m[2]}`) ?? 0) + 1);
        }
        for (const x of SITES) {
          for (let k = 0; k < BCAST_COUNT; k++) {
            assert.equal(counts.get(`${x}${k}`) ?? 0, 1, `LAN ${lan}: broadcast ${k} of site ${x} seen ${counts.get(`${x}${k}`) ?? 0} times`);
          }
        }
        assert.equal(frames.length, SITES.length * BCAST_COUNT, `LAN ${lan}: ${frames.length} frames`);
      }
    });

    t(`${layout}: known unicast A <-> B never reaches C's LAN (${layout === 'hub' ? 'relayed by C, counted' : 'direct, nothing relayed'})`, 60000, async () => {
      const c0 = await status('c');
      const cap = await capture('c', `unicast-${layout}`, 'icmp or arp');
      const r = await exec('ha', ['ping', '-n', '-c', '20', '-i', '0.05', '-w', '10', IP.b], 20000);
      assert.match(r.stdout, /20 packets transmitted, 20 received/, r.stdout);
      const atC = await cap.stop();
      assert.equal(atC.length, 0, `C's LAN saw ${atC.length} frames of A <-> B unicast`);
      const c1 = await status('c');
      const relayed = (c1.topology?.relayed ?? 0) - (c0.topology?.relayed ?? 0);
      const floods = (c1.topology?.relayFloods ?? 0) - (c0.topology?.relayFloods ?? 0);
      if (layout === 'hub') {
        assert.ok(relayed >= 40, `C relayed ${relayed} frames (20 requests + 20 replies)`);
        assert.ok(floods < 5, `C flooded ${floods} frames on`);
      } else {
        assert.equal(relayed + floods, 0, 'mesh: nothing relayed');
        assert.equal(c1.topology?.relayed, 0);
      }
    });
  });
}
