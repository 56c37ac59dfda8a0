// Host mobility for partial failover, as a pure state machine: step(state, event, nowMs) ->
// { state, actions }. One instance per appliance; `localSite` says which site it serves. The state
// holds a bounded Map and is updated in place; step returns the same object.
//
//   inputs:  what the local data plane sees (local-seen / local-gone), the peer's entries from
//            neighbor-sync (remote-update / remote-withdraw), the result of a verification
//            (verify-result), a conflict the peer detected (peer-conflict), operator commands
//            (failover, failback, resolve; failover --check with the result of an RFC 5227 probe)
//   rules:   EVPN-style sequence numbers per host (RFC 7432 section 15): a host seen at a site other
//            than the one on record moves there with seq + 1, once verified (below); the higher seq
//            wins; a lower one is stale. failover/failback move the host with seq + 1; when the
//            target is the peer's site the move is handed over (entry flag NB_HANDOVER) and the peer
//            adopts it. failover/failback of a host already at the target changes nothing ('unchanged').
//   verify:  a host on record at the peer's site and seen here (same MAC, any evidence) is not moved
//            at once: action 'verify' asks the peer to probe its LAN (RFC 5227 ARP probe / DAD NS);
//            'verify-result' answered = the old copy is alive: conflict 'still-answers'; silent or
//            unknown (peer unreachable) = a genuine move. One verification per host at a time;
//            a result with another id (late, after a timeout or a move) is stale.
//   pin:     failover/failback pin the host to the chosen site (entry flag NB_PINNED, so the peer
//            pins too) until the next failover/failback or resolve: a sighting at the other site
//            is a conflict 'pinned' once the verification round trip is over, whatever the probe
//            says (that round trip lets an operator's failback issued on the peer, already on its
//            way, arrive first: the record then lives here and the result is stale); a peer's
//            unpinned claim on a host pinned here is a conflict too.
//   guard:   split brain = a verified second copy, a sighting of a pinned host at the other site,
//            the same IP answered by different MACs at the two sites, the same seq claimed by both
//            sites, or one host moving more than flapMoves times in flapWindowMs (second line).
//            A conflict is reported (action 'conflict': log + status + event) and the policy
//            applied: 'quarantine' cuts the copy that appeared last off the tunnel, 'prefer-tenant'
//            cuts the provider copy, 'log-only' cuts nothing. The record is frozen (no moves) until
//            resolve(host, keep), which the peer learns through the entry flag NB_RESOLVED.
//   outputs: the data-plane neighbor table (neigh-set/neigh-del), the entries to share with the
//            peer (share/unshare -> neighbor-sync), announcements on this site's LAN on behalf of a
//            host that left it (gratuitous ARP / unsolicited NA), probes, quarantine/release,
//            conflict and move reports, refusals and dry-run plans.

import { isNeighborIp, isNeighborMac } from '../util/addr';
import { NB_HANDOVER, NB_PINNED, NB_RESOLVED, NB_ROUTER, isValidEntry, type NeighborEntry, type NeighborOrigin } from './neighbor-messages';

import type { ConflictPolicy, Site } from '../config/site';
export type { ConflictPolicy, Site };
export type ConflictReason = 'ip-two-macs' | 'equal-seq' | 'flapping' | 'still-answers' | 'pinned';
export type VerifyResult = 'answered' | 'silent' | 'unknown';
export type SeenHow = 'traffic' | 'arp' | 'nd' | 'garp' | 'una';
export type MoveCause = 'seen-here' | 'seen-there' | 'failover' | 'failback' | 'handover' | 'resolve';
export type MoveOp = 'failover' | 'failback';
export type RefuseReason = 'unknown-host' | 'already-there' | 'in-conflict' | 'still-answers' | 'no-conflict' | 'bad-site';

export const DEFAULT_FLAP_MOVES = 5;
export const DEFAULT_FLAP_WINDOW_MS = 180_000;
/** A verification without a result after this is forgotten; the next sighting starts a new one. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 5_000;

export interface MobilityConfig {
  localSite: Site;
  policy: ConflictPolicy;
  flapMoves: number;     // more moves than this within flapWindowMs is a conflict
  flapWindowMs: number;
  maxHosts: number;      // records kept; beyond it new hosts are not tracked (counted)
  verifyTimeoutMs: number;
}

export interface Conflict {
  ip: string;
  reason: ConflictReason;
  detectedMs: number;
  atSeq: number;                                   // seq of the record when detected
  macs: Record<Site, string>;                      // the copy at each site
  quarantined: { site: Site; mac: string } | null; // the copy cut off the tunnel
  policy: ConflictPolicy;
}

export interface HostRecord {
  ip: string;
  mac: string;
  site: Site;            // where the host lives by the highest seq
  seq: number;
  router: boolean;
  origin: NeighborOrigin;
  moves: Array<{ atMs: number; to: Site }>; // within the flap window, at most flapMoves + 1
  handover: boolean;     // we share a handover entry for it until the peer confirms
  pinned: boolean;       // placed by failover/failback: a sighting at the other site is a conflict
  verify: PendingVerify | null; // seen here while on record at the peer's site: the peer probes
  conflict: Conflict | null;
}

export interface PendingVerify { id: number; mac: string; how: SeenHow; router: boolean; untilMs: number }

export interface MobilityCounters {
  hostsNew: number; moves: number; macChanges: number; failovers: number; failbacks: number; handovers: number;
  conflicts: number; quarantines: number; resolves: number; refused: number; stale: number; invalid: number;
  full: number; weakIgnored: number; frozen: number; gone: number; withdrawn: number; announcements: number;
  verifies: number; verifyAnswered: number; verifySilent: number; verifyUnknown: number; verifyStale: number;
  verifyWaiting: number; unchanged: number; pins: number;
}

export interface MobilityState { cfg: MobilityConfig; hosts: Map<string, HostRecord>; counters: MobilityCounters;
  nextVerifyId: number }

export type MobilityEvent =
  | { kind: 'local-seen'; ip: string; mac: string; how: SeenHow; router?: boolean }
  | { kind: 'local-gone'; ip: string }                    // the data plane aged it out
  | { kind: 'remote-update'; entry: NeighborEntry }       // neighbor-sync remote-upsert
  | { kind: 'remote-withdraw'; ip: string }
  | { kind: MoveOp; ip: string; check?: boolean; force?: boolean; probe?: 'answered' | 'silent' }
  | { kind: 'resolve'; ip: string; keep: Site }
  | { kind: 'verify-result'; ip: string; id: number; result: VerifyResult; mac?: string }
  /** the peer found a second copy (MAC mac) on its LAN while we have the host: seq = its record's */
  | { kind: 'peer-conflict'; ip: string; mac: string; reason: 'still-answers' | 'pinned'; seq: number };

export interface Announcement { lan: Site; ip: string; mac: string; frame: 'garp' | 'una'; router: boolean }

export type MobilityAction =
  | { kind: 'neigh-set'; ip: string; mac: string; site: Site; seq: number; router: boolean; frozen: boolean }
  | { kind: 'neigh-del'; ip: string }
  | { kind: 'share'; entry: NeighborEntry }
  | { kind: 'unshare'; ip: string }
  | ({ kind: 'announce' } & Announcement)
  | { kind: 'probe'; lan: Site; ip: string; frame: 'arp-probe' | 'dad-ns'; reason: 'check' }
  /** probe `lan` (the peer's) for ip and answer with verify-result {ip, id}; mac: the copy seen here */
  | { kind: 'verify'; lan: Site; ip: string; id: number; mac: string; frame: 'arp-probe' | 'dad-ns' }
  /** failover/failback of a host already at the target: nothing moved (it is pinned there now) */
  | { kind: 'unchanged'; op: MoveOp; ip: string; site: Site }
  | { kind: 'moved'; ip: string; mac: string; from: Site; to: Site; seq: number; cause: MoveCause }
  | { kind: 'conflict'; conflict: Conflict; seenHere: boolean } // seenHere: tell the peer (fo-conflict)
  | { kind: 'quarantine'; ip: string; mac: string; site: Site }
  | { kind: 'release'; ip: string; mac: string; site: Site }
  | { kind: 'resolved'; ip: string; keep: Site; seq: number }
  | { kind: 'plan'; op: MoveOp; ip: string; from: Site; to: Site; seq: number; announcements: Announcement[] }
  | { kind: 'refused'; op: MoveOp | 'resolve'; ip: string; reason: RefuseReason };

export interface MobilityResult { state: MobilityState; actions: MobilityAction[] }

export const otherSite = (s: Site): Site => (s === 'tenant' ? 'provider' : 'tenant');

export function validateMobilityConfig(c: MobilityConfig): string | null {
  if (c.localSite !== 'tenant' && c.localSite !== 'provider') return `localSite ${String(c.localSite)} is not tenant|provider`;
  if (!['quarantine', 'log-only', 'prefer-tenant'].includes(c.policy)) return `policy ${String(c.policy)} is not quarantine|log-only|prefer-tenant`;
  if (!Number.isInteger(c.flapMoves) || c.flapMoves < 1 || c.flapMoves > 1000) return `flapMoves ${c.flapMoves} out of range 1..1000`;
  if (!Number.isInteger(c.flapWindowMs) || c.flapWindowMs < 1 || c.flapWindowMs > 86_400_000) return `flapWindowMs ${c.flapWindowMs} out of range`;
  if (!Number.isInteger(c.maxHosts) || c.maxHosts < 1 || c.maxHosts > 1 << 22) return `maxHosts ${c.maxHosts} out of range`;
  if (!Number.isInteger(c.verifyTimeoutMs) || c.verifyTimeoutMs < 1 || c.verifyTimeoutMs > 600_000) return `verifyTimeoutMs ${c.verifyTimeoutMs} out of range`;
  return null;
}

export function initialMobility(cfg: Partial<MobilityConfig> & { localSite: Site }): MobilityState {
  const full: MobilityConfig = { policy: 'quarantine', flapMoves: DEFAULT_FLAP_MOVES, flapWindowMs: DEFAULT_FLAP_WINDOW_MS,
    maxHosts: 4096, verifyTimeoutMs: DEFAULT_VERIFY_TIMEOUT_MS, ...cfg };
  const err = validateMobilityConfig(full);
  if (err) throw new RangeError(err);
  return {
    cfg: full, hosts: new Map(),
    counters: { hostsNew: 0, moves: 0, macChanges: 0, failovers: 0, failbacks: 0, handovers: 0, conflicts: 0,
      quarantines: 0, resolves: 0, refused: 0, stale: 0, invalid: 0, full: 0, weakIgnored: 0, frozen: 0, gone: 0,
      withdrawn: 0, announcements: 0, verifies: 0, verifyAnswered: 0, verifySilent: 0, verifyUnknown: 0, verifyStale: 0,
      verifyWaiting: 0, unchanged: 0, pins: 0 },
    nextVerifyId: 1,
  };
}

/** Context of one step: the state, the clock value and the actions being collected. */
interface Ctx { s: MobilityState; now: number; out: MobilityAction[]; local: Site }

export function step(state: MobilityState, ev: MobilityEvent, nowMs: number): MobilityResult {
  const c: Ctx = { s: state, now: nowMs, out: [], local: state.cfg.localSite };
  switch (ev.kind) {
    case 'local-seen': localSeen(c, ev.ip, ev.mac, ev.how, ev.router === true); break;
    case 'local-gone': localGone(c, ev.ip); break;
    case 'remote-update': remoteUpdate(c, ev.entry); break;
    case 'remote-withdraw': remoteWithdraw(c, ev.ip); break;
    case 'failover': moveOp(c, 'failover', 'provider', ev); break;
    case 'failback': moveOp(c, 'failback', 'tenant', ev); break;
    case 'resolve': resolve(c, ev.ip, ev.keep); break;
    case 'verify-result': verifyResult(c, ev.ip, ev.id, ev.result, ev.mac); break;
    case 'peer-conflict': peerConflict(c, ev.ip, ev.mac, ev.reason, ev.seq); break;
  }
  return { state, actions: c.out };
}

const frozen = (r: HostRecord): boolean => r.conflict !== null && r.conflict.policy !== 'log-only';
const v6 = (ip: string): boolean => ip.includes(':');

function entryOf(r: HostRecord, extra = 0): NeighborEntry {
  return { ip: r.ip, mac: r.mac, seq: r.seq, origin: r.origin,
    flags: (r.router ? NB_ROUTER : 0) | (r.pinned ? NB_PINNED : 0) | extra };
}

function neighSet(c: Ctx, r: HostRecord): void {
  c.out.push({ kind: 'neigh-set', ip: r.ip, mac: r.mac, site: r.site, seq: r.seq, router: r.router, frozen: frozen(r) });
}

function announcement(r: HostRecord, lan: Site): Announcement {
  return { lan, ip: r.ip, mac: r.mac, frame: v6(r.ip) ? 'una' : 'garp', router: r.router };
}

function newRecord(c: Ctx, ip: string, mac: string, site: Site, seq: number, router: boolean,
  origin: NeighborOrigin): HostRecord | null {
  if (c.s.hosts.size >= c.s.cfg.maxHosts) { c.s.counters.full++; return null; }
  const r: HostRecord = { ip, mac, site, seq, router, origin, moves: [], handover: false, pinned: false, verify: null,
    conflict: null };
  c.s.hosts.set(ip, r);
  c.s.counters.hostsNew++;
  return r;
}

/** Moves (or re-states) a host: table, sharing, announcement on the LAN it left, move history. */
function moveTo(c: Ctx, r: HostRecord, to: Site, seq: number, cause: MoveCause,
  opt: { handover?: boolean; resolved?: boolean; explicit?: boolean } = {}): void {
  const from = r.site;
  r.site = to;
  r.seq = seq;
  neighSet(c, r);
  const resolved = opt.resolved ? NB_RESOLVED : 0;
  if (to === c.local) {
    c.out.push({ kind: 'share', entry: entryOf(r, resolved) });
    r.handover = false;
  } else if (opt.handover) {
    c.out.push({ kind: 'share', entry: entryOf(r, NB_HANDOVER | resolved) });
    r.handover = true;
    c.s.counters.handovers++;
  } else if (from === c.local) {
    c.out.push({ kind: 'unshare', ip: r.ip });
  }
  if (from === c.local && to !== c.local) {
    c.out.push({ kind: 'announce', ...announcement(r, c.local) });
    c.s.counters.announcements++;
  }
  if (from === to) return;
  c.s.counters.moves++;
  c.out.push({ kind: 'moved', ip: r.ip, mac: r.mac, from, to, seq, cause });
  // an operator's move (failover/failback/resolve, here or at the peer) is no flapping: it starts a
  // fresh history; only moves the appliances inferred from sightings are counted
  if (opt.explicit || cause === 'failover' || cause === 'failback' || cause === 'handover' || cause === 'resolve') {
    r.moves = [];
    return;
  }
  r.moves = r.moves.filter((m) => c.now - m.atMs < c.s.cfg.flapWindowMs);
  r.moves.push({ atMs: c.now, to });
  if (r.moves.length > c.s.cfg.flapMoves + 1) r.moves.shift();
  if (r.moves.length > c.s.cfg.flapMoves) {
    // the first move in the window went to where the second copy appeared
    raise(c, r, 'flapping', r.moves[0].to, { tenant: r.mac, provider: r.mac });
  }
}

/** Records a conflict and applies the policy. newcomer: the site whose copy appeared last;
 *  seenSeq: the highest seq in the evidence (resolve() numbers above it). */
function raise(c: Ctx, r: HostRecord, reason: ConflictReason, newcomer: Site, macs: Record<Site, string>,
  seenSeq = r.seq, seenHere = false): void {
  if (r.conflict) return;
  r.verify = null;
  r.seq = Math.max(r.seq, seenSeq);
  const policy = c.s.cfg.policy;
  const cut: Site | null = policy === 'quarantine' ? newcomer : policy === 'prefer-tenant' ? 'provider' : null;
  const quarantined = cut ? { site: cut, mac: macs[cut] } : null;
  r.conflict = { ip: r.ip, reason, detectedMs: c.now, atSeq: r.seq, macs, quarantined, policy };
  r.moves = [];
  c.s.counters.conflicts++;
  c.out.push({ kind: 'conflict', conflict: { ...r.conflict, macs: { ...macs } }, seenHere });
  if (!quarantined) return;
  c.s.counters.quarantines++;
  c.out.push({ kind: 'quarantine', ip: r.ip, ...quarantined });
  // Until resolved, the record names the copy that is kept, frozen.
  const keep = otherSite(quarantined.site);
  const wasLocal = r.site === c.local;
  r.site = keep;
  r.mac = macs[keep];
  neighSet(c, r);
  if (keep === c.local) c.out.push({ kind: 'share', entry: entryOf(r) });
  else if (wasLocal || r.handover) c.out.push({ kind: 'unshare', ip: r.ip });
  r.handover = false;
}

function clearConflict(c: Ctx, r: HostRecord): void {
  const q = r.conflict?.quarantined;
  r.conflict = null;
  r.moves = [];
  r.pinned = false;
  if (q) c.out.push({ kind: 'release', ip: r.ip, ...q });
}

const ORIGIN_OF: Record<SeenHow, NeighborOrigin> = { traffic: 'traffic', arp: 'arp', garp: 'arp', nd: 'nd', una: 'nd' };

function localSeen(c: Ctx, ip: string, mac: string, how: SeenHow, router: boolean): void {
  const k = c.s.counters;
  if (!isNeighborIp(ip) || !isNeighborMac(mac) || !(how in ORIGIN_OF)) { k.invalid++; return; }
  const origin = ORIGIN_OF[how];
  const weak = how === 'traffic';
  const r = c.s.hosts.get(ip);
  if (!r) {
    const n = newRecord(c, ip, mac, c.local, 0, origin === 'nd' && router, origin);
    if (n) { neighSet(c, n); c.out.push({ kind: 'share', entry: entryOf(n) }); }
    // a new address of a MAC pinned at the other site (the original back, e.g. its link-local
    // IPv6 address): verified against the pinned record like a sighting of its own IP
    if (weak) return;
    for (const o of c.s.hosts.values()) {
      if (o !== n && o.pinned && o.mac === mac && o.site !== c.local && !o.conflict && !o.verify) startVerify(c, o, mac, how, router);
    }
    return;
  }
  if (frozen(r)) { k.frozen++; return; }
  if (r.site === c.local) {
    if (r.mac === mac) { // refresh; a stronger origin or a new Router flag is shared
      const newRouter = origin === 'nd' ? router : r.router;
      if (!weak && (r.origin !== origin || r.router !== newRouter)) {
        r.origin = origin;
        r.router = newRouter;
        c.out.push({ kind: 'share', entry: entryOf(r) });
      }
      return;
    }
    if (weak) { k.weakIgnored++; return; } // a routed packet carries the router's MAC
    r.mac = mac;
    r.seq++;
    r.origin = origin;
    if (origin === 'nd') r.router = router;
    k.macChanges++;
    neighSet(c, r);
    c.out.push({ kind: 'share', entry: entryOf(r) });
    return;
  }
  // on record at the other site
  const macs = { [c.local]: mac, [otherSite(c.local)]: r.mac } as Record<Site, string>;
  if (r.mac === mac) {
    if (r.verify && c.now < r.verify.untilMs) { k.verifyWaiting++; return; }
    startVerify(c, r, mac, how, router); // is the copy on record still there? The peer's probe decides
    return;
  }
  if (weak) { k.weakIgnored++; return; }
  raise(c, r, 'ip-two-macs', c.local, macs);
}

function startVerify(c: Ctx, r: HostRecord, mac: string, how: SeenHow, router: boolean): void {
  const id = c.s.nextVerifyId;
  c.s.nextVerifyId = id >= 0x7fffffff ? 1 : id + 1;
  r.verify = { id, mac, how, router, untilMs: c.now + c.s.cfg.verifyTimeoutMs };
  c.s.counters.verifies++;
  c.out.push({ kind: 'verify', lan: r.site, ip: r.ip, id, mac, frame: v6(r.ip) ? 'dad-ns' : 'arp-probe' });
}

function verifyResult(c: Ctx, ip: string, id: number, result: VerifyResult, answeredMac?: string): void {
  const k = c.s.counters;
  const r = c.s.hosts.get(ip);
  if (!r || !r.verify || r.verify.id !== id) { k.verifyStale++; return; }
  const v = r.verify;
  r.verify = null;
  if (r.site === c.local || frozen(r)) { k.verifyStale++; return; } // overtaken: moved here meanwhile, or in conflict
  if (r.pinned) {
    // placed at the peer's site by an operator, and no failback/failover reached us during the
    // probe (it would have moved the record here): never a silent move back, whatever the probe says
    if (result === 'answered') k.verifyAnswered++; else if (result === 'silent') k.verifySilent++; else k.verifyUnknown++;
    raise(c, r, 'pinned', c.local, { [c.local]: v.mac, [otherSite(c.local)]: answeredMac ?? r.mac } as Record<Site, string>,
      r.seq, true);
    return;
  }
  if (result === 'answered') {
    k.verifyAnswered++;
    const there = answeredMac !== undefined && isNeighborMac(answeredMac) ? answeredMac : r.mac;
    raise(c, r, 'still-answers', c.local, { [c.local]: v.mac, [otherSite(c.local)]: there } as Record<Site, string>,
      r.seq, true);
    return;
  }
  if (result === 'silent') k.verifySilent++; else k.verifyUnknown++;
  if (r.mac !== v.mac) { k.verifyStale++; return; } // the record changed MAC meanwhile: the sighting is void
  r.origin = ORIGIN_OF[v.how];
  if (r.origin === 'nd') r.router = v.router;
  moveTo(c, r, c.local, r.seq + 1, 'seen-here');
}

/** The peer found a second copy on its LAN (verified, or its record was pinned here). */
function peerConflict(c: Ctx, ip: string, mac: string, reason: 'still-answers' | 'pinned', seq: number): void {
  const k = c.s.counters;
  if (!isNeighborIp(ip) || !isNeighborMac(mac)) { k.invalid++; return; }
  const r = c.s.hosts.get(ip);
  if (!r) return;
  if (r.conflict) { k.frozen++; return; }
  const peer = otherSite(c.local);
  raise(c, r, reason, peer, { [c.local]: r.mac, [peer]: mac } as Record<Site, string>, seq);
}

function localGone(c: Ctx, ip: string): void {
  const r = c.s.hosts.get(ip);
  if (!r || frozen(r) || r.site !== c.local) return;
  c.s.hosts.delete(ip);
  c.s.counters.gone++;
  c.out.push({ kind: 'unshare', ip }, { kind: 'neigh-del', ip });
}

function remoteUpdate(c: Ctx, e: NeighborEntry): void {
  const k = c.s.counters;
  if (!isValidEntry(e)) { k.invalid++; return; }
  const peer = otherSite(c.local);
  const router = (e.flags & NB_ROUTER) !== 0;
  let r = c.s.hosts.get(e.ip);
  if (r?.conflict && (e.flags & NB_RESOLVED) && e.seq > r.conflict.atSeq) {
    clearConflict(c, r); // the operator resolved it on the peer
    k.resolves++;
  }
  if (r && frozen(r)) { // remember the highest seq seen so resolve() numbers above it
    k.frozen++;
    r.seq = Math.max(r.seq, e.seq);
    return;
  }
  if (e.flags & NB_HANDOVER) { // the peer gives us the host at e.seq
    if (r && e.seq <= r.seq) { k.stale++; return; }
    r = r ?? newRecord(c, e.ip, e.mac, peer, 0, router, e.origin) ?? undefined;
    if (!r) return;
    r.mac = e.mac;
    r.router = router;
    r.origin = e.origin;
    r.pinned = (e.flags & NB_PINNED) !== 0;
    r.verify = null;
    moveTo(c, r, c.local, e.seq, 'handover');
    return;
  }
  if (!r) {
    const n = newRecord(c, e.ip, e.mac, peer, e.seq, router, e.origin);
    if (n) { n.pinned = (e.flags & NB_PINNED) !== 0; neighSet(c, n); }
    return;
  }
  if (r.site === peer) {
    if (r.handover && e.seq >= r.seq && e.mac === r.mac) { // the peer has taken over the host
      r.handover = false;
      c.out.push({ kind: 'unshare', ip: r.ip });
    }
    if (e.seq > r.seq || (e.seq === r.seq && e.mac === r.mac)) {
      const changed = e.seq !== r.seq || e.mac !== r.mac || router !== r.router;
      r.pinned = (e.flags & NB_PINNED) !== 0;
      r.seq = e.seq;
      r.mac = e.mac;
      r.router = router;
      r.origin = e.origin;
      if (changed) neighSet(c, r);
    } else if (e.mac !== r.mac) {
      k.stale++; // lower (or equal) seq with another MAC from the site that has it: ignored
    } // same MAC, lower seq: the peer restarted its numbering; the record stands
    return;
  }
  // the peer claims a host that lives here
  if ((e.flags & NB_RESOLVED) && e.seq > r.seq) { // an operator's resolve on the peer decides
    r.mac = e.mac;
    r.router = router;
    r.origin = e.origin;
    r.pinned = false;
    moveTo(c, r, peer, e.seq, 'resolve');
  } else if (r.pinned && e.seq > r.seq && !(e.flags & NB_PINNED)) {
    // an operator placed it here, and the claim is not the peer's own failover/failback: a second copy
    raise(c, r, 'pinned', peer, { [c.local]: r.mac, [peer]: e.mac } as Record<Site, string>, e.seq);
  } else if (e.mac !== r.mac) {
    raise(c, r, 'ip-two-macs', peer, { [c.local]: r.mac, [peer]: e.mac } as Record<Site, string>, e.seq);
  } else if (e.seq > r.seq) {
    r.router = router;
    r.origin = e.origin;
    r.pinned = (e.flags & NB_PINNED) !== 0;
    moveTo(c, r, peer, e.seq, 'seen-there', { explicit: r.pinned }); // pinned: the peer's failover/failback
  } else if (e.seq === r.seq) {
    raise(c, r, 'equal-seq', 'provider', { tenant: r.mac, provider: r.mac }); // tie: the provider copy is the newcomer
  } else {
    k.stale++; // our claim is newer; the peer receives it through the sync
  }
}

function remoteWithdraw(c: Ctx, ip: string): void {
  const r = c.s.hosts.get(ip);
  if (!r || frozen(r) || r.site === c.local || r.handover) return;
  c.s.hosts.delete(ip);
  c.s.counters.withdrawn++;
  c.out.push({ kind: 'neigh-del', ip });
}

function refuse(c: Ctx, op: MoveOp | 'resolve', ip: string, reason: RefuseReason): void {
  c.s.counters.refused++;
  c.out.push({ kind: 'refused', op, ip, reason });
}

function moveOp(c: Ctx, op: MoveOp, to: Site,
  ev: { ip: string; check?: boolean; force?: boolean; probe?: 'answered' | 'silent' }): void {
  const r = c.s.hosts.get(ev.ip);
  if (!r) return refuse(c, op, ev.ip, 'unknown-host');
  if (r.conflict) return refuse(c, op, ev.ip, 'in-conflict');
  if (r.site === to) return alreadyThere(c, op, r, to, ev.check === true);
  if (ev.check && ev.probe === undefined) { // first ask whether it still answers where it is
    c.out.push({ kind: 'probe', lan: r.site, ip: r.ip, frame: v6(r.ip) ? 'dad-ns' : 'arp-probe', reason: 'check' });
    return;
  }
  if (ev.probe === 'answered' && !ev.force) return refuse(c, op, ev.ip, 'still-answers');
  if (ev.check) {
    c.out.push({ kind: 'plan', op, ip: r.ip, from: r.site, to, seq: r.seq + 1, announcements: [announcement(r, r.site)] });
    return;
  }
  if (op === 'failover') c.s.counters.failovers++;
  else c.s.counters.failbacks++;
  r.pinned = true;
  r.verify = null;
  c.s.counters.pins++;
  moveTo(c, r, to, r.seq + 1, op, { handover: to !== c.local });
}

/** failover/failback of a host already at the target: not an error (a runbook runs it after booting
 *  the replica, which the appliances already learned). The operator's intent still pins it there:
 *  shared with NB_PINNED (at the peer's site: handed over at seq + 1, so the peer pins it too). */
function alreadyThere(c: Ctx, op: MoveOp, r: HostRecord, to: Site, check: boolean): void {
  c.s.counters.unchanged++;
  if (!check && !r.pinned) {
    r.pinned = true;
    r.verify = null;
    c.s.counters.pins++;
    if (to === c.local) c.out.push({ kind: 'share', entry: entryOf(r) });
    else moveTo(c, r, to, r.seq + 1, op, { handover: true });
  }
  c.out.push({ kind: 'unchanged', op, ip: r.ip, site: to });
}

function resolve(c: Ctx, ip: string, keep: Site): void {
  if (keep !== 'tenant' && keep !== 'provider') return refuse(c, 'resolve', ip, 'bad-site');
  const r = c.s.hosts.get(ip);
  if (!r || !r.conflict) return refuse(c, 'resolve', ip, 'no-conflict');
  const mac = r.conflict.macs[keep];
  clearConflict(c, r);
  c.s.counters.resolves++;
  r.mac = mac;
  moveTo(c, r, keep, r.seq + 1, 'resolve', { handover: keep !== c.local, resolved: true });
  c.out.push({ kind: 'resolved', ip, keep, seq: r.seq });
}

/** Conflicts and counters for `bridgehead status`. */
export function mobilityStatus(s: MobilityState): { hosts: number; conflicts: Conflict[]; counters: MobilityCounters } {
  const conflicts: Conflict[] = [];
  for (const r of s.hosts.values()) if (r.conflict) conflicts.push({ ...r.conflict, macs: { ...r.conflict.macs } });
  return { hosts: s.hosts.size, conflicts, counters: { ...s.counters } };
}
