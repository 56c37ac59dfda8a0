// Neighbor sync between the two appliances, as a pure state machine:
// step(state, event, nowMs) -> { state, actions }. No I/O, no clock, no randomness (the caller
// passes a random epoch with 'session-up'). The state holds bounded Maps and is updated in place;
// step returns the same object.
//
//   sender:   local-upsert / local-withdraw -> `local` (what we share) + `pending` (changes not yet
//             sent, coalesced per IP) -> pump: update messages of <= 14 items, numbered n = 1, 2, ...
//             within the epoch, at most `window` unacknowledged -> resent with backoff until acked
//             (at once when FAST_RESEND_ACKS later updates were acknowledged meanwhile)
//   receiver: nb-up -> epoch check -> reorder buffer (bounded) -> applied strictly in order ->
//             `remote` (the peer's entries) -> remote-upsert / remote-withdraw actions; every update
//             received is acknowledged by its number (selective acks)
//   full sync: on session-up (new epoch), on a resync request, and when `pending` overflows: the
//             first message carries NB_BEGIN, the one that drains `pending` carries NB_END; the
//             receiver withdraws every entry of the peer that was not re-announced in between.
//             A BEGIN supersedes everything numbered before it, so the receiver may jump to it.
//   resync:   a receiver that cannot follow the sender's epoch asks for a full sync ('nb-resync',
//             at most once per resyncHoldoffMs and epoch named):
//             - no BEGIN of the epoch within resyncHoldoffMs (it restarted or lost state; early
//               updates wait meanwhile);
//             - the epoch is one it has retired (it followed a late BEGIN of an older epoch);
//             - a gap in the numbering unfilled for stuckMs (updates acknowledged by a previous
//               incarnation of itself are never resent);
//             - with e = 0, while it holds no epoch of the peer at all (after session-up).
//             The sender answers with a new epoch (the next number), which the receiver has never
//             retired; it ignores e = 0 while nothing of its current epoch was acknowledged yet.
//
// Loss, duplication and reordering of any message are handled: lost updates are resent, lost acks
// cause a resend that is acknowledged again, duplicates are acknowledged and ignored, early updates
// wait in the reorder buffer, stale epochs are ignored.

import {
  MAX_MSG_N, MAX_NEIGHBOR_ITEMS, MAX_NEIGHBOR_MESSAGE, MAX_U32, NB_BEGIN, NB_END, isValidEntry, updateBytes,
  type NbUpdate, type NeighborEntry, type NeighborMessage,
} from './neighbor-messages';

export const MAX_WINDOW = 32;      // the receiver buffers up to this many updates ahead
export const RETIRED_EPOCHS = 8;   // old epochs of the peer remembered (their late messages are ignored);
                                   // also the size of the per-epoch resync rate limiter

export interface NeighborSyncConfig {
  localCapacity: number;    // entries we share
  remoteCapacity: number;   // entries of the peer we keep
  pendingCapacity: number;  // queued changes; beyond it the queue collapses into a full sync (> localCapacity)
  window: number;           // unacknowledged updates in flight, 1..MAX_WINDOW
  rtoMs: number;            // first resend after this, doubling up to maxRtoMs
  maxRtoMs: number;
  resyncHoldoffMs: number;  // minimum gap between two resync requests we send
  stuckMs: number;          // a numbering gap not filled for this long means we cannot follow
}

export const DEFAULT_NEIGHBOR_SYNC: NeighborSyncConfig = {
  localCapacity: 4096, remoteCapacity: 4096, pendingCapacity: 5120, window: 8, rtoMs: 1000, maxRtoMs: 8000,
  resyncHoldoffMs: 2000, stuckMs: 30_000,
};

export interface NeighborSyncCounters {
  updatesSent: number; updatesResent: number; acksReceived: number; acksStale: number;
  updatesReceived: number; updatesApplied: number; duplicates: number; outOfWindow: number;
  staleEpoch: number; unknownEpoch: number; jumps: number;
  resyncsSent: number; resyncsHonored: number; resyncsIgnored: number; fastResends: number;
  fullSyncs: number; pendingCollapsed: number; localFull: number; remoteFull: number; invalid: number;
  remoteUpserts: number; remoteWithdrawals: number; swept: number; epochExhausted: number;
}

interface InFlight { msg: NbUpdate; nextMs: number; rtoMs: number; tries: number; laterAcks: number }
export const FAST_RESEND_ACKS = 3; // acks of later updates that mean an update was lost (resent at once)

export interface NeighborSyncState {
  cfg: NeighborSyncConfig;
  up: boolean;
  // sender
  local: Map<string, NeighborEntry>;
  pending: Map<string, NeighborEntry | null>; // null = withdrawal
  txEpoch: number;           // 0 = none yet
  nextN: number;
  needBegin: boolean;
  syncOpen: boolean;         // a full sync is being sent (its END not yet)
  syncBeginN: number;        // number of the latest BEGIN update
  inflight: Map<number, InFlight>;
  acksInEpoch: number;       // acknowledgements received for the current epoch
  // receiver
  rxEpoch: number;           // 0 = none
  rxNext: number;
  lastProgressMs: number;    // when rxNext last advanced (or the reorder buffer last became non-empty)
  reorder: Map<number, NbUpdate>;
  retired: number[];
  candidate: { e: number; firstMs: number; early: Map<number, NbUpdate> } | null; // early updates of an unknown epoch
  remote: Map<string, NeighborEntry>;
  sweep: Set<string> | null; // the peer's entries not re-announced since the current full sync began
  resyncLog: Array<{ e: number; atMs: number }>; // resync requests sent, per epoch named (bounded)
  counters: NeighborSyncCounters;
}

export type NeighborSyncEvent =
  | { kind: 'session-up'; epoch: number }       // epoch: random, 1 .. 2^32-1, new for every session
  | { kind: 'session-down' }
  | { kind: 'local-upsert'; entry: NeighborEntry }
  | { kind: 'local-withdraw'; ip: string }
  | { kind: 'message'; msg: NeighborMessage }    // decoded 'nb-*' message from the peer
  | { kind: 'tick' };                            // a few times a second: resends, queued changes

export type NeighborSyncAction =
  | { kind: 'send'; msg: NeighborMessage }
  | { kind: 'remote-upsert'; entry: NeighborEntry }
  | { kind: 'remote-withdraw'; ip: string };

export interface NeighborSyncResult { state: NeighborSyncState; actions: NeighborSyncAction[] }

export function validateNeighborSyncConfig(c: NeighborSyncConfig): string | null {
  const int = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(c.localCapacity, 1, 1 << 22)) return `localCapacity ${c.localCapacity} out of range 1..${1 << 22}`;
  if (!int(c.remoteCapacity, 1, 1 << 22)) return `remoteCapacity ${c.remoteCapacity} out of range 1..${1 << 22}`;
  if (!int(c.pendingCapacity, c.localCapacity + 1, 1 << 23)) return `pendingCapacity ${c.pendingCapacity} must exceed localCapacity`;
  if (!int(c.window, 1, MAX_WINDOW)) return `window ${c.window} out of range 1..${MAX_WINDOW}`;
  if (!int(c.rtoMs, 1, 600_000) || !int(c.maxRtoMs, c.rtoMs, 600_000)) return `rtoMs/maxRtoMs ${c.rtoMs}/${c.maxRtoMs} invalid`;
  if (!int(c.resyncHoldoffMs, 0, 600_000)) return `resyncHoldoffMs ${c.resyncHoldoffMs} invalid`;
  if (!int(c.stuckMs, 1, 3_600_000)) return `stuckMs ${c.stuckMs} invalid`;
  return null;
}

export function initialNeighborSync(cfg: NeighborSyncConfig = DEFAULT_NEIGHBOR_SYNC): NeighborSyncState {
  const err = validateNeighborSyncConfig(cfg);
  if (err) throw new RangeError(err);
  return {
    cfg: { ...cfg }, up: false,
    local: new Map(), pending: new Map(), txEpoch: 0, nextN: 1, needBegin: false, syncOpen: false, syncBeginN: 0,
    inflight: new Map(), acksInEpoch: 0,
    rxEpoch: 0, rxNext: 1, lastProgressMs: 0, reorder: new Map(), retired: [], candidate: null, remote: new Map(), sweep: null, resyncLog: [],
    counters: {
      updatesSent: 0, updatesResent: 0, acksReceived: 0, acksStale: 0, updatesReceived: 0, updatesApplied: 0,
      duplicates: 0, outOfWindow: 0, staleEpoch: 0, unknownEpoch: 0, jumps: 0, resyncsSent: 0, resyncsHonored: 0,
      resyncsIgnored: 0, fastResends: 0, fullSyncs: 0, pendingCollapsed: 0, localFull: 0, remoteFull: 0, invalid: 0,
      remoteUpserts: 0, remoteWithdrawals: 0, swept: 0, epochExhausted: 0,
    },
  };
}

export function step(s: NeighborSyncState, ev: NeighborSyncEvent, nowMs: number): NeighborSyncResult {
  const actions: NeighborSyncAction[] = [];
  switch (ev.kind) {
    case 'session-up':
      if (!Number.isInteger(ev.epoch) || ev.epoch < 1 || ev.epoch > MAX_U32) throw new RangeError(`epoch ${ev.epoch} invalid`);
      s.up = true;
      s.txEpoch = ev.epoch;
      s.nextN = 1;
      s.inflight.clear();
      s.acksInEpoch = 0;
      startFullSync(s);
      if (s.rxEpoch === 0) askResync(s, 0, nowMs, actions); // we hold nothing of the peer's: ask for it
      break;
    case 'session-down':
      s.up = false;
      s.inflight.clear();
      s.pending.clear();
      s.needBegin = s.syncOpen = false;
      break;
    case 'local-upsert':
      localUpsert(s, ev.entry);
      break;
    case 'local-withdraw':
      if (s.local.delete(ev.ip)) queue(s, ev.ip, null);
      break;
    case 'message':
      onMessage(s, ev.msg, nowMs, actions);
      break;
    case 'tick':
      resendDue(s, nowMs, actions);
      checkStuck(s, nowMs, actions);
      break;
  }
  pump(s, nowMs, actions);
  return { state: s, actions };
}

function sameEntry(a: NeighborEntry, b: NeighborEntry): boolean {
  return a.ip === b.ip && a.mac === b.mac && a.seq === b.seq && a.origin === b.origin && a.flags === b.flags && a.site === b.site;
}

function startFullSync(s: NeighborSyncState): void {
  s.pending = new Map(s.local);
  s.needBegin = true;
  s.syncOpen = true;
  s.counters.fullSyncs++;
}

function localUpsert(s: NeighborSyncState, entry: NeighborEntry): void {
  if (!isValidEntry(entry)) { s.counters.invalid++; return; }
  const old = s.local.get(entry.ip);
  if (old && sameEntry(old, entry)) return;
  if (!old && s.local.size >= s.cfg.localCapacity) { s.counters.localFull++; return; }
  const e = { ...entry };
  s.local.set(e.ip, e);
  queue(s, e.ip, e);
}

/** A change to send. Not connected: the next session's full sync carries it. Queue full: collapse
 *  into a full sync (its queue is `local`, which already holds the change). */
function queue(s: NeighborSyncState, ip: string, v: NeighborEntry | null): void {
  if (!s.up) return;
  if (!s.pending.has(ip) && s.pending.size >= s.cfg.pendingCapacity) {
    s.counters.pendingCollapsed++;
    startFullSync(s);
    return;
  }
  s.pending.set(ip, v);
}

function pump(s: NeighborSyncState, nowMs: number, actions: NeighborSyncAction[]): void {
  while (s.up && (s.pending.size > 0 || s.needBegin || s.syncOpen) && s.inflight.size < s.cfg.window) {
    const lowest = s.inflight.size ? Math.min(...s.inflight.keys()) : s.nextN;
    if (s.nextN >= lowest + s.cfg.window) return; // the receiver buffers at most `window` ahead
    if (s.nextN > MAX_MSG_N) { s.counters.epochExhausted++; return; } // 2^31 updates: needs a new session
    const u: NeighborEntry[] = [];
    const w: string[] = [];
    for (const [ip, v] of s.pending) {
      if (u.length + w.length === MAX_NEIGHBOR_ITEMS) break;
      if (v) u.push(v); else w.push(ip);
      // entries a hub passes on carry a site name: stop before the message outgrows the limit
      if (u.length + w.length > 1 && u.some((x) => x.site !== undefined) && updateBytes(s.txEpoch, MAX_MSG_N, 3, u, w) > MAX_NEIGHBOR_MESSAGE) {
        if (v) u.pop(); else w.pop();
        break;
      }
      s.pending.delete(ip);
    }
    let f = 0;
    if (s.needBegin) { f |= NB_BEGIN; s.needBegin = false; s.syncBeginN = s.nextN; }
    if (s.syncOpen && s.pending.size === 0) { f |= NB_END; s.syncOpen = false; }
    const msg: NbUpdate = { t: 'nb-up', e: s.txEpoch, n: s.nextN++, f, u, w };
    s.inflight.set(msg.n, { msg, nextMs: nowMs + s.cfg.rtoMs, rtoMs: s.cfg.rtoMs, tries: 0, laterAcks: 0 });
    s.counters.updatesSent++;
    actions.push({ kind: 'send', msg });
  }
}

function resendDue(s: NeighborSyncState, nowMs: number, actions: NeighborSyncAction[]): void {
  if (!s.up) return;
  for (const n of [...s.inflight.keys()].sort((a, b) => a - b)) {
    const f = s.inflight.get(n)!;
    if (nowMs < f.nextMs) continue;
    f.tries++;
    f.rtoMs = Math.min(f.rtoMs * 2, s.cfg.maxRtoMs);
    f.nextMs = nowMs + f.rtoMs;
    s.counters.updatesResent++;
    actions.push({ kind: 'send', msg: f.msg });
  }
}

/** Updates sent before the acknowledged one that keep missing their ack while FAST_RESEND_ACKS
 *  later ones got theirs were most likely lost: resend them now rather than at their timeout. */
function fastResend(s: NeighborSyncState, ackedN: number, nowMs: number, actions: NeighborSyncAction[]): void {
  for (const [n, f] of s.inflight) {
    if (n > ackedN || ++f.laterAcks < FAST_RESEND_ACKS) continue;
    f.laterAcks = 0;
    f.tries++;
    f.nextMs = nowMs + f.rtoMs;
    s.counters.updatesResent++;
    s.counters.fastResends++;
    actions.push({ kind: 'send', msg: f.msg });
  }
}

function onMessage(s: NeighborSyncState, msg: NeighborMessage, nowMs: number, actions: NeighborSyncAction[]): void {
  if (msg.t === 'nb-ack') {
    if (msg.e === s.txEpoch && s.inflight.delete(msg.n)) {
      s.counters.acksReceived++;
      s.acksInEpoch++;
      fastResend(s, msg.n, nowMs, actions);
    } else {
      s.counters.acksStale++;
    }
    return;
  }
  if (msg.t === 'nb-resync') {
    // e = our epoch: the peer cannot follow it. e = 0: the peer has no epoch of ours at all (it
    // restarted); unnecessary while nothing of our epoch was acknowledged (all of it is still on
    // its way to the peer, which adopts it at its BEGIN).
    const ours = msg.e !== 0 && msg.e === s.txEpoch;
    const fresh = msg.e === 0 && s.acksInEpoch > 0;
    if (!s.up || !(ours || fresh)) { s.counters.resyncsIgnored++; return; }
    s.counters.resyncsHonored++;
    s.txEpoch = (s.txEpoch % MAX_U32) + 1; // a new epoch: the peer has never retired it
    s.nextN = 1;
    s.acksInEpoch = 0;
    s.inflight.clear(); // superseded by the full sync
    startFullSync(s);
    return;
  }
  onUpdate(s, msg, nowMs, actions);
}

/** Asks the peer for a new epoch; at most once per resyncHoldoffMs for each epoch named (one
 *  reason never starves another). */
function askResync(s: NeighborSyncState, e: number, nowMs: number, actions: NeighborSyncAction[]): boolean {
  const last = s.resyncLog.find((x) => x.e === e);
  if (last && nowMs - last.atMs < s.cfg.resyncHoldoffMs) return false;
  if (last) last.atMs = nowMs;
  else {
    s.resyncLog.push({ e, atMs: nowMs });
    if (s.resyncLog.length > RETIRED_EPOCHS) s.resyncLog.shift();
  }
  s.counters.resyncsSent++;
  actions.push({ kind: 'send', msg: { t: 'nb-resync', e } });
  return true;
}

function retire(s: NeighborSyncState, e: number): void {
  s.retired.push(e);
  if (s.retired.length > RETIRED_EPOCHS) s.retired.shift();
}

/** An unknown epoch whose BEGIN did not come within resyncHoldoffMs: we cannot follow it; ask for
 *  a new epoch. Not retired: should its BEGIN still arrive, it is adopted (and left for the next). */
function giveUpCandidate(s: NeighborSyncState, nowMs: number, actions: NeighborSyncAction[]): void {
  const c = s.candidate;
  if (!c || nowMs - c.firstMs < s.cfg.resyncHoldoffMs || !askResync(s, c.e, nowMs, actions)) return;
  s.candidate = null;
}

function onUpdate(s: NeighborSyncState, msg: NbUpdate, nowMs: number, actions: NeighborSyncAction[]): void {
  // Retired: a late update of an old epoch (the sender ignores the resync), or the sender's current
  // epoch after we followed a late BEGIN of an older one (the sender moves to a new epoch).
  if (s.retired.includes(msg.e)) { s.counters.staleEpoch++; askResync(s, msg.e, nowMs, actions); return; }
  if (msg.e !== s.rxEpoch) {
    if ((msg.f & NB_BEGIN) === 0) {
      // An update of an epoch whose BEGIN has not arrived: kept (not acknowledged) for when it
      // does; still no BEGIN after resyncHoldoffMs means we cannot follow: ask for a resync.
      s.counters.unknownEpoch++;
      let c = s.candidate;
      if (!c || c.e !== msg.e) c = s.candidate = { e: msg.e, firstMs: nowMs, early: new Map() };
      if (c.early.size < MAX_WINDOW && !c.early.has(msg.n)) c.early.set(msg.n, msg);
      giveUpCandidate(s, nowMs, actions);
      return;
    }
    if (s.rxEpoch) retire(s, s.rxEpoch);
    s.rxEpoch = msg.e;
    s.rxNext = msg.n;
    s.lastProgressMs = nowMs;
    s.reorder.clear();
    const early = s.candidate?.e === msg.e ? [...s.candidate.early.values()].sort((a, b) => a.n - b.n) : [];
    s.candidate = null;
    inEpoch(s, msg, nowMs, actions);
    for (const m of early) inEpoch(s, m, nowMs, actions);
    return;
  }
  inEpoch(s, msg, nowMs, actions);
}

/** Receiver liveness, on every tick: see "resync" at the top. */
function checkStuck(s: NeighborSyncState, nowMs: number, actions: NeighborSyncAction[]): void {
  if (s.candidate) giveUpCandidate(s, nowMs, actions);
  else if (s.rxEpoch && s.reorder.size > 0 && nowMs - s.lastProgressMs >= s.cfg.stuckMs) {
    if (askResync(s, s.rxEpoch, nowMs, actions)) s.lastProgressMs = nowMs; // again only after another stuckMs
  }
  else if (s.up && s.rxEpoch === 0) askResync(s, 0, nowMs, actions);
}

/** An update of the epoch we follow: acknowledge, reorder, apply in order. */
function inEpoch(s: NeighborSyncState, msg: NbUpdate, nowMs: number, actions: NeighborSyncAction[]): void {
  const ack = (): void => { actions.push({ kind: 'send', msg: { t: 'nb-ack', e: msg.e, n: msg.n } }); };
  if (msg.n < s.rxNext) { s.counters.duplicates++; ack(); return; }
  if ((msg.f & NB_BEGIN) && msg.n > s.rxNext) { // everything numbered before a BEGIN is superseded by it
    s.counters.jumps++;
    for (const n of [...s.reorder.keys()]) if (n < msg.n) s.reorder.delete(n);
    s.rxNext = msg.n;
    s.lastProgressMs = nowMs;
  }
  if (msg.n >= s.rxNext + MAX_WINDOW) { s.counters.outOfWindow++; return; } // not acked: resent later
  if (s.reorder.has(msg.n)) { s.counters.duplicates++; ack(); return; }
  s.counters.updatesReceived++;
  if (s.reorder.size === 0) s.lastProgressMs = nowMs;
  s.reorder.set(msg.n, msg);
  ack();
  for (let m = s.reorder.get(s.rxNext); m; m = s.reorder.get(s.rxNext)) {
    s.reorder.delete(s.rxNext);
    s.rxNext++;
    s.lastProgressMs = nowMs;
    apply(s, m, actions);
  }
}

function apply(s: NeighborSyncState, m: NbUpdate, actions: NeighborSyncAction[]): void {
  s.counters.updatesApplied++;
  if (m.f & NB_BEGIN) s.sweep = new Set(s.remote.keys());
  for (const e of m.u) {
    const old = s.remote.get(e.ip);
    s.sweep?.delete(e.ip);
    if (!old && s.remote.size >= s.cfg.remoteCapacity) { s.counters.remoteFull++; continue; }
    if (old && sameEntry(old, e)) continue;
    const copy = { ...e };
    s.remote.set(e.ip, copy);
    s.counters.remoteUpserts++;
    actions.push({ kind: 'remote-upsert', entry: copy });
  }
  for (const ip of m.w) {
    s.sweep?.delete(ip);
    if (s.remote.delete(ip)) {
      s.counters.remoteWithdrawals++;
      actions.push({ kind: 'remote-withdraw', ip });
    }
  }
  if (m.f & NB_END && s.sweep) {
    for (const ip of s.sweep) {
      s.remote.delete(ip);
      s.counters.swept++;
      s.counters.remoteWithdrawals++;
      actions.push({ kind: 'remote-withdraw', ip });
    }
    s.sweep = null;
  }
}

/** Sizes and counters for `bridgehead status`. */
export function neighborSyncStatus(s: NeighborSyncState): {
  up: boolean; local: number; remote: number; pending: number; inflight: number; syncing: boolean;
  counters: NeighborSyncCounters;
} {
  return {
    up: s.up, local: s.local.size, remote: s.remote.size, pending: s.pending.size, inflight: s.inflight.size,
    syncing: s.syncOpen || s.sweep !== null, counters: { ...s.counters },
  };
}
