// One member of an active/standby pair, as a pure state machine: step(state, event, nowMs) ->
// { state, actions }. keepalived elects (VRRP); this machine turns its verdicts into what the
// daemon does, and keeps the pair safe where keepalived cannot see (docs/INTERNALS.md 11).
//
//   inputs:  notify MASTER|BACKUP|FAULT (keepalived's notify scripts via the control socket),
//            the other member's authenticated heartbeats and table chunks (LAN replication),
//            the local table version (the driver bumps it when the mobility table changes),
//            an operator handover, the tick.
//   active:  role MASTER and not stepped down. On becoming active: restore the last complete
//            replicated table, then activate (TAP into the bridge, fresh handshakes, announce).
//            "Old leaves before new joins": while the other member's last heartbeat (younger than
//            peerDeadMs) says it is active, activation waits; its next heartbeat saying inactive,
//            or its silence, releases it.
//   split:   both active (its heartbeat says active while we are) -> the member with the lower
//            priority, on a tie the greater member name, steps down at once: deactivate, and the
//            health check fails for splitHoldMs so keepalived moves it to FAULT, then BACKUP.
//   handover: the operator's planned switchover on the active: deactivate first (the heartbeat
//            says so at once), health fails for splitHoldMs, keepalived hands MASTER over.
//   outputs: activate/deactivate (reason), restore (table), send-heartbeat, send-table, health,
//            log lines.

import type { HaRole, Heartbeat, ReplicatedHost, TableChunk } from './ha-messages';
import { HA_MAX_CHUNKS } from './ha-messages';

export type { HaRole };
export type TakeoverReason = 'start' | 'peer-silent' | 'peer-inactive' | 'peer-standby' | 'split-won';

export interface HaMachineConfig {
  member: string;
  priority: number;
  heartbeatMs: number;     // heartbeat interval (both members)
  peerDeadMs: number;      // no heartbeat for this long: the other member is gone
  splitHoldMs: number;     // health stays failed this long after stepping down / a handover
  tableResendMs: number;   // the active resends the whole table this often even without change
  maxHosts: number;        // bound of a replicated table (all peers together)
}

export const HA_DEFAULTS: Omit<HaMachineConfig, 'member' | 'priority'> = {
  heartbeatMs: 100, peerDeadMs: 600, splitHoldMs: 3000, tableResendMs: 5000, maxHosts: 16384,
};

export interface PeerTable { key: string; endpoint: string | null; hosts: ReplicatedHost[] }
export interface Snapshot { version: number; receivedMs: number; peers: PeerTable[] }

export interface HaState {
  cfg: HaMachineConfig;
  role: HaRole;                     // keepalived's last verdict
  active: boolean;                  // TAP in the bridge, sending on the WAN
  pendingActivation: boolean;       // MASTER, waiting for the other member to leave
  steppedDownUntilMs: number;       // health failed until then (split or handover)
  stepDownReason: 'split' | 'handover' | null;
  lastTransition: { atMs: number; role: HaRole; active: boolean; reason: string } | null;
  lastTakeover: { atMs: number; reason: TakeoverReason; restoredHosts: number } | null;
  other: { member: string; role: HaRole; active: boolean; priority: number; lastHeardMs: number; tableVersion: number } | null;
  localVersion: number;             // the table version we have (active: ours)
  sentVersion: number;              // the version last sent whole
  lastTableSentMs: number;
  lastHeartbeatMs: number;
  assembling: { version: number; n: number; chunks: Map<number, TableChunk> } | null;
  snapshot: Snapshot | null;        // the last complete table from the active
  healthOk: boolean;
  counters: HaCounters;
}

export interface HaCounters {
  takeovers: number; stepDowns: number; splits: number; handovers: number; heartbeatsSent: number;
  heartbeatsReceived: number; tablesSent: number; tablesReceived: number; chunksReceived: number;
  chunksDropped: number; tableHostsTruncated: number; activationWaits: number; foreignMember: number;
}

export type HaEvent =
  | { kind: 'notify'; state: 'MASTER' | 'BACKUP' | 'FAULT' }
  | { kind: 'heartbeat'; hb: Heartbeat }
  | { kind: 'chunk'; chunk: TableChunk }
  | { kind: 'local-version'; version: number }
  | { kind: 'handover' }
  | { kind: 'tick' };

export type HaAction =
  | { kind: 'restore'; snapshot: Snapshot }
  | { kind: 'activate'; reason: TakeoverReason }
  | { kind: 'deactivate'; reason: 'backup' | 'fault' | 'split' | 'handover' }
  | { kind: 'send-heartbeat'; hb: Heartbeat }
  | { kind: 'send-table'; version: number }
  | { kind: 'health'; ok: boolean; why: string }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields: Record<string, unknown> };

export interface HaResult { state: HaState; actions: HaAction[] }

export function initialHa(cfg: Partial<HaMachineConfig> & { member: string; priority: number }): HaState {
  return {
    cfg: { ...HA_DEFAULTS, ...cfg }, role: 'init', active: false, pendingActivation: false, steppedDownUntilMs: 0,
    stepDownReason: null, lastTransition: null, lastTakeover: null, other: null, localVersion: 0, sentVersion: -1,
    lastTableSentMs: -Infinity, lastHeartbeatMs: -Infinity, assembling: null, snapshot: null, healthOk: true,
    counters: { takeovers: 0, stepDowns: 0, splits: 0, handovers: 0, heartbeatsSent: 0, heartbeatsReceived: 0,
      tablesSent: 0, tablesReceived: 0, chunksReceived: 0, chunksDropped: 0, tableHostsTruncated: 0, activationWaits: 0,
      foreignMember: 0 },
  };
}

const otherAlive = (s: HaState, now: number): boolean => s.other !== null && now - s.other.lastHeardMs < s.cfg.peerDeadMs;

/** Deterministic loser of a split: lower priority, then the greater member name. */
export function losesSplit(me: { member: string; priority: number }, other: { member: string; priority: number }): boolean {
  if (me.priority !== other.priority) return me.priority < other.priority;
  return me.member > other.member;
}

function heartbeat(s: HaState): Heartbeat {
  return { t: 'hb', m: s.cfg.member, r: s.role, a: s.active ? 1 : 0, p: s.cfg.priority, v: s.localVersion };
}

function sendHeartbeat(s: HaState, out: HaAction[], now: number): void {
  s.lastHeartbeatMs = now;
  s.counters.heartbeatsSent++;
  out.push({ kind: 'send-heartbeat', hb: heartbeat(s) });
}

function transition(s: HaState, out: HaAction[], now: number, reason: string): void {
  s.lastTransition = { atMs: now, role: s.role, active: s.active, reason };
  sendHeartbeat(s, out, now); // the other member learns at once (old leaves before new joins)
}

function deactivate(s: HaState, out: HaAction[], now: number, reason: 'backup' | 'fault' | 'split' | 'handover'): void {
  s.pendingActivation = false;
  if (!s.active) return;
  s.active = false;
  out.push({ kind: 'deactivate', reason });
  out.push({ kind: 'log', level: reason === 'split' ? 'error' : 'info', msg: 'ha: this member is now standby', fields: { reason } });
  transition(s, out, now, reason);
}

function takeoverReason(s: HaState, now: number): TakeoverReason {
  if (s.other === null) return 'start';
  if (!otherAlive(s, now)) return 'peer-silent';
  return s.other.role === 'master' ? 'peer-inactive' : 'peer-standby';
}

function tryActivate(s: HaState, out: HaAction[], now: number): void {
  if (s.active || s.role !== 'master' || now < s.steppedDownUntilMs) return;
  if (otherAlive(s, now) && s.other!.active) {
    if (!s.pendingActivation) {
      s.pendingActivation = true;
      s.counters.activationWaits++;
      out.push({ kind: 'log', level: 'warn', msg: 'ha: MASTER, waiting for the other member to leave the bridge', fields: { other: s.other!.member } });
    }
    return;
  }
  const reason = takeoverReason(s, now);
  s.pendingActivation = false;
  s.active = true;
  s.counters.takeovers++;
  const snap = s.snapshot;
  const restoredHosts = snap ? snap.peers.reduce((n, p) => n + p.hosts.length, 0) : 0;
  if (snap) out.push({ kind: 'restore', snapshot: snap });
  out.push({ kind: 'activate', reason });
  s.lastTakeover = { atMs: now, reason, restoredHosts };
  s.sentVersion = -1; // send our whole table soon
  out.push({ kind: 'log', level: 'warn', msg: 'ha: this member is now active', fields: { reason, restoredHosts,
    snapshotAgeMs: snap ? now - snap.receivedMs : null } });
  transition(s, out, now, reason);
}

function updateHealth(s: HaState, out: HaAction[], now: number): void {
  const ok = now >= s.steppedDownUntilMs;
  if (ok === s.healthOk) return;
  s.healthOk = ok;
  if (ok) s.stepDownReason = null;
  out.push({ kind: 'health', ok, why: ok ? 'ok' : `stepped down (${s.stepDownReason ?? 'split'})` });
}

function stepDown(s: HaState, out: HaAction[], now: number, why: 'split' | 'handover'): void {
  s.steppedDownUntilMs = now + s.cfg.splitHoldMs;
  s.stepDownReason = why;
  s.counters.stepDowns++;
  deactivate(s, out, now, why);
  updateHealth(s, out, now);
}

function onChunk(s: HaState, c: TableChunk, out: HaAction[], now: number): void {
  s.counters.chunksReceived++;
  if (s.active) { s.counters.chunksDropped++; return; } // only the active's table counts; a split shows in heartbeats
  if (!s.assembling || s.assembling.version !== c.v || s.assembling.n !== c.n) {
    s.assembling = { version: c.v, n: c.n, chunks: new Map() };
  }
  s.assembling.chunks.set(c.i, c);
  if (s.assembling.chunks.size < c.n) return;
  const byKey = new Map<string, PeerTable>();
  let total = 0;
  for (let i = 0; i < c.n; i++) {
    const ch = s.assembling.chunks.get(i)!;
    let p = byKey.get(ch.k);
    if (!p) { p = { key: ch.k, endpoint: ch.ep, hosts: [] }; byKey.set(ch.k, p); }
    for (const h of ch.h) {
      if (total >= s.cfg.maxHosts) { s.counters.tableHostsTruncated++; continue; }
      p.hosts.push(h);
      total++;
    }
  }
  s.snapshot = { version: c.v, receivedMs: now, peers: [...byKey.values()] };
  s.assembling = null;
  s.counters.tablesReceived++;
  void out;
}

export function step(s: HaState, ev: HaEvent, now: number): HaResult {
  const out: HaAction[] = [];
  switch (ev.kind) {
    case 'notify': {
      const role: HaRole = ev.state === 'MASTER' ? 'master' : ev.state === 'BACKUP' ? 'backup' : 'fault';
      const prev = s.role;
      s.role = role;
      out.push({ kind: 'log', level: 'info', msg: 'ha: keepalived state', fields: { state: ev.state, previous: prev } });
      if (role === 'master') tryActivate(s, out, now);
      else {
        if (s.active) deactivate(s, out, now, role === 'backup' ? 'backup' : 'fault');
        else if (prev !== role) transition(s, out, now, role);
        s.pendingActivation = false;
      }
      break;
    }
    case 'heartbeat': {
      const hb = ev.hb;
      s.counters.heartbeatsReceived++;
      if (hb.m === s.cfg.member) { s.counters.foreignMember++; break; } // our own name: a misconfigured pair
      s.other = { member: hb.m, role: hb.r, active: hb.a === 1, priority: hb.p, lastHeardMs: now, tableVersion: hb.v };
      if (s.active && hb.a === 1) {
        s.counters.splits++;
        const lose = losesSplit(s.cfg, { member: hb.m, priority: hb.p });
        out.push({ kind: 'log', level: 'error', msg: 'ha: split: both members active', fields: { other: hb.m, stepDown: lose } });
        if (lose) stepDown(s, out, now, 'split');
      } else if (s.pendingActivation && hb.a === 0) {
        tryActivate(s, out, now);
      }
      break;
    }
    case 'chunk':
      if (ev.chunk.n > HA_MAX_CHUNKS) { s.counters.chunksDropped++; break; }
      onChunk(s, ev.chunk, out, now);
      break;
    case 'local-version':
      s.localVersion = ev.version >>> 0;
      break;
    case 'handover':
      if (!s.active) break;
      s.counters.handovers++;
      out.push({ kind: 'log', level: 'warn', msg: 'ha: planned handover: leaving the bridge, the other member takes over', fields: {} });
      stepDown(s, out, now, 'handover');
      break;
    case 'tick':
      break;
  }
  // every event: timers
  updateHealth(s, out, now);
  if (s.pendingActivation) tryActivate(s, out, now);
  if (s.role === 'master' && !s.active && !s.pendingActivation && now >= s.steppedDownUntilMs && ev.kind === 'tick') tryActivate(s, out, now);
  if (now - s.lastHeartbeatMs >= s.cfg.heartbeatMs) sendHeartbeat(s, out, now);
  if (s.active && (s.sentVersion !== s.localVersion || now - s.lastTableSentMs >= s.cfg.tableResendMs)) {
    s.sentVersion = s.localVersion;
    s.lastTableSentMs = now;
    s.counters.tablesSent++;
    out.push({ kind: 'send-table', version: s.localVersion });
  }
  return { state: s, actions: out };
}

/** Health for the keepalived track script: alive and not stepped down. */
export function haHealthy(s: HaState, now: number): boolean { return now >= s.steppedDownUntilMs; }
