// Host mobility for partial failover, as a pure state machine: step(state, event, nowMs) ->
// { state, actions }. One instance per appliance; `localSite` names the site it serves. The state
// holds a bounded Map and is updated in place; step returns the same object.
//
//   sites:   named (SiteName); each appliance keeps the records of every site. Events from a peer
//            carry its site (`from`; absent: the one other site of a two-site deployment, whose
//            names are the roles tenant/provider). `setSite` tells the machine a peer's role
//            (prefer-tenant, the default target of failover/failback). A record names the site the
//            host is at by the highest seq; a claim from site F at a higher seq moves it to F
//            whether it was here, at F or at a third site; an equal seq from two other sites is a
//            tie broken by name (the lower name keeps it), which those two sites report as a conflict.
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

import { isSiteName, type ConflictPolicy, type Site as Role, type SiteName } from '../config/site';
/** A site's name (two-site deployments: tenant | provider). */
export type Site = SiteName;
export type { ConflictPolicy, Role };
export type ConflictReason = 'ip-two-macs' | 'equal-seq' | 'flapping' | 'still-answers' | 'pinned';
export type VerifyResult = 'answered' | 'silent' | 'unknown';
export type SeenHow = 'traffic' | 'arp' | 'nd' | 'garp' | 'una';
export type MoveCause = 'seen-here' | 'seen-there' | 'failover' | 'failback' | 'handover' | 'resolve';
export type MoveOp = 'failover' | 'failback';
export type RefuseReason = 'unknown-host' | 'already-there' | 'in-conflict' | 'still-answers' | 'no-conflict' | 'bad-site' |
  'need-site';

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
  /** the hub of a hub layout: records of other sites are passed on to the other peers (docs/INTERNALS.md 5.7) */
  relay?: boolean;
}

export interface Conflict {
  ip: string;
  reason: ConflictReason;
  detectedMs: number;
  atSeq: number;                                   // seq of the record when detected
  /** [the site the host was on record at, the site of the new sighting/claim] */
  sites: [Site, Site];
  macs: Record<Site, string>;                      // the copy at each of the two sites
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
  moves: Array<{ atMs: number; from: Site; to: Site }>; // within the flap window, at most flapMoves + 1
  handover: boolean;     // we share a handover entry for it until the peer confirms
  pinned: boolean;       // placed by failover/failback: a sighting at the other site is a conflict
  verify: PendingVerify | null; // seen here while on record at another site: that site probes
  conflict: Conflict | null;
  via?: Site | null;     // at a site that is not a peer: the peer (hub) that passed the record on
  relayedHandover?: boolean; // a hub passed on a handover to r.site: withdrawn from it once it confirms
}

export interface PendingVerify { id: number; mac: string; how: SeenHow; router: boolean; untilMs: number }

export interface MobilityCounters {
  hostsNew: number; moves: number; macChanges: number; failovers: number; failbacks: number; handovers: number;
  conflicts: number; quarantines: number; resolves: number; refused: number; stale: number; invalid: number;
  full: number; weakIgnored: number; frozen: number; gone: number; withdrawn: number; announcements: number;
  verifies: number; verifyAnswered: number; verifySilent: number; verifyUnknown: number; verifyStale: number;
  verifyWaiting: number; unchanged: number; pins: number; ties: number; noSite: number;
}

export interface MobilityState { cfg: MobilityConfig; hosts: Map<string, HostRecord>; counters: MobilityCounters;
  nextVerifyId: number;
  /** the sites known besides ours, with their role (setSite); bounded by the peers */
  sites: Map<Site, Role>;
  /** sites known only from records a hub passed on (no role); bounded by MAX_SITES */
  relayedSites: Set<Site>;
  localRole: Role }

export type MobilityEvent =
  | { kind: 'local-seen'; ip: string; mac: string; how: SeenHow; router?: boolean }
  | { kind: 'local-gone'; ip: string }                    // the data plane aged it out
  | { kind: 'remote-update'; entry: NeighborEntry; from?: Site }  // neighbor-sync remote-upsert of site `from`
  | { kind: 'remote-withdraw'; ip: string; from?: Site }
  /** to: the target site (absent: failover -> the provider's site, failback -> the tenant's, when unique) */
  | { kind: MoveOp; ip: string; to?: Site; check?: boolean; force?: boolean; probe?: 'answered' | 'silent' }
  /** keep: a site name, or a role naming one of the two sites in conflict */
  | { kind: 'resolve'; ip: string; keep: Site }
  | { kind: 'verify-result'; ip: string; id: number; result: VerifyResult; mac?: string }
  /** site `from` found a second copy (MAC mac) on its LAN while we have the host: seq = its record's */
  | { kind: 'peer-conflict'; ip: string; mac: string; reason: 'still-answers' | 'pinned'; seq: number; from?: Site };

export interface Announcement { lan: Site; ip: string; mac: string; frame: 'garp' | 'una'; router: boolean }

export type MobilityAction =
  /** via: the peer (hub) through which `site` is reached when it is not a peer */
  | { kind: 'neigh-set'; ip: string; mac: string; site: Site; seq: number; router: boolean; frozen: boolean; via?: Site }
  | { kind: 'neigh-del'; ip: string }
  /** only: share with that site alone (a handover); except: with every peer but those (a hub's pass-on) */
  | { kind: 'share'; entry: NeighborEntry; only?: Site; except?: Site[] }
  | { kind: 'unshare'; ip: string; only?: Site }
  | ({ kind: 'announce' } & Announcement)
  | { kind: 'probe'; lan: Site; ip: string; frame: 'arp-probe' | 'dad-ns'; reason: 'check' }
  /** probe `lan` (the site on record) for ip and answer with verify-result {ip, id}; mac: the copy seen here */
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

/** The other site of a two-site deployment (its names are the roles). */
export const otherSite = (s: Site): Site => (s === 'tenant' ? 'provider' : 'tenant');

export const MAX_SITES = 64;

export function validateMobilityConfig(c: MobilityConfig): string | null {
  if (!isSiteName(c.localSite)) return `localSite ${String(c.localSite)} is not a site name`;
  if (!['quarantine', 'log-only', 'prefer-tenant'].includes(c.policy)) return `policy ${String(c.policy)} is not quarantine|log-only|prefer-tenant`;
  if (!Number.isInteger(c.flapMoves) || c.flapMoves < 1 || c.flapMoves > 1000) return `flapMoves ${c.flapMoves} out of range 1..1000`;
  if (!Number.isInteger(c.flapWindowMs) || c.flapWindowMs < 1 || c.flapWindowMs > 86_400_000) return `flapWindowMs ${c.flapWindowMs} out of range`;
  if (!Number.isInteger(c.maxHosts) || c.maxHosts < 1 || c.maxHosts > 1 << 22) return `maxHosts ${c.maxHosts} out of range`;
  if (!Number.isInteger(c.verifyTimeoutMs) || c.verifyTimeoutMs < 1 || c.verifyTimeoutMs > 600_000) return `verifyTimeoutMs ${c.verifyTimeoutMs} out of range`;
  return null;
}

/** localRole: the role of this site (default: its name when that is tenant|provider, else tenant). */
export function initialMobility(cfg: Partial<MobilityConfig> & { localSite: Site }, localRole?: Role): MobilityState {
  const full: MobilityConfig = { policy: 'quarantine', flapMoves: DEFAULT_FLAP_MOVES, flapWindowMs: DEFAULT_FLAP_WINDOW_MS,
    maxHosts: 4096, verifyTimeoutMs: DEFAULT_VERIFY_TIMEOUT_MS, ...cfg };
  const err = validateMobilityConfig(full);
  if (err) throw new RangeError(err);
  return {
    cfg: full, hosts: new Map(),
    counters: { hostsNew: 0, moves: 0, macChanges: 0, failovers: 0, failbacks: 0, handovers: 0, conflicts: 0,
      quarantines: 0, resolves: 0, refused: 0, stale: 0, invalid: 0, full: 0, weakIgnored: 0, frozen: 0, gone: 0,
      withdrawn: 0, announcements: 0, verifies: 0, verifyAnswered: 0, verifySilent: 0, verifyUnknown: 0, verifyStale: 0,
      verifyWaiting: 0, unchanged: 0, pins: 0, ties: 0, noSite: 0 },
    nextVerifyId: 1, sites: new Map(), relayedSites: new Set(),
    localRole: localRole ?? (full.localSite === 'provider' ? 'provider' : 'tenant'),
  };
}

/** A peer's site and its role (fo-site); false when the name is not valid, is ours, or too many. */
export function setSite(s: MobilityState, name: Site, role: Role): boolean {
  if (!isSiteName(name) || name === s.cfg.localSite) return false;
  if (!s.sites.has(name) && s.sites.size >= MAX_SITES) return false;
  s.sites.set(name, role);
  return true;
}

/** The role of a site: ours, a peer's (setSite), or its name when that is a role. */
export function roleOf(s: MobilityState, site: Site): Role | null {
  if (site === s.cfg.localSite) return s.localRole;
  return s.sites.get(site) ?? (site === 'tenant' || site === 'provider' ? site : null);
}

/** Every known site: ours and the peers'. Two-site alias: without peers, the other role's name. */
function knownSites(s: MobilityState): Site[] {
  const all = [s.cfg.localSite, ...s.sites.keys(), ...[...s.relayedSites].filter((x) => !s.sites.has(x))];
  if (s.sites.size === 0 && (s.cfg.localSite === 'tenant' || s.cfg.localSite === 'provider')) all.push(otherSite(s.cfg.localSite));
  return all;
}

/** A site argument: a known site's name, or a role held by exactly one known site. */
export function siteByName(s: MobilityState, arg: Site): { site: Site } | { error: 'bad-site' | 'need-site' } {
  const known = knownSites(s);
  if (known.includes(arg)) return { site: arg };
  if (arg !== 'tenant' && arg !== 'provider') return { error: 'bad-site' };
  const withRole = known.filter((x) => roleOf(s, x) === arg);
  return withRole.length === 1 ? { site: withRole[0] } : { error: withRole.length === 0 ? 'bad-site' : 'need-site' };
}

/** The entries this site shares (a new peer's neighbor sync starts with them). */
export function localEntries(s: MobilityState): NeighborEntry[] {
  const out: NeighborEntry[] = [];
  for (const r of s.hosts.values()) if (r.site === s.cfg.localSite) out.push(entryOf(r));
  return out;
}

/** A hub's records of other sites for the peer serving `forSite` (split horizon: not its own). */
export function relayedEntries(s: MobilityState, forSite: Site): NeighborEntry[] {
  const out: NeighborEntry[] = [];
  if (!s.cfg.relay) return out;
  for (const r of s.hosts.values()) {
    if (r.site !== s.cfg.localSite && r.site !== forSite && r.via !== forSite) out.push({ ...entryOf(r), site: r.site });
  }
  return out;
}

/** A peer site went away (unpaired): its hosts, and those reached through it, are forgotten
 *  (neigh-del; a hub withdraws what it passed on), conflicts released. */
export function forgetSite(s: MobilityState, site: Site): MobilityAction[] {
  const out: MobilityAction[] = [];
  for (const r of [...s.hosts.values()]) {
    if (r.conflict && r.conflict.sites.includes(site)) {
      const q = r.conflict.quarantined;
      r.conflict = null;
      if (q) out.push({ kind: 'release', ip: r.ip, ...q });
    }
    if (r.site === site || r.via === site) {
      s.hosts.delete(r.ip);
      out.push({ kind: 'neigh-del', ip: r.ip });
      if (s.cfg.relay) out.push({ kind: 'unshare', ip: r.ip });
    }
  }
  s.sites.delete(site);
  s.relayedSites.delete(site);
  return out;
}

/** Context of one step: the state, the clock value and the actions being collected. */
interface Ctx { s: MobilityState; now: number; out: MobilityAction[]; local: Site; via: Site | null }

/** The site a peer's event comes from: given, or the other site of a two-site deployment. */
function fromSite(c: Ctx, from: Site | undefined): Site | null {
  if (from !== undefined) return isSiteName(from) && from !== c.local ? from : null;
  if (c.s.sites.size === 1) return [...c.s.sites.keys()][0];
  return c.local === 'tenant' || c.local === 'provider' ? otherSite(c.local) : null;
}

export function step(state: MobilityState, ev: MobilityEvent, nowMs: number): MobilityResult {
  const c: Ctx = { s: state, now: nowMs, out: [], local: state.cfg.localSite, via: null };
  const peerEvent = ev.kind === 'remote-update' || ev.kind === 'remote-withdraw' || ev.kind === 'peer-conflict';
  const from = peerEvent ? fromSite(c, (ev as { from?: Site }).from) : null;
  if (peerEvent && from === null) { state.counters.noSite++; return { state, actions: [] }; }
  switch (ev.kind) {
    case 'local-seen': localSeen(c, ev.ip, ev.mac, ev.how, ev.router === true); break;
    case 'local-gone': localGone(c, ev.ip); break;
    case 'remote-update': remoteUpdate(c, ev.entry, from!); break;
    case 'remote-withdraw': remoteWithdraw(c, ev.ip, from!); break;
    case 'failover': moveOp(c, 'failover', ev); break;
    case 'failback': moveOp(c, 'failback', ev); break;
    case 'resolve': resolve(c, ev.ip, ev.keep); break;
    case 'verify-result': verifyResult(c, ev.ip, ev.id, ev.result, ev.mac); break;
    case 'peer-conflict': peerConflict(c, ev.ip, ev.mac, ev.reason, ev.seq, from!); break;
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
  const via = r.site === c.local ? null : r.via ?? null;
  c.out.push({ kind: 'neigh-set', ip: r.ip, mac: r.mac, site: r.site, seq: r.seq, router: r.router, frozen: frozen(r),
    ...(via !== null ? { via } : {}) });
}

function announcement(r: HostRecord, lan: Site): Announcement {
  return { lan, ip: r.ip, mac: r.mac, frame: v6(r.ip) ? 'una' : 'garp', router: r.router };
}

const pair = (a: Site, am: string, b: Site, bm: string): Record<Site, string> => ({ [a]: am, [b]: bm });

/** Of two sites claiming a host at the same seq, the one whose copy counts as the newcomer: the
 *  provider's when the roles differ (two sites: as before), else the higher name. */
function tieLoser(c: Ctx, a: Site, b: Site): Site {
  const ra = roleOf(c.s, a), rb = roleOf(c.s, b);
  if (ra !== rb) return ra === 'provider' ? a : b;
  return a > b ? a : b;
}

function newRecord(c: Ctx, ip: string, mac: string, site: Site, seq: number, router: boolean,
  origin: NeighborOrigin): HostRecord | null {
  if (c.s.hosts.size >= c.s.cfg.maxHosts) { c.s.counters.full++; return null; }
  const r: HostRecord = { ip, mac, site, seq, router, origin, moves: [], handover: false, pinned: false, verify: null,
    conflict: null, via: site === c.local ? null : c.via, relayedHandover: false };
  c.s.hosts.set(ip, r);
  c.s.counters.hostsNew++;
  return r;
}

/** Moves (or re-states) a host: table, sharing, announcement on the LAN it left, move history.
 *  A handover (an operator's move to another site) is shared with the target site only: it adopts
 *  the host and shares it with everyone at this seq, which moves it at every other site. Our own
 *  claim stays shared until then (a third site never lacks a record) and is withdrawn from every
 *  peer once the target confirms (remoteUpdate) or the handover is overtaken. */
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
    c.out.push({ kind: 'share', entry: entryOf(r, NB_HANDOVER | resolved), only: to });
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
  // an operator's move (failover/failback/resolve, here or at another site) is no flapping: it
  // starts a fresh history; only moves the appliances inferred from sightings are counted
  if (opt.explicit || cause === 'failover' || cause === 'failback' || cause === 'handover' || cause === 'resolve') {
    r.moves = [];
    return;
  }
  r.moves = r.moves.filter((m) => c.now - m.atMs < c.s.cfg.flapWindowMs);
  r.moves.push({ atMs: c.now, from, to });
  if (r.moves.length > c.s.cfg.flapMoves + 1) r.moves.shift();
  if (r.moves.length > c.s.cfg.flapMoves) {
    // the first move in the window went to where the second copy appeared
    const m = r.moves[0];
    raise(c, r, 'flapping', m.to, pair(m.from, r.mac, m.to, r.mac));
  }
}

/** Records a conflict and applies the policy. newcomer: the site whose copy appeared last; macs:
 *  the copy at each of the two sites (newcomer's and the other's); seenSeq: the highest seq in the
 *  evidence (resolve() numbers above it). */
function raise(c: Ctx, r: HostRecord, reason: ConflictReason, newcomer: Site, macs: Record<Site, string>,
  seenSeq = r.seq, seenHere = false): void {
  if (r.conflict) return;
  const other = Object.keys(macs).find((x) => x !== newcomer) ?? newcomer;
  r.verify = null;
  r.seq = Math.max(r.seq, seenSeq);
  const policy = c.s.cfg.policy;
  let cut: Site | null = null;
  if (policy === 'quarantine') cut = newcomer;
  else if (policy === 'prefer-tenant') cut = roleOf(c.s, newcomer) === roleOf(c.s, other) ? newcomer
    : roleOf(c.s, newcomer) === 'provider' ? newcomer : other;
  const quarantined = cut ? { site: cut, mac: macs[cut] } : null;
  r.conflict = { ip: r.ip, reason, detectedMs: c.now, atSeq: r.seq, sites: [other, newcomer], macs, quarantined, policy };
  r.moves = [];
  c.s.counters.conflicts++;
  c.out.push({ kind: 'conflict', conflict: { ...r.conflict, sites: [other, newcomer], macs: { ...macs } }, seenHere });
  if (!quarantined) return;
  c.s.counters.quarantines++;
  c.out.push({ kind: 'quarantine', ip: r.ip, ...quarantined });
  // Until resolved, the record names the copy that is kept, frozen.
  const keep = cut === newcomer ? other : newcomer;
  const wasLocal = r.site === c.local;
  const handedTo = r.handover ? r.site : null;
  r.site = keep;
  r.mac = macs[keep];
  neighSet(c, r);
  if (keep === c.local) c.out.push({ kind: 'share', entry: entryOf(r) });
  else if (wasLocal) c.out.push({ kind: 'unshare', ip: r.ip });
  else if (handedTo) c.out.push({ kind: 'unshare', ip: r.ip });
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
    // a new address of a MAC pinned at another site (the original back, e.g. its link-local
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
  // on record at another site
  if (r.mac === mac) {
    if (r.verify && c.now < r.verify.untilMs) { k.verifyWaiting++; return; }
    startVerify(c, r, mac, how, router); // is the copy on record still there? That site's probe decides
    return;
  }
  if (weak) { k.weakIgnored++; return; }
  raise(c, r, 'ip-two-macs', c.local, pair(r.site, r.mac, c.local, mac));
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
    // placed at another site by an operator, and no failover/failback reached us during the
    // probe (it would have moved the record here): never a silent move back, whatever the probe says
    if (result === 'answered') k.verifyAnswered++; else if (result === 'silent') k.verifySilent++; else k.verifyUnknown++;
    raise(c, r, 'pinned', c.local, pair(r.site, answeredMac ?? r.mac, c.local, v.mac), r.seq, true);
    return;
  }
  if (result === 'answered') {
    k.verifyAnswered++;
    const there = answeredMac !== undefined && isNeighborMac(answeredMac) ? answeredMac : r.mac;
    raise(c, r, 'still-answers', c.local, pair(r.site, there, c.local, v.mac), r.seq, true);
    return;
  }
  if (result === 'silent') k.verifySilent++; else k.verifyUnknown++;
  if (r.mac !== v.mac) { k.verifyStale++; return; } // the record changed MAC meanwhile: the sighting is void
  r.origin = ORIGIN_OF[v.how];
  if (r.origin === 'nd') r.router = v.router;
  moveTo(c, r, c.local, r.seq + 1, 'seen-here');
}

/** Site `from` found a second copy on its LAN (verified, or its record was pinned here). */
function peerConflict(c: Ctx, ip: string, mac: string, reason: 'still-answers' | 'pinned', seq: number, from: Site): void {
  const k = c.s.counters;
  if (!isNeighborIp(ip) || !isNeighborMac(mac)) { k.invalid++; return; }
  const r = c.s.hosts.get(ip);
  if (!r) return;
  if (r.conflict) { k.frozen++; return; }
  raise(c, r, reason, from, pair(r.site === from ? c.local : r.site, r.mac, from, mac), seq);
}

function localGone(c: Ctx, ip: string): void {
  const r = c.s.hosts.get(ip);
  if (!r || frozen(r) || r.site !== c.local) return;
  c.s.hosts.delete(ip);
  c.s.counters.gone++;
  c.out.push({ kind: 'unshare', ip }, { kind: 'neigh-del', ip });
}

function adopt(c: Ctx, r: HostRecord, e: NeighborEntry, router: boolean): void {
  r.via = c.via;
  r.mac = e.mac;
  r.router = router;
  r.origin = e.origin;
  r.pinned = (e.flags & NB_PINNED) !== 0;
}

/** Peer `peer` shares entry e: a host of its site (or handed over to us), or, from a hub, a host
 *  of site e.site passed on (or a handover to e.site passed on). A hub passes on every record of
 *  another site it updates, with that site's name and seq, to its peers but that site and the
 *  sender (split horizon; its neighbor syncs drop what did not change, so nothing loops). */
function remoteUpdate(c: Ctx, e: NeighborEntry, peer: Site): void {
  const k = c.s.counters;
  if (!isValidEntry(e)) { k.invalid++; return; }
  const handover = (e.flags & NB_HANDOVER) !== 0;
  if (e.site === undefined || (e.site === c.local && handover)) {
    const { site: _drop, ...plain } = e;
    remoteUpdateAt(c, plain, peer);
  } else if (e.site === c.local) {
    k.stale++; // our own host passed back to us: an echo
    return;
  } else if (handover) {
    passHandover(c, e, e.site, peer);
  } else {
    if (!c.s.sites.has(e.site) && !c.s.relayedSites.has(e.site)) {
      if (c.s.relayedSites.size >= MAX_SITES) { k.noSite++; return; }
      c.s.relayedSites.add(e.site);
    }
    c.via = peer;
    const { site: at, ...plain } = e;
    remoteUpdateAt(c, plain, at);
  }
  const r = c.s.hosts.get(e.ip);
  if (c.s.cfg.relay && r && r.site !== c.local) {
    // an operator's resolve travels on (the spokes clear their conflict on it)
    const resolved = (e.flags & NB_RESOLVED) !== 0 && e.seq === r.seq && !r.conflict ? NB_RESOLVED : 0;
    c.out.push({ kind: 'share', entry: { ...entryOf(r, resolved), site: r.site }, except: [r.site, peer] });
  }
}

/** A handover to site `to` (not ours) passed through us: the host moves there at e.seq; a hub
 *  passes the handover on to that site alone (as its own) and withdraws it once the site confirms. */
function passHandover(c: Ctx, e: NeighborEntry, to: Site, peer: Site): void {
  const router = (e.flags & NB_ROUTER) !== 0;
  let r = c.s.hosts.get(e.ip);
  if (r?.conflict && (e.flags & NB_RESOLVED) && e.seq > r.conflict.atSeq) { clearConflict(c, r); c.s.counters.resolves++; }
  if (r && frozen(r)) { c.s.counters.frozen++; r.seq = Math.max(r.seq, e.seq); return; }
  if (r && e.seq <= r.seq) { c.s.counters.stale++; return; }
  c.via = c.s.sites.has(to) ? null : peer;
  r = r ?? newRecord(c, e.ip, e.mac, to, e.seq, router, e.origin) ?? undefined;
  if (!r) return;
  if (r.handover && r.site !== c.local) c.out.push({ kind: 'unshare', ip: r.ip }); // ours was overtaken
  r.handover = false;
  adopt(c, r, e, router);
  r.verify = null;
  moveTo(c, r, to, e.seq, 'handover');
  if (c.s.cfg.relay && c.s.sites.has(to)) {
    const { site: _to, ...plain } = e;
    c.out.push({ kind: 'share', entry: plain, only: to });
    r.relayedHandover = true;
  }
}

function remoteUpdateAt(c: Ctx, e: NeighborEntry, peer: Site): void {
  const k = c.s.counters;
  const router = (e.flags & NB_ROUTER) !== 0;
  let r = c.s.hosts.get(e.ip);
  if (r?.conflict && (e.flags & NB_RESOLVED) && e.seq > r.conflict.atSeq) {
    clearConflict(c, r); // the operator resolved it at another site
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
    if (r.handover && r.site !== c.local) c.out.push({ kind: 'unshare', ip: r.ip }); // ours to a third site: overtaken
    adopt(c, r, e, router);
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
      c.out.push({ kind: 'unshare', ip: r.ip }); // the handover, and our earlier claim at the other sites
    }
    if (r.relayedHandover && e.seq >= r.seq && e.mac === r.mac) { // the handover we passed on is taken
      r.relayedHandover = false;
      c.out.push({ kind: 'unshare', ip: r.ip, only: peer });
    }
    if (e.seq > r.seq || (e.seq === r.seq && e.mac === r.mac)) {
      const changed = e.seq !== r.seq || e.mac !== r.mac || router !== r.router;
      adopt(c, r, e, router);
      r.seq = e.seq;
      if (changed) neighSet(c, r);
    } else if (e.mac !== r.mac) {
      k.stale++; // lower (or equal) seq with another MAC from the site that has it: ignored
    } // same MAC, lower seq: the peer restarted its numbering; the record stands
    return;
  }
  if (r.site !== c.local) { // on record at a third site T: the higher seq wins, a tie goes by name
    const third = r.site;
    const resolved = (e.flags & NB_RESOLVED) !== 0;
    if (e.seq > r.seq) {
      if (r.handover) c.out.push({ kind: 'unshare', ip: r.ip }); // our handover to T was overtaken
      r.handover = false;
      r.verify = null;
      adopt(c, r, e, router);
      moveTo(c, r, peer, e.seq, resolved ? 'resolve' : 'seen-there', { explicit: r.pinned });
    } else if (e.seq === r.seq && e.mac === r.mac && tieLoser(c, third, peer) === third && !r.handover) {
      k.ties++; // the same seq claimed by two other sites: they report the conflict; we follow the lower name
      adopt(c, r, e, router);
      moveTo(c, r, peer, e.seq, 'seen-there', { explicit: true });
    } else {
      k.stale++;
    }
    return;
  }
  // the peer claims a host that lives here
  if ((e.flags & NB_RESOLVED) && e.seq > r.seq) { // an operator's resolve on the peer decides
    adopt(c, r, e, router);
    r.pinned = false;
    moveTo(c, r, peer, e.seq, 'resolve');
  } else if (r.pinned && e.seq > r.seq && !(e.flags & NB_PINNED)) {
    // an operator placed it here, and the claim is not the peer's own failover/failback: a second copy
    raise(c, r, 'pinned', peer, pair(c.local, r.mac, peer, e.mac), e.seq);
  } else if (e.mac !== r.mac) {
    raise(c, r, 'ip-two-macs', peer, pair(c.local, r.mac, peer, e.mac), e.seq);
  } else if (e.seq > r.seq) {
    r.via = c.via;
    r.router = router;
    r.origin = e.origin;
    r.pinned = (e.flags & NB_PINNED) !== 0;
    moveTo(c, r, peer, e.seq, 'seen-there', { explicit: r.pinned }); // pinned: an operator's move
  } else if (e.seq === r.seq) {
    // tie: the provider's copy (two sites), else the higher name, is the newcomer
    raise(c, r, 'equal-seq', tieLoser(c, c.local, peer), pair(c.local, r.mac, peer, r.mac));
  } else {
    k.stale++; // our claim is newer; the peer receives it through the sync
  }
}

function remoteWithdraw(c: Ctx, ip: string, peer: Site): void {
  const r = c.s.hosts.get(ip);
  // only the site it is at withdraws it, or the hub that passed it on
  if (!r || frozen(r) || (r.site !== peer && r.via !== peer) || r.handover) return;
  c.s.hosts.delete(ip);
  c.s.counters.withdrawn++;
  c.out.push({ kind: 'neigh-del', ip });
  if (c.s.cfg.relay) c.out.push({ kind: 'unshare', ip }); // what we passed on
}

function refuse(c: Ctx, op: MoveOp | 'resolve', ip: string, reason: RefuseReason): void {
  c.s.counters.refused++;
  c.out.push({ kind: 'refused', op, ip, reason });
}

function moveOp(c: Ctx, op: MoveOp,
  ev: { ip: string; to?: Site; check?: boolean; force?: boolean; probe?: 'answered' | 'silent' }): void {
  const target = siteByName(c.s, ev.to ?? (op === 'failover' ? 'provider' : 'tenant'));
  if ('error' in target) return refuse(c, op, ev.ip, target.error);
  const to = target.site;
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
 *  shared with NB_PINNED (at another site: handed over at seq + 1, so every site pins it too). */
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

function resolve(c: Ctx, ip: string, keepArg: Site): void {
  if (!isSiteName(keepArg)) return refuse(c, 'resolve', ip, 'bad-site');
  const r = c.s.hosts.get(ip);
  if (!r || !r.conflict) return refuse(c, 'resolve', ip, 'no-conflict');
  // a role names the one site of the two in conflict that has it
  const sites = r.conflict.sites;
  let keep: Site | undefined = sites.find((x) => x === keepArg);
  if (!keep && (keepArg === 'tenant' || keepArg === 'provider')) {
    const withRole = sites.filter((x) => roleOf(c.s, x) === keepArg);
    if (withRole.length > 1) return refuse(c, 'resolve', ip, 'need-site');
    keep = withRole[0];
  }
  if (!keep) return refuse(c, 'resolve', ip, 'bad-site');
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
  for (const r of s.hosts.values()) if (r.conflict) conflicts.push({ ...r.conflict, sites: [...r.conflict.sites], macs: { ...r.conflict.macs } });
  return { hosts: s.hosts.size, conflicts, counters: { ...s.counters } };
}
