// HA pair helpers for the namespace tests and scripts/bench-ha.ts: the standard topology
// (scripts/topology.sh, NAT on) extended with a second provider appliance PREFIX-pb, a provider
// LAN switch PREFIX-psw and a pair link:
//
//   PREFIX-p1 eth0 --- psw:sw (bridge) --- pa lan0 (in pa's br0)     pa wan0 198.18.3.2/24 -+
//                              +---------- pb lan0 (in pb's br0)     pb wan0 198.18.3.3/24 -+- wan:wbr 198.18.3.1/24
//   pa ha0 198.19.30.2/24 --- pb ha0 198.19.30.3/24 (replication)    VIP 198.18.3.10 (keepalived)
//
// Both members listen on the VIP (net.ipv4.ip_nonlocal_bind=1), so the active sends from it and the
// tenant's NAT keeps passing its flow. keepalived runs in each member's namespace with its own
// config and pid files, bounded by `timeout`. Everything lives under the suite's prefix: the
// topology's `down` deletes PREFIX-pb and PREFIX-psw with the rest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Appliance, PORT, patchConfig } from './bridgehead';
import { CLI, NODE, REPO } from './env';
import { Background, run, runOk, sleep, waitFor } from './proc';
import { attachToWanBridge } from './wan-bridge';
import { NetnsSuite } from './suite';
import { ADDR, MAC, NodeName } from './topology';
import type { HaStatus } from '../../../src/ipc/ha-status';

export const VIP = '198.18.3.10';
export const PB_WAN = '198.18.3.3';
export const HA_LINK = { pa: '198.19.30.2', pb: '198.19.30.3' } as const;
export const SECRET = Buffer.alloc(32, 0x5a).toString('base64');
const KEEPALIVED_MAX_S = 900;
export type Member = 'pa' | 'pb';

const sh = (argv: string[]) => runOk(argv, { timeoutMs: 10000 });

/** Adds pb, the LAN switch, the WAN bridge and the pair link to an `up` topology. */
export async function extendForHa(suite: NetnsSuite): Promise<void> {
  const P = suite.prefix;
  const n = (x: string) => `${P}-${x}`;
  for (const x of ['pb', 'psw']) {
    await sh(['ip', 'netns', 'add', n(x)]);
    await sh(['ip', '-n', n(x), 'link', 'set', 'lo', 'up']);
    await sh(['ip', 'netns', 'exec', n(x), 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }
  for (const m of ['pa', 'pb']) await sh(['ip', 'netns', 'exec', n(m), 'sysctl', '-qw', 'net.ipv4.ip_nonlocal_bind=1']);
  // WAN: pa0 and a new pb0 in one bridge of the wan router
  await attachToWanBridge(P, 'pb', PB_WAN);
  // LAN: p1 moves from pa's br0 to the switch; pa and pb each get a port on it
  await sh(['ip', '-n', n('pa'), 'link', 'del', 'p1']);
  await sh(['ip', '-n', n('psw'), 'link', 'add', 'sw', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
  await sh(['ip', '-n', n('psw'), 'link', 'set', 'sw', 'up']);
  await sh(['ip', '-n', n('psw'), 'link', 'add', 'p1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n('p1')]);
  await sh(['ip', '-n', n('p1'), 'link', 'set', 'eth0', 'address', MAC.p1]);
  await sh(['ip', '-n', n('p1'), 'addr', 'add', `${ADDR.p1}/24`, 'dev', 'eth0']);
  await sh(['ip', '-n', n('p1'), 'link', 'set', 'eth0', 'up']);
  await sh(['ip', '-n', n('pb'), 'link', 'add', 'br0', 'address', '02:00:00:00:0a:03', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
  await sh(['ip', '-n', n('pb'), 'link', 'set', 'br0', 'up']);
  for (const m of ['p1', 'pa', 'pb']) {
    if (m !== 'p1') {
      await sh(['ip', '-n', n('psw'), 'link', 'add', m, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', n(m)]);
      await sh(['ip', '-n', n(m), 'link', 'set', 'lan0', 'master', 'br0']);
      await sh(['ip', '-n', n(m), 'link', 'set', 'lan0', 'up']);
    }
    await sh(['ip', '-n', n('psw'), 'link', 'set', m, 'master', 'sw']);
    await sh(['ip', '-n', n('psw'), 'link', 'set', m, 'up']);
  }
  // the pair link (replication heartbeats and table)
  await sh(['ip', '-n', n('pa'), 'link', 'add', 'ha0', 'type', 'veth', 'peer', 'name', 'ha0', 'netns', n('pb')]);
  for (const m of ['pa', 'pb'] as const) {
    await sh(['ip', '-n', n(m), 'addr', 'add', `${HA_LINK[m]}/24`, 'dev', 'ha0']);
    await sh(['ip', '-n', n(m), 'link', 'set', 'ha0', 'up']);
  }
}

/** One member: its appliance (CLI, daemon) and its keepalived. */
export class HaMember {
  readonly app: Appliance;
  keepalived: Background | null = null;
  private kaStarts = 0;

  constructor(readonly suite: NetnsSuite, readonly node: Member) {
    this.app = new Appliance(suite, node as NodeName, `provider-${node}`);
  }

  get other(): Member { return this.node === 'pa' ? 'pb' : 'pa'; }
  get ns(): string { return `${this.suite.prefix}-${this.node}`; }

  async init(): Promise<void> {
    // the member's directory is named after it; the site identity is "provider" on both
    await this.app.cliOk(['init', '--config', this.app.dir, '--name', 'provider', '--listen', `${VIP}:${PORT}`, '--endpoint', `${VIP}:${PORT}`,
      '--tap', 'bh0', '--bridge', 'br0', '--site', 'provider']);
    patchConfig(this.app, (c) => {
      c.failover = { ...c.failover, learnPrefixes: ['198.19.10.0/24'] };
      c.ha = { member: this.node, listen: HA_LINK[this.node], peer: HA_LINK[this.other], secret: SECRET, vrrpId: 51,
        priority: 100, vrrpInterface: 'wan0', virtualAddress: `${VIP}/24`, advertIntervalMs: 500 };
    });
  }

  /** keepalived.conf from `ha keepalived-conf`, then keepalived in this namespace (foreground, bounded). */
  async startKeepalived(): Promise<void> {
    const conf = path.join(this.app.dir, 'keepalived.conf');
    await this.app.cliOk(['ha', 'keepalived-conf', '--config', this.app.dir, '--notify', `${NODE} ${path.join(path.dirname(CLI), 'ha-notify-main.js')}`,
      '--check', path.join(REPO, 'appliance', 'bridgehead-ha-check.sh'), '--no-script-security', '-o', conf]);
    const pid = (x: string) => path.join(this.app.dir, `keepalived-${x}.pid`);
    this.kaStarts++;
    const log = this.suite.logFile(`${this.node}-keepalived.log`);
    fs.appendFileSync(log, `==== start #${this.kaStarts} ====\n`);
    this.keepalived = this.suite.track(this.suite.topo.spawn(this.node as NodeName, `${this.node}-keepalived`,
      ['timeout', '-s', 'KILL', String(KEEPALIVED_MAX_S), 'keepalived', '-n', '-l', '-D', '-P', '-f', conf,
        '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers')], log));
  }

  async start(): Promise<void> {
    this.app.start();
    await this.app.waitReady();
    await this.startKeepalived();
  }

  async ha(): Promise<HaStatus> {
    const r = await this.app.cliOk(['ha', 'status', '--config', this.app.dir, '--json'], 10000);
    return JSON.parse(r.stdout) as HaStatus;
  }

  async waitRole(active: boolean, timeoutMs = 20000): Promise<HaStatus> {
    return waitFor(`${this.node} ${active ? 'active' : 'standby (keepalived BACKUP)'}`, timeoutMs, async () => {
      const h = await this.ha();
      return (active ? h.active : !h.active && h.role === 'backup') ? h : null;
    });
  }

  /** The VM dies: its links go down and every process of the namespace gets SIGKILL. Links first:
   *  keepalived's VRRP child may see its parent die before its own SIGKILL and send a priority-0
   *  advert on the way out, which a dead VM never does (the takeover would look faster). */
  async kill(): Promise<number> {
    const t0 = Date.now();
    await Promise.all(['wan0', 'lan0', 'ha0'].map((dev) => run(['ip', '-n', this.ns, 'link', 'set', dev, 'down'], { timeoutMs: 5000 })));
    const r = await run(['ip', 'netns', 'pids', this.ns], { timeoutMs: 5000 });
    for (const p of r.stdout.split('\n').map((s) => Number(s.trim())).filter((x) => x > 1)) {
      try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    }
    await this.app.daemon?.waitExit(5000);
    await this.keepalived?.waitExit(5000);
    return t0;
  }

  /** Boot again: the VIP keepalived left on wan0 is gone (a reboot), links up, daemon and keepalived. */
  async revive(): Promise<void> {
    await run(['ip', '-n', this.ns, 'addr', 'del', `${VIP}/24`, 'dev', 'wan0'], { timeoutMs: 5000 });
    for (const dev of ['wan0', 'lan0', 'ha0']) await sh(['ip', '-n', this.ns, 'link', 'set', dev, 'up']);
    await run(['ip', '-n', this.ns, 'route', 'replace', 'default', 'via', '198.18.3.1', 'dev', 'wan0'], { timeoutMs: 5000 });
    await this.start();
  }

  /** The TAP's place: in br0 and up, or neither. */
  async tapState(): Promise<{ inBridge: boolean; up: boolean } | null> {
    const l = await this.suite.topo.link(this.node as NodeName, 'bh0');
    if (!l) return null;
    return { inBridge: l.master === 'br0', up: l.flags.includes('UP') };
  }
}

export interface HaSites { pa: HaMember; pb: HaMember; tenant: Appliance }

/** pa active (keepalived MASTER), the tenant paired through the VIP, pb standby with the identity. */
export async function pairHaSites(suite: NetnsSuite): Promise<HaSites> {
  await extendForHa(suite);
  const pa = new HaMember(suite, 'pa');
  const pb = new HaMember(suite, 'pb');
  const tenant = new Appliance(suite, 'ta', 'tenant');
  await pa.init();
  await pb.init();
  await tenant.init(['--listen', `0.0.0.0:${PORT}`, '--tap', 'bh0', '--bridge', 'br0', '--site', 'tenant']);
  patchConfig(tenant, (c) => { c.failover = { ...c.failover, learnPrefixes: ['198.19.10.0/24'] }; });
  await pa.start();
  await pa.waitRole(true);
  const token = await pa.app.invite();
  await tenant.join(token);
  tenant.start();
  await tenant.waitReady();
  await suite.topo.waitForPing('t1', ADDR.p1, 30000);
  const bundle = path.join(suite.work, 'identity.bundle');
  await pa.app.cliOk(['ha', 'export', '--config', pa.app.dir, '-o', bundle]);
  await pb.app.cliOk(['ha', 'import', '--config', pb.app.dir, bundle]);
  await pb.start();
  await pb.waitRole(false);
  return { pa, pb, tenant };
}

export interface GapResult { sent: number; received: number; dups: number; maxGapMs: number; raw: string }

/** ping -i 0.01 output -> replies, duplicates, and the longest run of missing sequence numbers in ms. */
export function pingGap(out: string, intervalMs = 10): GapResult {
  const seqs: number[] = [];
  let dups = 0;
  for (const l of out.split('\n')) {
    const m = /icmp_seq=(\d+)/.exec(l);
    if (!m || !/bytes from/.test(l)) continue;
    if (/DUP!/.test(l)) { dups++; continue; }
    seqs.push(Number(m[1]));
  }
  const st = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(out);
  const sent = st ? Number(st[1]) : 0;
  seqs.sort((a, b) => a - b);
  let maxGap = 0;
  let prev = 0;
  for (const s of [...seqs, sent + 1]) { maxGap = Math.max(maxGap, s - prev - 1); prev = s; }
  return { sent, received: seqs.length, dups, maxGapMs: maxGap * intervalMs, raw: out };
}

export async function settle(ms: number): Promise<void> { await sleep(ms); }
