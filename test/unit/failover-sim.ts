// Test helpers for the partial-failover cores: a seeded PRNG, a lossy / duplicating / reordering
// link that carries encoded peer-channel messages, and a two-appliance harness that wires mobility ->
// neighbor-sync -> link -> neighbor-sync -> mobility the way the daemon will.

import { decodePeerMessage, encodePeerMessage } from '../../src/control/peer-channel-messages';
import * as mob from '../../src/control/mobility';
import type { NeighborEntry, NeighborMessage } from '../../src/control/neighbor-messages';
import * as sync from '../../src/control/neighbor-sync';

/** mulberry32: deterministic, good enough to drive simulations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkOptions { loss: number; dup: number; minDelayMs: number; jitterMs: number }
export const PERFECT: LinkOptions = { loss: 0, dup: 0, minDelayMs: 10, jitterMs: 0 };

/** Carries encoded messages between 'A' and 'B'; every message goes through encode/decode. */
export class Link {
  private q: Array<{ to: 'A' | 'B'; data: Buffer; at: number; seq: number }> = [];
  private n = 0;
  sent = 0;
  lost = 0;
  maxBytes = 0;
  constructor(private rand: () => number, public opt: LinkOptions) {}
  send(to: 'A' | 'B', msg: NeighborMessage, nowMs: number): void {
    const data = encodePeerMessage(msg);
    this.sent++;
    this.maxBytes = Math.max(this.maxBytes, data.length);
    if (this.rand() < this.opt.loss) { this.lost++; return; }
    const copies = this.rand() < this.opt.dup ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.q.push({ to, data, at: nowMs + this.opt.minDelayMs + Math.floor(this.rand() * (this.opt.jitterMs + 1)), seq: this.n++ });
    }
  }
  /** Messages due by nowMs, in arrival order (ties in send order), decoded. */
  due(nowMs: number): Array<{ to: 'A' | 'B'; msg: NeighborMessage }> {
    const ready = this.q.filter((m) => m.at <= nowMs).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.q = this.q.filter((m) => m.at > nowMs);
    return ready.map((m) => {
      const msg = decodePeerMessage(m.data);
      if (!msg || !msg.t.startsWith('nb-')) throw new Error(`undecodable on the link: ${m.data.toString()}`);
      return { to: m.to, msg: msg as NeighborMessage };
    });
  }
  get inFlight(): number { return this.q.length; }
  clear(): void { this.q = []; }
}

/** One appliance's sync endpoint, keeping a mirror of the remote table built only from actions. */
export class SyncPeer {
  s: sync.NeighborSyncState;
  mirror = new Map<string, NeighborEntry>();
  upserts = 0;
  withdrawals = 0;
  maxInflight = 0;
  maxReorder = 0;
  maxPending = 0;
  onRemote: (a: sync.NeighborSyncAction) => void = () => {};
  constructor(public name: 'A' | 'B', public link: Link, cfg: sync.NeighborSyncConfig = sync.DEFAULT_NEIGHBOR_SYNC) {
    this.s = sync.initialNeighborSync(cfg);
  }
  get other(): 'A' | 'B' { return this.name === 'A' ? 'B' : 'A'; }
  ev(e: sync.NeighborSyncEvent, nowMs: number): sync.NeighborSyncAction[] {
    const r = sync.step(this.s, e, nowMs);
    for (const a of r.actions) {
      if (a.kind === 'send') this.link.send(this.other, a.msg, nowMs);
      else if (a.kind === 'remote-upsert') { this.mirror.set(a.entry.ip, a.entry); this.upserts++; this.onRemote(a); }
      else { this.mirror.delete(a.ip); this.withdrawals++; this.onRemote(a); }
    }
    this.maxInflight = Math.max(this.maxInflight, this.s.inflight.size);
    this.maxReorder = Math.max(this.maxReorder, this.s.reorder.size);
    this.maxPending = Math.max(this.maxPending, this.s.pending.size);
    return r.actions;
  }
  /** Nothing queued, nothing unacknowledged, no full sync open, no gap or unknown epoch waiting. */
  get quiet(): boolean {
    return this.s.pending.size === 0 && this.s.inflight.size === 0 && !this.s.needBegin && !this.s.syncOpen &&
      this.s.reorder.size === 0 && this.s.candidate === null;
  }
}

/** Delivers due messages and ticks both peers every stepMs until quiet (or the time limit). */
export function runSync(link: Link, a: SyncPeer, b: SyncPeer, fromMs: number, untilMs: number, stepMs = 50): number {
  let t = fromMs;
  for (; t <= untilMs; t += stepMs) {
    for (const d of link.due(t)) (d.to === 'A' ? a : b).ev({ kind: 'message', msg: d.msg }, t);
    a.ev({ kind: 'tick' }, t);
    b.ev({ kind: 'tick' }, t);
    if (a.quiet && b.quiet && link.inFlight === 0) return t;
  }
  return t;
}

/** An appliance: mobility + sync + a model of its data-plane neighbor table and LAN output, and of
 *  its LAN for probes: `alive` holds the copies that answer an ARP probe / DAD NS here (ip -> MAC).
 *  A 'verify' action is answered after verifyDelayMs by probing the partner's LAN (lost with
 *  probability verifyLoss: 'unknown'); a conflict seen here reaches the partner as peer-conflict. */
export class Appliance {
  m: mob.MobilityState;
  alive = new Map<string, string>();
  partner: Appliance | null = null;
  verifyDelayMs = 60;
  verifyLoss = 0;
  rand: () => number = rng(11);
  private later: Array<{ at: number; run: () => void }> = [];
  sp: SyncPeer;
  table = new Map<string, { mac: string; site: mob.Site; seq: number; frozen: boolean }>();
  log: mob.MobilityAction[] = [];
  quarantined = new Map<string, { mac: string; site: mob.Site }>();
  constructor(public site: mob.Site, name: 'A' | 'B', link: Link, policy: mob.ConflictPolicy = 'quarantine') {
    this.m = mob.initialMobility({ localSite: site, policy });
    this.sp = new SyncPeer(name, link);
    this.sp.onRemote = (a) => {
      if (a.kind === 'remote-upsert') this.ev({ kind: 'remote-update', entry: a.entry }, this.now);
      else if (a.kind === 'remote-withdraw') this.ev({ kind: 'remote-withdraw', ip: a.ip }, this.now);
    };
  }
  now = 0;
  ev(e: mob.MobilityEvent, nowMs: number): mob.MobilityAction[] {
    this.now = nowMs;
    const r = mob.step(this.m, e, nowMs);
    for (const a of r.actions) {
      this.log.push(a);
      switch (a.kind) {
        case 'neigh-set': this.table.set(a.ip, { mac: a.mac, site: a.site, seq: a.seq, frozen: a.frozen }); break;
        case 'neigh-del': this.table.delete(a.ip); break;
        case 'share': this.sp.ev({ kind: 'local-upsert', entry: a.entry }, nowMs); break;
        case 'unshare': this.sp.ev({ kind: 'local-withdraw', ip: a.ip }, nowMs); break;
        case 'quarantine': this.quarantined.set(a.ip, { mac: a.mac, site: a.site }); break;
        case 'release': this.quarantined.delete(a.ip); break;
        case 'verify': {
          const lost = this.rand() < this.verifyLoss;
          this.later.push({ at: nowMs + this.verifyDelayMs, run: () => {
            const mac = this.partner?.alive.get(a.ip);
            const result: mob.VerifyResult = lost ? 'unknown' : mac ? 'answered' : 'silent';
            this.ev({ kind: 'verify-result', ip: a.ip, id: a.id, result, ...(mac && !lost ? { mac } : {}) }, this.now);
          } });
          break;
        }
        case 'conflict':
          if (a.seenHere && (a.conflict.reason === 'still-answers' || a.conflict.reason === 'pinned')) {
            const c = a.conflict;
            this.later.push({ at: nowMs + this.verifyDelayMs / 2, run: () => this.partner?.ev({ kind: 'peer-conflict', ip: c.ip,
              mac: c.macs[this.site], reason: c.reason as 'still-answers' | 'pinned', seq: c.atSeq }, this.partner.now) });
          }
          break;
        default: break;
      }
    }
    return r.actions;
  }
  /** Runs the side-channel work (verification results, conflict notices) due by nowMs. */
  runDue(nowMs: number): void {
    this.now = nowMs;
    const due = this.later.filter((l) => l.at <= nowMs);
    this.later = this.later.filter((l) => l.at > nowMs);
    for (const l of due) l.run();
  }
  get busy(): boolean { return this.later.length > 0; }
  /** Actions of one kind logged since index `from`. */
  since<K extends mob.MobilityAction['kind']>(from: number, kind: K): Array<Extract<mob.MobilityAction, { kind: K }>> {
    return this.log.slice(from).filter((a): a is Extract<mob.MobilityAction, { kind: K }> => a.kind === kind);
  }
}

/** Runs two appliances over a link until their sync is quiet. */
export function runPair(link: Link, a: Appliance, b: Appliance, fromMs: number, untilMs: number, stepMs = 50): number {
  let t = fromMs;
  for (; t <= untilMs; t += stepMs) {
    a.now = b.now = t;
    for (const d of link.due(t)) (d.to === 'A' ? a.sp : b.sp).ev({ kind: 'message', msg: d.msg }, t);
    a.runDue(t);
    b.runDue(t);
    a.sp.ev({ kind: 'tick' }, t);
    b.sp.ev({ kind: 'tick' }, t);
    if (a.sp.quiet && b.sp.quiet && link.inFlight === 0 && !a.busy && !b.busy) return t;
  }
  return t;
}
