// Partial failover in the daemon: the glue between the data plane's neighbor table, the pure
// state machines (src/control/neighbor-sync.ts, mobility.ts) and the peer (docs/INTERNALS.md 5.4).
//
//   data plane 'neigh' / 'neigh-gone'  -> mobility local-seen / local-gone
//   data plane 'probe-answer'          -> the probe waiters (failover --check)
//   session up/down (250 ms tick)      -> sync session-up (random epoch) / session-down; fo-site out
//   'nb-*' from the peer               -> sync -> remote-upsert / remote-withdraw -> mobility
//   'fo-probe' / 'fo-probe-res' / 'fo-site' from the peer -> probe on our LAN / waiters / the peer's
//     site name and role (mobility setSite)
//   mobility 'verify' (a host on record at another site seen here) -> fo-probe to that site's peer (the same probe
//     as failover --check; one retry when no result comes back) -> mobility verify-result
//   mobility 'conflict' seen here -> one pino error line + fo-conflict to the peer -> its mobility
//     peer-conflict (both appliances show it)
//   operator (control socket)          -> failover / failback / resolve (+ probes) -> mobility
//   mobility actions -> dp.setNeighbor / deleteNeighbor / announce / setQuarantine, sync share /
//     unshare, pino lines, the recent-events ring and the conflicts of `status`
//   sync actions     -> dp.sendControl (encodePeerMessage)
// One mobility state for the appliance (the records of every site, named: failover.siteName, else
// the role) and one neighbor sync per peer: this site's hosts are shared with every peer, a
// handover with its target site only; an update from a peer is attributed to the site it named
// in fo-site (before that: the other role, the two-site alias, when this site is named by its role;
// otherwise held back, unacknowledged, until its fo-site arrives).

import { randomInt } from 'node:crypto';
import { encodePeerMessage } from '../control/peer-channel-messages';
import type { FailoverMessage } from '../control/failover-messages';
import * as mob from '../control/mobility';
import { NB_RESOLVED, type NeighborEntry, type NeighborMessage } from '../control/neighbor-messages';
import * as nsync from '../control/neighbor-sync';
import type { FailoverConfig } from '../config/failover-config';
import { dataPlaneFailoverOptions, siteNameOf } from '../config/failover-config';
import type { DataPlane, DataPlaneStats, FailoverEvent, FailoverStats } from '../dataplane/types';
import type { FailoverStatus, OpItem, OpResult, ProbeOutcome, RecentEvent } from '../ipc/failover-replies';
import { ProbeWaiters } from './failover-probes';

export type FailoverDp = Pick<DataPlane, 'sendControl' | 'setFailoverOptions' | 'setNeighbor' | 'deleteNeighbor' |
  'neighbors' | 'setQuarantine' | 'announce' | 'probe' | 'failoverStats'>;

export interface FailoverLog {
  error(o: object, msg: string): void;
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  debug(o: object, msg: string): void;
}

export interface FailoverDriverDeps {
  dp: FailoverDp;
  cfg: FailoverConfig;
  log: FailoverLog;
  /** peers that take part (not provisional enrollments) */
  eligible?: (peerId: number) => boolean;
  peerName?: (peerId: number) => string;
  randomEpoch?: () => number;
  probes?: ProbeWaiters;
  /** the hub of a hub layout (config topology 'hub'): passes records of other sites on (mobility relay) */
  relay?: boolean;
}

interface PeerState {
  id: number;
  sync: nsync.NeighborSyncState;
  up: boolean;
  peerSite: mob.Site | null; // its site name (fo-site n, else s)
  peerRole: mob.Role | null;
  siteSentMs: number; // when we last sent fo-site (a restarted peer gets ours in reply, at most every 10 s)
}

const RECENT_MAX = 32;
const MAX_REMOTE_PROBES = 4; // probes we run on behalf of the peer at once
const SITE_REPLY_HOLDOFF_MS = 10_000;
const SITE_ASK_HOLDOFF_MS = 1_000; // fo-site again while a peer's updates wait for its site name
const RESOLVED_ANNOUNCED_MAX = 4096;

/** True when the loaded addon implements the failover contract (engineer A's data plane). */
export function dataPlaneSupportsFailover(dp: object): boolean {
  const d = dp as Record<string, unknown>;
  return ['setFailoverOptions', 'setNeighbor', 'deleteNeighbor', 'neighbors', 'setQuarantine', 'announce', 'probe',
    'failoverStats'].every((m) => typeof d[m] === 'function');
}

export class FailoverDriver {
  private readonly peers = new Map<number, PeerState>();
  private readonly mob: mob.MobilityState;
  private readonly siteName: mob.Site;
  private readonly quarantined = new Map<string, Set<string>>(); // mac -> ips held by conflicts
  private readonly recent: RecentEvent[] = [];
  private readonly resolvedAnnounced = new Map<string, number>(); // ip -> seq announced after a resolve
  private readonly probes: ProbeWaiters;
  private remoteProbesRunning = 0;
  readonly counters = { controlSendFailed: 0, probeResultsUnmatched: 0, remoteProbesRefused: 0, quarantineFailed: 0,
    setNeighborFailed: 0, remoteProbes: 0, wakeProbes: 0,
    quarantinesLeftToPeer: 0, resolveAnnouncements: 0, verifyProbes: 0, verifyRetries: 0, conflictsFromPeer: 0,
    neighborReplaced: 0, syncWaitingSite: 0, siteNameClash: 0, noPeerForSite: 0, probesPassedOn: 0, conflictsPassedOn: 0 };
  private cfg: FailoverConfig;

  constructor(private readonly d: FailoverDriverDeps) {
    this.cfg = d.cfg;
    this.probes = d.probes ?? new ProbeWaiters();
    this.siteName = siteNameOf(d.cfg);
    this.mob = mob.initialMobility({ localSite: this.siteName, policy: d.cfg.conflictPolicy, flapMoves: d.cfg.flapMoves,
      flapWindowMs: d.cfg.flapWindowS * 1000, relay: d.relay === true }, d.cfg.site);
    d.dp.setFailoverOptions(dataPlaneFailoverOptions(d.cfg));
    this.replayLocal(Date.now());
  }

  /** This appliance's site name (two sites: its role). */
  get site(): mob.Site { return this.siteName; }
  get role(): mob.Role { return this.cfg.site; }
  get conflictPolicy(): mob.ConflictPolicy { return this.cfg.conflictPolicy; }

  /** Reload: new data-plane options and policy; the site needs a restart (kept, logged). */
  reconfigure(cfg: FailoverConfig): void {
    if (cfg.site !== this.cfg.site || siteNameOf(cfg) !== this.siteName) {
      this.d.log.warn({ site: this.siteName, configured: siteNameOf(cfg) }, 'failover site changed in the config; restart the daemon to apply it');
    }
    this.cfg = { ...cfg, site: this.cfg.site, ...(this.cfg.siteName !== undefined ? { siteName: this.cfg.siteName } : {}) };
    if (this.cfg.siteName === undefined) delete this.cfg.siteName;
    this.d.dp.setFailoverOptions(dataPlaneFailoverOptions(this.cfg));
    this.mob.cfg.policy = cfg.conflictPolicy;
    this.mob.cfg.flapMoves = cfg.flapMoves;
    this.mob.cfg.flapWindowMs = cfg.flapWindowS * 1000;
  }

  /** Reload of the topology: a hub starts passing the records of the other sites on (each peer
   *  gets those not of its own site), a former hub withdraws what it passed on. */
  setRelay(on: boolean, nowMs: number): void {
    if ((this.mob.cfg.relay === true) === on) return;
    this.mob.cfg.relay = on;
    for (const p of this.peers.values()) {
      const site = this.siteOfPeer(p);
      if (site === null) continue;
      if (on) for (const e of mob.relayedEntries(this.mob, site)) this.syncStep(p, { kind: 'local-upsert', entry: e }, nowMs);
      else for (const r of this.mob.hosts.values()) if (r.site !== this.siteName && !r.handover) this.syncStep(p, { kind: 'local-withdraw', ip: r.ip }, nowMs);
    }
  }

  /** The site a peer serves: the name its fo-site gave; before that, with a single peer and this
   *  site named by its role, the other role (the two-site alias: an older peer, or its fo-site
   *  still on the way); else unknown (null: its updates wait). */
  private siteOfPeer(p: PeerState): mob.Site | null {
    if (p.peerSite !== null) return p.peerSite;
    if (this.peers.size !== 1) return null;
    return this.siteName === 'tenant' || this.siteName === 'provider' ? mob.otherSite(this.siteName) : null;
  }

  /** The peer serving a site (null: none paired and known). */
  private peerOfSite(site: mob.Site): PeerState | null {
    for (const p of this.peers.values()) if (this.siteOfPeer(p) === site) return p;
    return null;
  }

  /** For `neighbors` / `fdb`: the site of a data-plane peer id. */
  siteOfPeerId(id: number): mob.Site | null {
    const p = this.peers.get(id);
    return p ? this.siteOfPeer(p) : null;
  }

  private name(id: number): string { return this.d.peerName?.(id) ?? `peer ${id}`; }

  private peer(id: number): PeerState | undefined {
    let p = this.peers.get(id);
    if (p) return p;
    if (this.d.eligible && !this.d.eligible(id)) return undefined;
    p = { id, sync: nsync.initialNeighborSync(), up: false, peerSite: null, peerRole: null, siteSentMs: -Infinity };
    this.peers.set(id, p);
    // this site's hosts, shared with the new peer from its first full sync on
    for (const e of mob.localEntries(this.mob)) nsync.step(p.sync, { kind: 'local-upsert', entry: e }, Date.now());
    return p;
  }

  /** Hosts the data plane learned on this LAN before the driver started: fed to mobility as
   *  sightings (a no-op for hosts it knows). */
  private replayLocal(nowMs: number): void {
    let list: ReturnType<FailoverDp['neighbors']>;
    try { list = this.d.dp.neighbors(); } catch { return; }
    for (const n of list) {
      if (n.peer !== 0 || n.frozen) continue;
      const how = n.origin === 'nd' ? 'nd' : n.origin === 'traffic' ? 'traffic' : n.origin === 'arp' ? 'arp' : null;
      if (how) this.mobStep({ kind: 'local-seen', ip: n.ip, mac: n.mac, how, router: n.router }, nowMs);
    }
  }

  // ------------------------------------------------------------------ inputs

  /** The session tick (250 ms): session edges, sync resends; peers that disappeared are dropped. */
  tick(stats: Pick<DataPlaneStats, 'peers'>, nowMs: number): void {
    const seen = new Set<number>();
    for (const ps of stats.peers) {
      const p = this.peer(ps.id);
      if (!p) continue;
      seen.add(ps.id);
      const up = ps.currentKey !== null && ps.endpoint !== null;
      if (up && !p.up) {
        p.up = true;
        this.sendSite(p, nowMs);
        this.syncStep(p, { kind: 'session-up', epoch: this.d.randomEpoch?.() ?? randomInt(1, 0x100000000) }, nowMs);
        this.d.log.info({ peer: this.name(p.id) }, 'neighbor sync started');
      } else if (!up && p.up) {
        p.up = false;
        this.syncStep(p, { kind: 'session-down' }, nowMs);
      }
      this.syncStep(p, { kind: 'tick' }, nowMs);
    }
    for (const [id, p] of [...this.peers]) if (!seen.has(id)) this.forgetPeer(p);
  }

  onEvent(ev: FailoverEvent, nowMs: number): void {
    switch (ev.type) {
      case 'neigh':
        if (ev.result === 'full' || ev.result === 'ignored' || ev.result === 'stale') return;
        this.mobStep({ kind: 'local-seen', ip: ev.ip, mac: ev.mac, how: ev.how, router: ev.router }, nowMs);
        break;
      case 'neigh-gone':
        this.mobStep({ kind: 'local-gone', ip: ev.ip }, nowMs);
        break;
      case 'probe-answer':
        this.probes.answer(ev.ip, ev.mac);
        break;
    }
  }

  /** A decoded nb-* / fo-* message from a peer's authenticated peer channel. */
  onPeerMessage(peerId: number, msg: NeighborMessage | FailoverMessage, nowMs: number): void {
    const p = this.peer(peerId);
    if (!p) return;
    switch (msg.t) {
      case 'fo-site':
        if (nowMs - p.siteSentMs >= SITE_REPLY_HOLDOFF_MS) this.sendSite(p, nowMs);
        this.peerSiteIs(p, msg.n ?? msg.s, msg.s, nowMs);
        break;
      case 'fo-probe':
        void this.probeForPeer(p, msg.id, msg.ip, msg.n);
        break;
      case 'fo-probe-res':
        if (!this.probes.remoteResult(msg.id, msg.ip, msg.a === 1, msg.m)) this.counters.probeResultsUnmatched++;
        break;
      case 'fo-conflict': {
        this.counters.conflictsFromPeer++;
        const from = msg.n ?? this.siteOfPeer(p);
        if (from === null || from === this.siteName) break;
        const onRecord = this.mob.hosts.get(msg.ip)?.site;
        this.mobStep({ kind: 'peer-conflict', ip: msg.ip, mac: msg.m, reason: msg.r, seq: msg.s, from }, nowMs);
        // a hub passes it on to the site the host is on record at, naming the site of the second copy
        const target = this.mob.cfg.relay && onRecord !== undefined && onRecord !== this.siteName && onRecord !== from
          ? this.peerOfSite(onRecord) : null;
        if (target && target !== p) { this.counters.conflictsPassedOn++; this.send(target, { ...msg, n: from }); }
        break;
      }
      default:
        if (msg.t === 'nb-up' && this.siteOfPeer(p) === null) {
          // whose records these are is not known yet: not acknowledged (the peer resends them)
          this.counters.syncWaitingSite++;
          if (nowMs - p.siteSentMs >= SITE_ASK_HOLDOFF_MS) this.sendSite(p, nowMs);
          break;
        }
        this.syncStep(p, { kind: 'message', msg }, nowMs);
    }
  }

  /** A peer's fo-site: its site name and role. Another site name than before (reconfigured):
   *  the records of the old one are forgotten. Our own name, or a name another peer serves: a
   *  configuration error, reported (status siteMismatch, the recent events, a warning). */
  private peerSiteIs(p: PeerState, name: mob.Site, role: mob.Role, nowMs: number): void {
    if (p.peerSite === name && p.peerRole === role) return;
    const before = this.siteOfPeer(p);
    p.peerRole = role;
    if (before !== null && before !== name && !this.peerOfSiteOtherThan(before, p)) this.applyAll(mob.forgetSite(this.mob, before), nowMs);
    p.peerSite = name;
    const twin = this.peerOfSiteOtherThan(name, p);
    if (name === this.siteName) {
      this.d.log.warn({ peer: this.name(p.id), site: name }, 'the peer serves the same failover site as this appliance; give every site its own failover.siteName (two sites: failover.site tenant on one and provider on the other)');
      this.note({ atMs: nowMs, kind: 'site-mismatch', peer: this.name(p.id), reason: `both ${name}` });
      return;
    }
    if (twin) {
      this.counters.siteNameClash++;
      this.d.log.warn({ peer: this.name(p.id), other: this.name(twin.id), site: name }, 'two peers serve the same failover site name; give every site its own failover.siteName');
      this.note({ atMs: nowMs, kind: 'site-mismatch', peer: this.name(p.id), reason: `${name} also served by ${this.name(twin.id)}` });
    }
    mob.setSite(this.mob, name, role);
    // a hub: the records of the other sites, for the peer now known (split horizon: not its own)
    for (const e of mob.relayedEntries(this.mob, name)) this.syncStep(p, { kind: 'local-upsert', entry: e }, nowMs);
  }

  private peerOfSiteOtherThan(site: mob.Site, not: PeerState): PeerState | null {
    for (const q of this.peers.values()) if (q !== not && this.siteOfPeer(q) === site) return q;
    return null;
  }

  private applyAll(acts: mob.MobilityAction[], nowMs: number): void {
    for (const a of acts) this.apply(a, nowMs);
  }

  /** A peer's fo-probe: our LAN; a hub asked for another site's LAN (n) asks that site's peer. */
  private async probeForPeer(p: PeerState, id: number, ip: string, site?: string): Promise<void> {
    if (this.remoteProbesRunning >= MAX_REMOTE_PROBES) { this.counters.remoteProbesRefused++; return; }
    const target = site !== undefined && site !== this.siteName ? this.peerOfSite(site) : null;
    if (site !== undefined && site !== this.siteName && (!target || target === p)) return; // no way there: it times out
    this.remoteProbesRunning++;
    this.counters.remoteProbes++;
    try {
      let o: ProbeOutcome;
      if (target) {
        this.counters.probesPassedOn++;
        o = await this.probes.probeRemote(ip, (pid) => (target.up ? (this.send(target, { t: 'fo-probe', id: pid, ip }), true) : false))
          .catch(() => ({ result: 'unknown' as const }));
      } else {
        o = await this.probes.probeLocal(ip, () => this.d.dp.probe(ip)).catch(() => ({ result: 'unknown' as const }));
      }
      if (o.result === 'unknown') return; // could not probe: the peer times out ('unknown')
      this.send(p, { t: 'fo-probe-res', id, ip, a: o.result === 'answered' ? 1 : 0, m: o.result === 'answered' ? o.mac : '' });
    } finally {
      this.remoteProbesRunning--;
    }
  }

  close(): void { this.probes.close(); }

  // ------------------------------------------------------------------ state machines -> actions

  private sendSite(p: PeerState, nowMs: number): void {
    p.siteSentMs = nowMs;
    // the name only when it is not the role: an older peer (two sites) decodes {t, s} alone
    this.send(p, this.siteName === this.cfg.site ? { t: 'fo-site', s: this.cfg.site } : { t: 'fo-site', s: this.cfg.site, n: this.siteName });
  }

  /** Where a probe of `site`'s LAN goes: its peer; a site that is not a peer: the hub it is
   *  reached through, asked to pass it on (n). */
  private probeRoute(site: mob.Site, ip: string): { p: PeerState; n: { n?: string } } | null {
    const direct = this.peerOfSite(site);
    if (direct) return { p: direct, n: {} };
    const hub = this.peerToward(site, this.mob.hosts.get(ip)?.via ?? null);
    return hub ? { p: hub, n: { n: site } } : null;
  }

  /** Probes `site`'s LAN for ip through its peer (or the hub). */
  private probeSite(site: mob.Site, ip: string): Promise<ProbeOutcome> {
    const r = this.probeRoute(site, ip);
    return this.probes.probeRemote(ip, (pid) => (r?.p.up ? (this.send(r.p, { t: 'fo-probe', id: pid, ip, ...r.n }), true) : false));
  }

  /** Verify on move: the site the host is on record at probes its LAN for it (mobility 'verify');
   *  no peer serving that site (nor a hub toward it): 'unknown' (a genuine move). */
  private async verify(lan: mob.Site, ip: string, id: number): Promise<void> {
    const p = this.probeRoute(lan, ip)?.p ?? null;
    let o: ProbeOutcome = { result: 'unknown' };
    for (let attempt = 0; p && attempt < 2 && o.result === 'unknown'; attempt++) {
      if (attempt > 0) this.counters.verifyRetries++;
      this.counters.verifyProbes++;
      o = await this.probeSite(lan, ip).catch(() => ({ result: 'unknown' as const }));
      if (!p.up) break;
    }
    if (p && this.peers.get(p.id) !== p) return; // the peer went away meanwhile
    this.mobStep({ kind: 'verify-result', ip, id, result: o.result, ...(o.result === 'answered' ? { mac: o.mac } : {}) },
      Date.now());
  }

  private send(p: PeerState, msg: NeighborMessage | FailoverMessage): void {
    if (!this.d.dp.sendControl(p.id, encodePeerMessage(msg))) this.counters.controlSendFailed++;
  }

  private syncStep(p: PeerState, ev: nsync.NeighborSyncEvent, nowMs: number): void {
    const r = nsync.step(p.sync, ev, nowMs);
    for (const a of r.actions) {
      if (a.kind === 'send') this.send(p, a.msg);
      else {
        const from = this.siteOfPeer(p);
        if (from === null) continue; // cannot happen: nb-up waits for the site name
        if (a.kind === 'remote-upsert') {
          this.mobStep({ kind: 'remote-update', entry: a.entry, from }, nowMs);
          if (a.entry.flags & NB_RESOLVED) this.announceKept(a.entry.ip, a.entry.seq);
        }
        else this.mobStep({ kind: 'remote-withdraw', ip: a.ip, from }, nowMs);
      }
    }
  }

  private mobStep(ev: mob.MobilityEvent, nowMs: number): mob.MobilityAction[] {
    const r = mob.step(this.mob, ev, nowMs);
    for (const a of r.actions) this.apply(a, nowMs);
    return r.actions;
  }

  /** The peers a share/unshare goes to: one site's (only), every peer but those of `except`. */
  private peersFor(a: { only?: mob.Site; except?: mob.Site[] }): PeerState[] {
    return [...this.peers.values()].filter((p) => {
      const site = this.siteOfPeer(p);
      return (a.only === undefined || site === a.only) && (a.except === undefined || site === null || !a.except.includes(site));
    });
  }

  /** A share: to the peers it names; a handover to a site that is not a peer goes to every peer
   *  (a spoke's hub) naming the target site, and the hub passes it on. */
  private share(a: Extract<mob.MobilityAction, { kind: 'share' }>, nowMs: number): void {
    let to = this.peersFor(a);
    let entry = a.entry;
    if (to.length === 0 && a.only !== undefined && !this.peerOfSite(a.only)) {
      to = [...this.peers.values()];
      entry = { ...a.entry, site: a.only };
    }
    for (const p of to) this.syncStep(p, { kind: 'local-upsert', entry }, nowMs);
  }

  /** The peer frames and probes for a host at `site` go to: that site's, else the hub it is
   *  reached through (via), else this spoke's only peer. */
  private peerToward(site: mob.Site, via: mob.Site | null): PeerState | null {
    const direct = this.peerOfSite(site) ?? (via !== null ? this.peerOfSite(via) : null);
    if (direct) return direct;
    return this.peers.size === 1 ? [...this.peers.values()][0] : null;
  }

  private peerLabel(site: mob.Site): string {
    if (site === this.siteName) return 'local';
    const p = this.peerOfSite(site);
    return p ? this.name(p.id) : site;
  }

  private apply(a: mob.MobilityAction, nowMs: number): void {
    const dp = this.d.dp;
    switch (a.kind) {
      case 'neigh-set': {
        const local = a.site === this.siteName;
        const origin = local ? (this.mob.hosts.get(a.ip)?.origin ?? 'arp') : 'peer';
        const owner = local ? null : this.peerToward(a.site, a.via ?? null);
        if (!local && !owner) { this.counters.noPeerForSite++; dp.deleteNeighbor(a.ip); break; }
        try {
          const entry = { mac: a.mac, peer: owner ? owner.id : 0, seq: a.seq, origin, router: a.router, frozen: a.frozen };
          const r = dp.setNeighbor(a.ip, entry);
          if (r === 'stale' || r === 'conflict') {
            // mobility decides; the data plane's own learning may be ahead (it moved the entry here
            // with seq + 1 on the sighting that led to a conflict): replace its entry
            this.counters.neighborReplaced++;
            dp.deleteNeighbor(a.ip);
            dp.setNeighbor(a.ip, entry);
          }
        } catch (e) {
          this.counters.setNeighborFailed++;
          this.d.log.warn({ ip: a.ip, err: (e as Error).message }, 'data plane refused a neighbor entry');
        }
        break;
      }
      case 'neigh-del': dp.deleteNeighbor(a.ip); break;
      case 'share': this.share(a, nowMs); break;
      case 'unshare': for (const p of this.peersFor(a)) this.syncStep(p, { kind: 'local-withdraw', ip: a.ip }, nowMs); break;
      case 'announce':
        if (a.lan === this.siteName) dp.announce(a.ip, a.mac, a.router);
        break;
      case 'moved': {
        const peer = this.peerLabel(a.to === this.siteName ? a.from : a.to);
        this.d.log.info({ ip: a.ip, mac: a.mac, from: a.from, to: a.to, seq: a.seq, cause: a.cause, peer }, 'host moved');
        // A host handed over to this site may be silent (a replica that does not announce itself):
        // probe it once, so that its answer teaches this LAN's switches where its MAC is now.
        if (a.to === this.siteName && a.from !== a.to && a.cause !== 'seen-here') { this.counters.wakeProbes++; dp.probe(a.ip); }
        this.note({ atMs: nowMs, kind: 'moved', ip: a.ip, mac: a.mac, from: a.from, to: a.to, reason: a.cause, peer });
        break;
      }
      case 'verify':
        void this.verify(a.lan, a.ip, a.id);
        break;
      case 'conflict': {
        const c = a.conflict;
        const [onRecord, seen] = c.sites;
        const remote = onRecord === this.siteName ? seen : onRecord;
        const peer = this.peerLabel(remote);
        this.d.log.error({ ip: c.ip, reason: c.reason, tenantMac: c.macs.tenant, providerMac: c.macs.provider,
          sites: [onRecord, seen], siteOnRecord: onRecord, siteSeen: seen, macs: c.macs, policy: c.policy,
          quarantined: c.quarantined, detectedBy: this.siteName, peer },
          `failover conflict (split brain) between sites ${onRecord} and ${seen}: resolve with "bridgehead resolve HOST --keep ${onRecord}|${seen}"`);
        // to the site on record: its peer, else the hub toward it, naming this site
        const route = this.probeRoute(remote, c.ip);
        if (a.seenHere && route && (c.reason === 'still-answers' || c.reason === 'pinned')) {
          const other = c.macs[this.siteName];
          this.send(route.p, { t: 'fo-conflict', ip: c.ip, m: other, r: c.reason, s: c.atSeq, ...(route.n.n !== undefined ? { n: this.siteName } : {}) });
        }
        this.note({ atMs: nowMs, kind: 'conflict', ip: c.ip, reason: c.reason, peer, from: onRecord,
          mac: c.quarantined?.mac, to: c.quarantined?.site ?? seen });
        break;
      }
      case 'quarantine': {
        // The cut copy's MAC is blocked here, unless the copy is at the peer's site and has the
        // kept copy's MAC (a flapping host, an equal seq): blocking it here would cut the kept copy
        // too; the peer's own guard cuts it there (it sees our frozen entry as an equal claim).
        const conflict = this.mob.hosts.get(a.ip)?.conflict;
        const kept = conflict?.sites.find((x) => x !== a.site);
        const here = a.site === this.siteName || !conflict || kept === undefined || conflict.macs[kept] !== a.mac;
        if (here) this.quarantine(a.ip, a.mac, true, nowMs, a.site);
        else {
          this.counters.quarantinesLeftToPeer++;
          this.note({ atMs: nowMs, kind: 'quarantine', ip: a.ip, mac: a.mac, to: a.site, reason: 'same MAC as the kept copy: cut at the peer' });
        }
        break;
      }
      case 'release': this.quarantine(a.ip, a.mac, false, nowMs, a.site); break;
      case 'resolved':
        this.d.log.info({ ip: a.ip, keep: a.keep, seq: a.seq, peer: this.peerLabel(a.keep) }, 'failover conflict resolved');
        this.announceKept(a.ip, a.seq);
        this.note({ atMs: nowMs, kind: 'resolved', ip: a.ip, to: a.keep, peer: this.peerLabel(a.keep) });
        break;
      default: break; // probe / plan / refused: the operator op reads them from the step's actions
    }
  }

  /** After a resolve (here, or the peer's RESOLVED entry): a gratuitous ARP / unsolicited NA with
   *  the kept copy's MAC on this LAN repairs neighbor caches the other copy overwrote; when the
   *  kept copy lives here, a probe follows so that its answer points the bridge back at its port.
   *  Once per IP and seq (a full sync re-sends the RESOLVED entry). */
  private announceKept(ip: string, seq: number): void {
    const r = this.mob.hosts.get(ip);
    if (!r || r.conflict || this.resolvedAnnounced.get(ip) === seq) return;
    if (this.resolvedAnnounced.size >= RESOLVED_ANNOUNCED_MAX) this.resolvedAnnounced.clear();
    this.resolvedAnnounced.set(ip, seq);
    this.counters.resolveAnnouncements++;
    this.d.dp.announce(ip, r.mac, r.router);
    if (r.site === this.siteName) this.d.dp.probe(ip);
  }

  /** Frames of a quarantined copy's MAC are not bridged across the tunnel (at this appliance,
   *  whichever site the copy is at: both directions of the tunnel pass here). */
  private quarantine(ip: string, mac: string, on: boolean, nowMs: number, site: mob.Site): void {
    const held = this.quarantined.get(mac) ?? new Set<string>();
    if (!on && !held.has(ip)) return; // never applied here (left to the peer)
    const before = held.size;
    if (on) held.add(ip); else held.delete(ip);
    if (held.size > 0) this.quarantined.set(mac, held); else this.quarantined.delete(mac);
    if ((before === 0) !== (held.size === 0)) {
      try { this.d.dp.setQuarantine(mac, on); } catch (e) {
        this.counters.quarantineFailed++;
        this.d.log.warn({ mac, err: (e as Error).message }, 'data plane refused the quarantine');
      }
    }
    this.note({ atMs: nowMs, kind: on ? 'quarantine' : 'release', ip, mac, to: site });
  }

  private note(e: RecentEvent): void {
    this.recent.push(e);
    if (this.recent.length > RECENT_MAX) this.recent.shift();
  }

  /** A peer unpaired: the records of its site are forgotten (unless another peer serves it). */
  private forgetPeer(p: PeerState): void {
    const site = this.siteOfPeer(p);
    this.peers.delete(p.id);
    if (site !== null && !this.peerOfSite(site)) this.applyAll(mob.forgetSite(this.mob, site), 0);
  }

  // ------------------------------------------------------------------ operator

  /** The IPs HOST names: itself, or every IP on record with that MAC (sorted). */
  private resolveHost(host: string): string[] {
    if (!host.includes(':') || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(host)) return [host];
    const out: string[] = [];
    for (const r of this.mob.hosts.values()) {
      const macs = r.conflict ? Object.values(r.conflict.macs) : [r.mac];
      if (macs.includes(host)) out.push(r.ip);
    }
    return out.sort();
  }

  /** failover/failback HOST [--to SITE]: to absent = failover to the provider's site, failback to
   *  the tenant's (when exactly one site has that role). */
  async move(op: mob.MoveOp, host: string, opt: { check?: boolean; force?: boolean; to?: mob.Site }, now: () => number): Promise<OpResult> {
    const items: OpItem[] = [];
    for (const ip of this.resolveHost(host)) items.push(await this.moveOne(op, ip, opt, now));
    if (items.length === 0) items.push({ ip: host, outcome: 'refused', reason: 'unknown-host' });
    return { op, host, check: opt.check === true, ok: items.every((i) => i.outcome !== 'refused'),
      changed: items.some((i) => i.outcome === 'moved' || i.outcome === 'resolved'), items };
  }

  private async moveOne(op: mob.MoveOp, ip: string, opt: { check?: boolean; force?: boolean; to?: mob.Site },
    now: () => number): Promise<OpItem> {
    const to = opt.to !== undefined ? { to: opt.to } : {};
    let probe: OpItem['probe'];
    let probeResult: 'answered' | 'silent' | undefined;
    if (opt.check || !opt.force) {
      const first = this.mobStep({ kind: op, ip, check: true, ...to }, now());
      const ask = first.find((a): a is Extract<mob.MobilityAction, { kind: 'probe' }> => a.kind === 'probe');
      if (!ask) {
        // already there: not a dry run -> step again without check, which pins the host there
        if (!opt.check && first.some((x) => x.kind === 'unchanged')) return itemOf(ip, this.mobStep({ kind: op, ip, ...to }, now()));
        return itemOf(ip, first);
      }
      // the probe goes to the LAN of the site the host is on record at
      const o = ask.lan === this.siteName
        ? await this.probes.probeLocal(ip, () => this.d.dp.probe(ip))
        : await this.probeSite(ask.lan, ip);
      probe = { lan: ask.lan, result: o.result, ...(o.result === 'answered' ? { mac: o.mac } : {}) };
      if (o.result === 'unknown' && !opt.force && !opt.check) return { ip, outcome: 'refused', reason: 'probe-failed', probe };
      probeResult = o.result === 'answered' ? 'answered' : 'silent';
    }
    const acts = this.mobStep({ kind: op, ip, ...to, check: opt.check === true, force: opt.force === true,
      ...(probeResult ? { probe: probeResult } : {}) }, now());
    return { ...itemOf(ip, acts), ...(probe ? { probe } : {}) };
  }

  resolve(host: string, keep: mob.Site, nowMs: number): OpResult {
    const items: OpItem[] = [];
    for (const ip of this.resolveHost(host)) items.push(itemOf(ip, this.mobStep({ kind: 'resolve', ip, keep }, nowMs)));
    if (items.length === 0) items.push({ ip: host, outcome: 'refused', reason: 'no-conflict' });
    return { op: 'resolve', host, check: false, ok: items.every((i) => i.outcome !== 'refused'),
      changed: items.some((i) => i.outcome === 'resolved'), items };
  }

  // ------------------------------------------------------------------ status

  /** HA replication (src/daemon/ha-table.ts), per peer, read-only: the records at its site, and
   *  this site's records with the first peer (the HA wire names sites by role: two sites). */
  haRecords(): Array<{ peerId: number; hosts: Iterable<mob.HostRecord> }> {
    const list = [...this.peers.values()];
    return list.map((p, i) => {
      const site = this.siteOfPeer(p);
      return { peerId: p.id, hosts: [...this.mob.hosts.values()].filter((r) => r.site === site || (i === 0 && r.site === this.siteName)) };
    });
  }

  /** HA takeover: the active member's records (for one peer, see haRecords) replace ours and are
   *  applied as mobility would have: data-plane entries, quarantines, and this site's hosts shared
   *  again. With one peer the whole table is replaced; with more, the records of the hosts given. */
  haAdopt(peerId: number, hosts: mob.HostRecord[], shareOf: (r: mob.HostRecord) => NeighborEntry,
    nowMs: number): number {
    const p = this.peer(peerId);
    if (!p) return 0;
    const replaced = this.peers.size === 1 ? [...this.mob.hosts.values()] : hosts.map((h) => this.mob.hosts.get(h.ip)).filter((r): r is mob.HostRecord => r !== undefined);
    for (const r of replaced) {
      if (r.conflict?.quarantined) this.quarantine(r.ip, r.conflict.quarantined.mac, false, nowMs, r.conflict.quarantined.site);
      this.mob.hosts.delete(r.ip);
    }
    let n = 0;
    for (const r of hosts) {
      if (this.mob.hosts.size >= this.mob.cfg.maxHosts) break;
      this.mob.hosts.set(r.ip, r);
      n++;
      const frozen = r.conflict !== null && r.conflict.policy !== 'log-only';
      this.apply({ kind: 'neigh-set', ip: r.ip, mac: r.mac, site: r.site, seq: r.seq, router: r.router, frozen, ...(r.via ? { via: r.via } : {}) }, nowMs);
      if (r.conflict?.quarantined) this.apply({ kind: 'quarantine', ip: r.ip, ...r.conflict.quarantined }, nowMs);
      if (r.site === this.siteName) for (const q of this.peers.values()) this.syncStep(q, { kind: 'local-upsert', entry: shareOf(r) }, nowMs);
    }
    return n;
  }

  status(): FailoverStatus {
    const counters: Record<string, number> = { ...this.counters };
    const conflicts: FailoverStatus['conflicts'] = [];
    const peers: FailoverStatus['peers'] = [];
    const ms = mob.mobilityStatus(this.mob);
    for (const [k, v] of Object.entries(ms.counters)) counters[k] = (counters[k] ?? 0) + v;
    for (const c of ms.conflicts) conflicts.push({ ...c, peer: this.peerLabel(c.sites[0] === this.siteName ? c.sites[1] : c.sites[0]) });
    for (const p of this.peers.values()) {
      const ss = nsync.neighborSyncStatus(p.sync);
      for (const k of ['updatesSent', 'updatesResent', 'updatesApplied', 'resyncsSent', 'fullSyncs', 'invalid'] as const) {
        const key = `sync${k[0].toUpperCase()}${k.slice(1)}`;
        counters[key] = (counters[key] ?? 0) + ss.counters[k];
      }
      const site = this.siteOfPeer(p);
      let hosts = 0;
      for (const r of this.mob.hosts.values()) if (r.site === site) hosts++;
      peers.push({ name: this.name(p.id), up: p.up, peerSite: p.peerSite, peerRole: p.peerRole,
        siteMismatch: p.peerSite === this.siteName || (p.peerSite !== null && this.peerOfSiteOtherThan(p.peerSite, p) !== null),
        hosts, sharing: ss.local, remote: ss.remote, syncing: ss.syncing });
    }
    let dataPlane: FailoverStats | null = null;
    try { dataPlane = this.d.dp.failoverStats(); } catch { dataPlane = null; }
    return { enabled: true, site: this.siteName, role: this.cfg.site, policy: this.cfg.conflictPolicy, peers, conflicts, counters,
      dataPlane, recent: [...this.recent] };
  }

  /** Mobility's view of one IP (for `neighbors`: the conflict flag). */
  conflictOf(ip: string): mob.Conflict | null {
    return this.mob.hosts.get(ip)?.conflict ?? null;
  }

  /** Mobility's record of one IP (for `neighbors`: the site and seq on record). */
  recordOf(ip: string): mob.HostRecord | null {
    return this.mob.hosts.get(ip) ?? null;
  }

}

function itemOf(ip: string, acts: mob.MobilityAction[]): OpItem {
  for (const a of acts) {
    switch (a.kind) {
      case 'refused': return { ip, outcome: 'refused', reason: a.reason };
      case 'plan': return { ip, outcome: 'plan', from: a.from, to: a.to, seq: a.seq };
      case 'resolved': return { ip, outcome: 'resolved', to: a.keep, seq: a.seq };
      case 'unchanged': return { ip, outcome: 'unchanged', to: a.site };
      default: break;
    }
  }
  const m = acts.find((a): a is Extract<mob.MobilityAction, { kind: 'moved' }> => a.kind === 'moved');
  if (m) return { ip, outcome: 'moved', mac: m.mac, from: m.from, to: m.to, seq: m.seq };
  return { ip, outcome: 'moved' };
}
