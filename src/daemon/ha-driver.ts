// The HA member driver (docs/INTERNALS.md 11): carries out the pure machine of src/control/ha.ts.
//
//   keepalived notify -> control socket `ha-notify` ─┐
//   LAN UDP (heartbeats, table chunks; MAC + replay) ─┼─> step() ─> restore (mobility table, peer
//   operator `ha-handover`, 100 ms tick ─────────────┘            endpoints), activate (TAP into the
//                                                                 bridge, handshakes, announcements),
//                                                                 deactivate (TAP out and down, keys
//                                                                 wiped), heartbeats, table, health
//   health file <configDir>/ha-health ("ok" / "stepped-down"), rewritten every 500 ms: the
//   keepalived track script (appliance/bridgehead-ha-check.sh) fails when it is stale (daemon dead)
//   or says stepped-down.
//
// Link changes run one at a time in order (a deactivation queued behind an activation runs after it).

import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { isIPv6 } from 'node:net';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { HaConfig } from '../config/ha-config';
import { parseListen, parseHostPort, formatHostPort } from '../config/validate';
import { initialHa, step, type HaAction, type HaEvent, type HaState, type Snapshot } from '../control/ha';
import { chunkHosts, decodeHa, encodeHa, HA_MAX_CHUNKS, type ReplayState, type ReplicatedHost, type TableChunk } from '../control/ha-messages';
import type { DataPlane } from '../dataplane/types';
import type { HaStatus } from '../ipc/ha-status';
import type { FailoverDriver } from './failover';
import { fromReplicated, shareEntryOf, toReplicated } from './ha-table';
import type { PeerRegistry } from './peer-registry';
import type { DropCounters } from './drop-counters';
import { attachToBridge, detachFromBridge } from './ha-link';

export const HA_TICK_MS = 100;
const HEALTH_WRITE_MS = 500;
const VERSION_CHECK_MS = 500;
const NO_VERDICT_WARN_MS = 30_000;
/** Announcement rounds after a takeover (ms after activation): gratuitous ARP / unsolicited NA. */
export const ANNOUNCE_AT_MS = [0, 100, 300];

export interface HaLog {
  error(o: object, msg: string): void; warn(o: object, msg: string): void; info(o: object, msg: string): void; debug(o: object, msg: string): void;
}

export interface HaDriverDeps {
  cfg: HaConfig;
  configDir: string;
  tap: string;
  bridge: string | null;
  dp: Pick<DataPlane, 'neighbors' | 'announce' | 'setEndpoint'> & Partial<Pick<DataPlane, 'expireKeypairs'>>;
  registry: PeerRegistry;
  failover: FailoverDriver | null;
  drops: DropCounters;
  log: HaLog;
  now: () => number;
  /** the daemon starts a fresh handshake with every peer that has an endpoint */
  onActivate: () => void;
  /** the daemon forgets the session keys (nothing more is sent on the WAN) */
  onDeactivate: () => void;
  /** link operations; tests replace them */
  link?: { attach(tap: string, bridge: string | null): Promise<void>; detach(tap: string): Promise<void> };
}

export class HaDriver {
  private readonly s: HaState;
  private readonly key: Uint8Array;
  private readonly peerAddr: { address: string; port: number };
  private socket: dgram.Socket | null = null;
  private readonly epoch = BigInt(Date.now());
  private counter = 0n;
  private seen: ReplayState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private linkChain: Promise<void> = Promise.resolve();
  private lastHealthWriteMs = -Infinity;
  private lastStepdown = '';
  private readonly startedMs = Date.now();
  private warnedNoVerdict = false;
  private lastVersionCheckMs = -Infinity;
  private tableHash = '';
  private version = 0;
  private readonly announceTimers = new Set<NodeJS.Timeout>();
  readonly counters = { rxBadMac: 0, rxReplay: 0, rxMalformed: 0, rxForeignSource: 0, rxShort: 0, sendFailed: 0,
    linkFailed: 0, announcements: 0, restoredHosts: 0, restoredEndpoints: 0 };

  constructor(private readonly d: HaDriverDeps) {
    this.key = new Uint8Array(Buffer.from(d.cfg.secret, 'base64'));
    this.peerAddr = parseListen(d.cfg.peer);
    this.s = initialHa({ member: d.cfg.member, priority: d.cfg.priority });
  }

  /** Standby from the first moment: the TAP stays out of the bridge and down until MASTER. */
  async start(): Promise<void> {
    await this.link().detach(this.d.tap).catch(() => undefined); // a fresh TAP is neither: nothing to undo
    const l = parseListen(this.d.cfg.listen);
    const sock = dgram.createSocket({ type: isIPv6(l.address) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', (e) => reject(new Error(`cannot listen for the HA pair on ${this.d.cfg.listen}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
      sock.bind(l.port, l.address, () => resolve());
    });
    sock.on('error', (e) => this.d.log.warn({ err: e.message }, 'ha: replication socket error'));
    sock.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    this.socket = sock;
    this.writeHealth(this.d.now(), true);
    this.timer = setInterval(() => this.feed({ kind: 'tick' }), HA_TICK_MS);
    this.feed({ kind: 'tick' });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.announceTimers) clearTimeout(t);
    this.announceTimers.clear();
    this.socket?.close();
    this.socket = null;
    try { fs.rmSync(this.healthPath()); } catch { /* gone already */ }
    // a stopped daemon hands MASTER over at once instead of at the track script's next run
    this.writeSmall(path.join(this.d.configDir, 'ha-stepdown'), '1\n');
  }

  /** True while this member may send on the WAN and bridge (active). */
  get active(): boolean { return this.s.active; }

  notify(state: string): { role: string; active: boolean } {
    if (state !== 'MASTER' && state !== 'BACKUP' && state !== 'FAULT') throw new Error(`state must be MASTER, BACKUP or FAULT: ${JSON.stringify(state)}`);
    this.feed({ kind: 'notify', state });
    return { role: this.s.role, active: this.s.active };
  }

  handover(): { handedOver: boolean } {
    if (!this.s.active) throw new Error('this member is not active: nothing to hand over');
    this.feed({ kind: 'handover' });
    return { handedOver: true };
  }

  /** Resolves when queued link changes are done (tests, handover replies). */
  settled(): Promise<void> { return this.linkChain; }

  private link(): NonNullable<HaDriverDeps['link']> {
    return this.d.link ?? { attach: (t, b) => attachToBridge(t, b), detach: (t) => detachFromBridge(t) };
  }

  private healthPath(): string { return path.join(this.d.configDir, 'ha-health'); }

  private writeHealth(now: number, force = false): void {
    if (!force && now - this.lastHealthWriteMs < HEALTH_WRITE_MS) return;
    this.lastHealthWriteMs = now;
    this.writeSmall(this.healthPath(), this.s.healthOk ? 'ok\n' : `stepped-down ${this.s.stepDownReason ?? ''}\n`);
    // keepalived's track_file (inotify): only rewritten when it changes
    const stepdown = this.s.healthOk ? '0\n' : '1\n';
    if (stepdown !== this.lastStepdown) {
      this.lastStepdown = stepdown;
      this.writeSmall(path.join(this.d.configDir, 'ha-stepdown'), stepdown);
    }
  }

  private writeSmall(file: string, text: string): void {
    try {
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, text, { mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch (e) {
      this.d.log.warn({ err: (e as Error).message, file }, 'ha: cannot write the health file');
    }
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (rinfo.address !== this.peerAddr.address) { this.counters.rxForeignSource++; this.d.drops.add('ha_foreign_source'); return; }
    const r = decodeHa(msg, this.key, this.seen);
    if (!r.ok) {
      const c = { short: 'rxShort', bad_magic: 'rxMalformed', bad_mac: 'rxBadMac', replay: 'rxReplay', malformed: 'rxMalformed' }[r.reason] as keyof HaDriver['counters'];
      this.counters[c]++;
      this.d.drops.add(`ha_${r.reason}`);
      return;
    }
    this.seen = { epoch: r.epoch, counter: r.counter };
    this.feed(r.msg.t === 'hb' ? { kind: 'heartbeat', hb: r.msg } : { kind: 'chunk', chunk: r.msg });
  }

  private feed(ev: HaEvent): void {
    const now = this.d.now();
    if (this.s.role === 'init' && !this.warnedNoVerdict && now - this.startedMs > NO_VERDICT_WARN_MS) {
      this.warnedNoVerdict = true; // standby until keepalived speaks: say so once
      this.d.log.warn({ afterMs: now - this.startedMs }, 'ha: no keepalived notify yet: this member stays standby (is keepalived running with the generated config?)');
    }
    if (ev.kind === 'tick' && this.s.active && now - this.lastVersionCheckMs >= VERSION_CHECK_MS) {
      this.lastVersionCheckMs = now;
      this.checkVersion();
      if (this.s.localVersion !== this.version) step(this.s, { kind: 'local-version', version: this.version }, now).actions.forEach((a) => this.run(a, now));
    }
    for (const a of step(this.s, ev, now).actions) this.run(a, now);
    this.writeHealth(now);
  }

  private run(a: HaAction, now: number): void {
    switch (a.kind) {
      case 'send-heartbeat': this.send(a.hb); break;
      case 'send-table': this.sendTable(a.version); break;
      case 'restore': this.restore(a.snapshot, now); break;
      case 'activate': this.queueLink('activate', async () => {
        await this.link().attach(this.d.tap, this.d.bridge);
        this.d.onActivate();
        this.announce();
      }); break;
      case 'deactivate':
        for (const t of this.announceTimers) clearTimeout(t);
        this.announceTimers.clear();
        this.d.onDeactivate(); // stop sending on the WAN at once; the TAP leaves right after
        this.queueLink('deactivate', () => this.link().detach(this.d.tap));
        break;
      case 'health': this.writeHealth(now, true); break;
      case 'log': this.d.log[a.level](a.fields, a.msg); break;
    }
  }

  private queueLink(what: string, fn: () => Promise<void>): void {
    this.linkChain = this.linkChain.then(fn).catch((e: Error) => {
      this.counters.linkFailed++;
      this.d.log.error({ err: e.message, what }, 'ha: link change failed');
    });
  }

  private send(m: Parameters<typeof encodeHa>[0]): void {
    if (!this.socket) return;
    this.counter++;
    const buf = encodeHa(m, this.key, this.epoch, this.counter);
    this.socket.send(buf, this.peerAddr.port, this.peerAddr.address, (e) => { if (e) this.counters.sendFailed++; });
  }

  /** The table we would send, hashed: a change bumps the version (the machine then sends it). */
  private collect(): Array<{ key: string; ep: string | null; hosts: ReplicatedHost[] }> {
    const byId = new Map<number, ReplicatedHost[]>();
    for (const { peerId, hosts } of this.d.failover?.haRecords() ?? []) byId.set(peerId, [...hosts].map(toReplicated).filter((h): h is NonNullable<typeof h> => h !== null));
    return this.d.registry.all().filter((p) => !p.provisional).map((p) => ({
      key: p.publicKeyB64, ep: p.endpoint ? formatHostPort(p.endpoint.address, p.endpoint.port) : null, hosts: byId.get(p.id) ?? [] }));
  }

  private checkVersion(): void {
    const h = createHash('sha256').update(JSON.stringify(this.collect())).digest('hex');
    if (h !== this.tableHash) { this.tableHash = h; this.version = (this.version + 1) >>> 0; }
  }

  private sendTable(version: number): void {
    const chunks: TableChunk[] = [];
    for (const p of this.collect()) chunks.push(...chunkHosts(version, p.key, p.ep, p.hosts));
    if (chunks.length > HA_MAX_CHUNKS) {
      this.d.log.warn({ chunks: chunks.length, max: HA_MAX_CHUNKS }, 'ha: table too large to replicate whole; the tail is not sent');
      chunks.length = HA_MAX_CHUNKS;
    }
    chunks.forEach((c, i) => { c.i = i; c.n = chunks.length; this.send(c); });
  }

  /** Takeover: the active's table becomes ours before the TAP joins the bridge. */
  private restore(snap: Snapshot, now: number): void {
    for (const t of snap.peers) {
      const peer = this.d.registry.all().find((p) => p.publicKeyB64 === t.key && !p.provisional);
      if (!peer) continue;
      if (t.endpoint && !peer.configuredEndpoint) {
        try {
          const hp = parseHostPort(t.endpoint);
          const ep = { address: hp.host, port: hp.port };
          if (!peer.endpoint || peer.endpoint.address !== ep.address || peer.endpoint.port !== ep.port) {
            this.d.registry.moveEndpoint(peer, ep);
            this.d.dp.setEndpoint(peer.id, ep);
            this.counters.restoredEndpoints++;
          }
        } catch { /* a malformed endpoint was refused by the codec already */ }
      }
      if (this.d.failover) {
        const cp = this.d.failover.conflictPolicy;
        this.counters.restoredHosts += this.d.failover.haAdopt(peer.id, t.hosts.map((h) => fromReplicated(h, cp, now)), shareEntryOf, now);
      }
    }
  }

  /** The hosts this member proxies (at another site) are announced on the LAN so switches and
   *  hosts point them at this member's port at once: ANNOUNCE_AT_MS rounds, then nothing. */
  private announce(): void {
    let list: ReturnType<DataPlane['neighbors']>;
    try { list = this.d.dp.neighbors(); } catch { return; }
    const remote = list.filter((n) => n.peer !== 0 && !n.frozen);
    if (remote.length === 0) return;
    for (const at of ANNOUNCE_AT_MS) {
      const t = setTimeout(() => {
        this.announceTimers.delete(t);
        if (!this.s.active) return;
        for (const n of remote) if (this.d.dp.announce(n.ip, n.mac, n.router)) this.counters.announcements++;
      }, at);
      this.announceTimers.add(t);
    }
  }

  status(): HaStatus {
    const now = this.d.now();
    const s = this.s;
    const o = s.other;
    const restored = s.snapshot ? s.snapshot.peers.reduce((n, p) => n + p.hosts.length, 0) : 0;
    return {
      enabled: true, member: s.cfg.member, role: s.role, active: s.active, waitingForOther: s.pendingActivation,
      steppedDown: now < s.steppedDownUntilMs ? { reason: s.stepDownReason ?? 'split', remainingMs: s.steppedDownUntilMs - now } : null,
      priority: s.cfg.priority,
      peerMember: o ? { member: o.member, address: this.d.cfg.peer, role: o.role, active: o.active, lastHeardAgeMs: now - o.lastHeardMs,
        alive: now - o.lastHeardMs < s.cfg.peerDeadMs } : null,
      lastTakeover: s.lastTakeover ? { atMs: s.lastTakeover.atMs, ageMs: now - s.lastTakeover.atMs, reason: s.lastTakeover.reason,
        restoredHosts: s.lastTakeover.restoredHosts } : null,
      lastTransition: s.lastTransition ? { ageMs: now - s.lastTransition.atMs, role: s.lastTransition.role,
        active: s.lastTransition.active, reason: s.lastTransition.reason } : null,
      table: s.active ? { version: this.version, hosts: this.collect().reduce((n, p) => n + p.hosts.length, 0), ageMs: null }
        : { version: s.snapshot?.version ?? 0, hosts: restored, ageMs: s.snapshot ? now - s.snapshot.receivedMs : null },
      counters: { ...s.counters, ...this.counters },
    };
  }
}
