// The thin driver of EVPN integration (docs/INTERNALS.md section 10): reads the remote entries FRR's
// zebra installed for the VNI (neighbors on the bridge, the bridge's FDB: remote VTEPs, LAN ports) every
// pollMs, steps the pure core (src/control/evpn-neigh.ts) and feeds its actions into partial
// failover exactly as if the data plane had seen the host on this LAN:
//
//   'seen' -> failover.onEvent({type: 'neigh', how: 'arp'}) -> mobility local-seen -> shared with
//             the peer (its proxy ARP answers for the host); + the data-plane entry refreshed, so
//             it never ages out while BGP has the route
//   'gone' -> failover.onEvent({type: 'neigh-gone'}) -> mobility local-gone (unshare, neigh-del),
//             unless the bridge has the MAC on one of this VTEP's own LAN ports (the host moved
//             here: the data plane's learning owns it now, as for any host of this LAN)
//   'vtep' -> one info line (zebra/BGP handle the MAC mobility sequence numbers)
//   advertiseHosts: the data plane's hosts that are not behind another VTEP (the tenant site's,
//             this LAN's) written as NOARP neighbors (protocol 201) on the bridge, so zebra
//             advertises them as MAC+IP (src/control/evpn-export.ts); at most EXPORT_BUDGET
//             commands per poll (`ip -force -batch -`), removed again on stop
//
// One poll at a time (a slow one makes the next tick count `pollsSkipped`), each command bounded
// in time (2 s) and output (8 MiB); a failed poll keeps the state and is counted.

import { execFile, execFileSync } from 'node:child_process';
import * as core from '../control/evpn-neigh';
import { EVPN_EXPORT_PROTO, planExport, selectExportHosts } from '../control/evpn-export';
import type { EvpnConfig } from '../config/evpn-config';
import type { DataPlane, FailoverEvent } from '../dataplane/types';
import type { EvpnStatus } from '../ipc/evpn-status';
import type { FailoverLog } from './failover';

const CMD_TIMEOUT_MS = 2000;
const CMD_MAX_BYTES = 8 << 20;
const STATUS_HOSTS_MAX = 256;
const EXPORT_BUDGET = 256; // neighbor commands per poll

export type ReadCommand = (argv: string[]) => Promise<string>;
/** runs `ip -force -batch -` with these lines on stdin */
export type BatchCommand = (lines: string[]) => Promise<void>;

export interface EvpnDriverDeps {
  cfg: EvpnConfig;
  failover: { onEvent(ev: FailoverEvent, nowMs: number): void };
  dp: Pick<DataPlane, 'neighbors' | 'setNeighbor' | 'tapName'>;
  log: FailoverLog;
  /** runs a command, resolves with its stdout (default: execFile, bounded) */
  read?: ReadCommand;
  batch?: BatchCommand;
  now?: () => number;
  /** refresh interval of the data-plane entries (default 60 s, below the 300 s neighbor age) */
  refreshMs?: number;
}

export const execRead: ReadCommand = (argv) => new Promise((resolve, reject) => {
  execFile(argv[0], argv.slice(1), { timeout: CMD_TIMEOUT_MS, maxBuffer: CMD_MAX_BYTES, encoding: 'utf8' }, (err, stdout, stderr) => {
    if (err) reject(new Error(`${argv.join(' ')}: ${(stderr || err.message).trim().split('\n')[0]}`));
    else resolve(stdout);
  });
});

export const execBatch: BatchCommand = (lines) => new Promise((resolve, reject) => {
  const c = execFile('ip', ['-force', '-batch', '-'], { timeout: CMD_TIMEOUT_MS, maxBuffer: CMD_MAX_BYTES, encoding: 'utf8' }, (err, _o, stderr) => {
    if (err) reject(new Error(`ip -batch: ${(stderr || err.message).trim().split('\n')[0]}`));
    else resolve();
  });
  c.stdin?.end(`${lines.join('\n')}\n`);
});

export class EvpnDriver {
  private readonly state: core.EvpnNeighState;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private lastError: string | null = null;
  readonly counters = { polls: 0, pollErrors: 0, pollsSkipped: 0, fed: 0, withdrawnToFailover: 0, keptSeenOnLan: 0, dpRefreshed: 0,
    advertised: 0, unadvertised: 0, advertiseErrors: 0, advertiseDeferred: 0 };

  constructor(private readonly d: EvpnDriverDeps) {
    this.state = core.initialEvpnNeigh({ maxHosts: d.cfg.maxHosts, refreshMs: d.refreshMs ?? 60_000 });
  }

  private now(): number { return this.d.now?.() ?? Date.now(); }

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => { void this.poll(); }, this.d.cfg.pollMs);
    this.timer.unref?.();
  }

  /** Stops polling and removes the neighbor entries we wrote (their MAC+IP routes go with them). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.d.cfg.advertiseHosts || this.d.read) return; // (tests inject read/batch)
    const br = this.d.cfg.bridge;
    try {
      const text = execFileSync('ip', ['-j', 'neigh', 'show', 'dev', br, 'nud', 'all'], { timeout: CMD_TIMEOUT_MS, maxBuffer: CMD_MAX_BYTES, encoding: 'utf8' });
      const own = core.parseRemoteNeighbors(text, this.d.cfg.maxHosts).own;
      if (own.length === 0) return;
      execFileSync('ip', ['-force', '-batch', '-'], { input: `${own.map((h) => `neigh del ${h.ip} dev ${br}`).join('\n')}\n`,
        timeout: CMD_TIMEOUT_MS, stdio: ['pipe', 'ignore', 'ignore'] });
      this.counters.unadvertised += own.length;
    } catch { /* best effort at shutdown */ }
  }

  /** One poll: read both tables, step the core, apply. Never throws. */
  async poll(): Promise<void> {
    if (this.inFlight) { this.counters.pollsSkipped++; return; }
    this.inFlight = true;
    this.counters.polls++;
    const read = this.d.read ?? execRead;
    const { bridge, vxlanDevice, maxHosts } = this.d.cfg;
    try {
      const [neighText, fdbText] = await Promise.all([
        read(['ip', '-j', 'neigh', 'show', 'dev', bridge, 'nud', 'all']),
        read(['bridge', '-j', 'fdb', 'show', 'br', bridge]),
      ]);
      const n = core.parseRemoteNeighbors(neighText, maxHosts);
      const { vteps, lanMacs } = core.parseBridgeFdb(fdbText, 4 * maxHosts, { vxlan: vxlanDevice, tap: this.d.dp.tapName });
      if (this.lastError !== null) this.d.log.info({ vni: this.d.cfg.vni }, 'evpn: reading zebra\'s entries works again');
      this.lastError = null;
      const t = this.now();
      const { actions } = core.step(this.state, { kind: 'snapshot', hosts: n.hosts, vteps, lanMacs, invalid: n.invalid, truncated: n.truncated }, t);
      this.apply(actions, t);
      if (this.d.cfg.advertiseHosts) await this.advertise(n.own, vteps);
    } catch (e) {
      this.counters.pollErrors++;
      const msg = (e as Error).message.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
      if (msg !== this.lastError) this.d.log.warn({ vni: this.d.cfg.vni, err: msg }, 'evpn: cannot read zebra\'s entries (state kept)');
      this.lastError = msg;
    } finally {
      this.inFlight = false;
    }
  }

  private apply(actions: core.EvpnNeighAction[], t: number): void {
    let table: ReturnType<DataPlane['neighbors']> | null = null;
    const dpEntry = (ip: string) => {
      if (table === null) { try { table = this.d.dp.neighbors(); } catch { table = []; } }
      return table.find((e) => e.ip === ip);
    };
    for (const a of actions) {
      switch (a.kind) {
        case 'seen': {
          if (a.why !== 'refresh') this.d.log.info({ ip: a.ip, mac: a.mac, vtep: a.vtep, vni: this.d.cfg.vni, why: a.why }, 'evpn: host behind a remote VTEP');
          this.d.failover.onEvent({ type: 'neigh', ip: a.ip, mac: a.mac, how: 'arp', router: false,
            result: a.why === 'new' ? 'new' : a.why === 'mac-changed' ? 'mac_changed' : 'refreshed', seq: 0 }, t);
          this.counters.fed++;
          const e = dpEntry(a.ip);
          if (a.why === 'refresh' && e && e.peer === 0 && e.mac === a.mac && !e.frozen) {
            try {
              this.d.dp.setNeighbor(a.ip, { mac: e.mac, peer: 0, seq: e.seq, origin: e.origin, router: e.router });
              this.counters.dpRefreshed++;
            } catch { /* the entry changed meanwhile: the next refresh sees it */ }
          }
          break;
        }
        case 'gone': {
          if (a.onLan) {
            this.counters.keptSeenOnLan++;
            this.d.log.info({ ip: a.ip, mac: a.mac, vni: this.d.cfg.vni }, 'evpn: route withdrawn, the host is on this VTEP\'s LAN now: kept');
            break;
          }
          this.d.log.info({ ip: a.ip, mac: a.mac, vni: this.d.cfg.vni }, 'evpn: route withdrawn, host withdrawn');
          this.d.failover.onEvent({ type: 'neigh-gone', ip: a.ip }, t);
          this.counters.withdrawnToFailover++;
          break;
        }
        case 'vtep':
          this.d.log.info({ ip: a.ip, mac: a.mac, from: a.from, to: a.to, vni: this.d.cfg.vni }, 'evpn: host now behind another VTEP');
          break;
      }
    }
  }

  /** Brings our neighbor entries on the bridge in line with the data plane's hosts. */
  private async advertise(installed: core.RemoteHost[], vteps: Map<string, string>): Promise<void> {
    let table: ReturnType<DataPlane['neighbors']>;
    try { table = this.d.dp.neighbors(); } catch { return; }
    const evpnIps = new Set(core.evpnHosts(this.state).map((h) => h.ip));
    const remoteMacs = new Set(vteps.keys());
    const desired = selectExportHosts(table, evpnIps, remoteMacs, this.d.cfg.maxHosts);
    const plan = planExport(desired, installed, EXPORT_BUDGET);
    this.counters.advertiseDeferred += plan.deferred;
    if (plan.add.length + plan.del.length === 0) return;
    const br = this.d.cfg.bridge;
    const lines = [...plan.del.map((ip) => `neigh del ${ip} dev ${br}`),
      ...plan.add.map((h) => `neigh replace ${h.ip} lladdr ${h.mac} dev ${br} nud noarp protocol ${EVPN_EXPORT_PROTO}`)];
    try {
      await (this.d.batch ?? execBatch)(lines);
      this.counters.advertised += plan.add.length;
      this.counters.unadvertised += plan.del.length;
    } catch (e) {
      this.counters.advertiseErrors++;
      this.d.log.warn({ vni: this.d.cfg.vni, err: (e as Error).message.slice(0, 300) }, 'evpn: writing host entries for zebra failed');
    }
  }

  status(): EvpnStatus {
    const hosts = core.evpnHosts(this.state);
    return { enabled: true, vni: this.d.cfg.vni, bridge: this.d.cfg.bridge, vxlanDevice: this.d.cfg.vxlanDevice,
      hosts: hosts.slice(0, STATUS_HOSTS_MAX), hostCount: hosts.length,
      counters: { ...this.state.counters, ...this.counters }, lastError: this.lastError };
  }
}

/** `up`: EVPN when the config turns it on and partial failover runs; else one line why not. */
export function startEvpn(d: { cfg: EvpnConfig | undefined; failover: EvpnDriverDeps['failover'] | null;
  dp: EvpnDriverDeps['dp']; log: FailoverLog }): EvpnDriver | null {
  if (!d.cfg || !d.cfg.enabled) return null;
  if (!d.failover) {
    d.log.warn({}, 'evpn is enabled in the config but partial failover is not running; evpn stays off');
    return null;
  }
  const driver = new EvpnDriver({ cfg: d.cfg, failover: d.failover, dp: d.dp, log: d.log });
  driver.start();
  d.log.info({ vni: d.cfg.vni, bridge: d.cfg.bridge, vxlanDevice: d.cfg.vxlanDevice, pollMs: d.cfg.pollMs }, 'evpn on');
  return driver;
}
