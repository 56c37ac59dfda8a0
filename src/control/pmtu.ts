// Path MTU discovery per peer (PLPMTUD, RFC 8899 idea) as a pure state machine:
// step(state, event, nowMs) -> { state, actions }. The daemon feeds it the session start, probe
// acknowledgements (the data plane's 'probe-ack' event), probes the kernel refused to send
// (larger than the local interface MTU), EMSGSIZE signals and a periodic tick; it carries out the
// actions ('probe' -> dp.sendProbe, 'set-mtu' -> dp.setPathMtu). Nothing here reads a clock.
//
//   start: pinned -> set-mtu(pinned), never probes. Else set-mtu(base) and search upward:
//     the first probe tries `max` (the common case fits at once), then binary search between the
//     largest acknowledged size (low) and the smallest failed one (high) until high - low <= step.
//   a probe is lost after probeTimeoutMs; retried with a new id up to maxProbes in all, then that
//     size "does not fit" (high = size). A probe the kernel refused does not fit at once.
//   an ack raises the data plane's MTU at once (set-mtu(low)).
//   complete: confirm `low` every confirmIntervalMs (and right after an EMSGSIZE); maxProbes lost
//     confirmations = black hole -> set-mtu(base) and search again. Every raiseIntervalMs, search
//     again above `low` for a larger MTU.

export const BASE_PLPMTU = 1280;

export interface PmtuConfig {
  base: number;
  max: number;
  /** null = discover; a number pins the path MTU (never probes) */
  pinned: number | null;
  probeTimeoutMs: number;
  maxProbes: number;
  confirmIntervalMs: number;
  raiseIntervalMs: number;
  /** search granularity in bytes */
  step: number;
}

export const DEFAULT_PMTU_CONFIG: PmtuConfig = {
  base: BASE_PLPMTU, max: 1500, pinned: null, probeTimeoutMs: 500, maxProbes: 3,
  confirmIntervalMs: 30_000, raiseIntervalMs: 600_000, step: 8,
};

export type PmtuPhase = 'pinned' | 'search' | 'complete';

export interface PmtuProbe { id: number; size: number; sentMs: number; attempts: number; kind: 'search' | 'confirm' }

export interface PmtuState {
  cfg: PmtuConfig;
  phase: PmtuPhase;
  /** the MTU the data plane fragments to */
  pmtu: number;
  /** largest size known to fit, smallest size known not to fit (max + 1 when none) */
  low: number;
  high: number;
  probe: PmtuProbe | null;
  nextId: number;
  nextConfirmMs: number;
  nextRaiseMs: number;
  /** counters for status */
  probesSent: number;
  blackHoles: number;
}

export type PmtuEvent =
  | { type: 'start' }
  | { type: 'ack'; id: number; size: number }
  | { type: 'refused'; id: number }
  | { type: 'msgsize' }
  | { type: 'tick' };

export type PmtuAction =
  | { type: 'probe'; size: number; id: number }
  | { type: 'set-mtu'; bytes: number };

export interface PmtuStep { state: PmtuState; actions: PmtuAction[] }

export function initPmtu(cfg: Partial<PmtuConfig> = {}, firstId = 1): PmtuState {
  const c = { ...DEFAULT_PMTU_CONFIG, ...cfg };
  if (c.max < c.base) c.max = c.base;
  return {
    cfg: c, phase: c.pinned !== null ? 'pinned' : 'search', pmtu: c.pinned ?? c.base, low: c.base, high: c.max + 1,
    probe: null, nextId: firstId >>> 0, nextConfirmMs: 0, nextRaiseMs: 0, probesSent: 0, blackHoles: 0,
  };
}

export function pmtuSource(s: PmtuState): 'pinned' | 'discovered' | 'default' {
  return s.phase === 'pinned' ? 'pinned' : s.pmtu > s.cfg.base ? 'discovered' : 'default';
}

function sendProbe(s: PmtuState, size: number, kind: PmtuProbe['kind'], attempts: number, now: number, out: PmtuAction[]): void {
  const id = s.nextId;
  s.nextId = (s.nextId + 1) >>> 0;
  s.probe = { id, size, sentMs: now, attempts, kind };
  s.probesSent++;
  out.push({ type: 'probe', size, id });
}

function setMtu(s: PmtuState, bytes: number, out: PmtuAction[]): void {
  if (s.pmtu === bytes) return;
  s.pmtu = bytes;
  out.push({ type: 'set-mtu', bytes });
}

/** Next search probe, or complete. */
function searchNext(s: PmtuState, now: number, out: PmtuAction[]): void {
  if (s.high - s.low <= s.cfg.step) {
    s.phase = 'complete';
    s.probe = null;
    s.nextConfirmMs = now + s.cfg.confirmIntervalMs;
    s.nextRaiseMs = now + s.cfg.raiseIntervalMs;
    return;
  }
  s.phase = 'search';
  // first try the top (most paths fit it); then bisect
  const size = s.high === s.cfg.max + 1 && s.low < s.cfg.max ? s.cfg.max : Math.floor((s.low + s.high) / 2);
  sendProbe(s, size, 'search', 1, now, out);
}

function notFit(s: PmtuState, size: number, now: number, out: PmtuAction[]): void {
  const p = s.probe!;
  s.probe = null;
  if (p.kind === 'confirm') {
    // black hole: the confirmed size stopped fitting
    s.blackHoles++;
    s.low = s.cfg.base;
    s.high = Math.min(size, s.cfg.max + 1);
    setMtu(s, s.cfg.base, out);
    searchNext(s, now, out);
    return;
  }
  s.high = Math.min(s.high, size);
  searchNext(s, now, out);
}

export function step(s: PmtuState, ev: PmtuEvent, now: number): PmtuStep {
  const out: PmtuAction[] = [];
  if (s.phase === 'pinned') {
    if (ev.type === 'start') out.push({ type: 'set-mtu', bytes: s.pmtu });
    return { state: s, actions: out };
  }
  switch (ev.type) {
    case 'start':
      s.low = s.cfg.base;
      s.high = s.cfg.max + 1;
      s.probe = null;
      s.pmtu = 0;
      setMtu(s, s.cfg.base, out);
      searchNext(s, now, out);
      break;
    case 'ack': {
      const p = s.probe;
      if (!p || p.id !== ev.id || p.size !== ev.size) break; // late or foreign ack: ignored
      s.probe = null;
      if (p.kind === 'confirm') {
        s.nextConfirmMs = now + s.cfg.confirmIntervalMs;
        break;
      }
      s.low = Math.max(s.low, p.size);
      setMtu(s, s.low, out);
      searchNext(s, now, out);
      break;
    }
    case 'refused': {
      const p = s.probe;
      if (p && p.id === ev.id) notFit(s, p.size, now, out);
      break;
    }
    case 'msgsize':
      if (s.phase === 'complete' && !s.probe) sendProbe(s, s.low, 'confirm', 1, now, out);
      break;
    case 'tick': {
      const p = s.probe;
      if (p) {
        if (now - p.sentMs < s.cfg.probeTimeoutMs) break;
        if (p.attempts < s.cfg.maxProbes) sendProbe(s, p.size, p.kind, p.attempts + 1, now, out);
        else notFit(s, p.size, now, out);
        break;
      }
      if (s.phase !== 'complete') break;
      if (now >= s.nextRaiseMs && s.low < s.cfg.max) {
        s.high = s.cfg.max + 1;
        s.nextRaiseMs = now + s.cfg.raiseIntervalMs;
        searchNext(s, now, out);
      } else if (now >= s.nextConfirmMs && s.low > s.cfg.base) {
        sendProbe(s, s.low, 'confirm', 1, now, out);
      } else if (now >= s.nextConfirmMs) {
        s.nextConfirmMs = now + s.cfg.confirmIntervalMs; // the base needs no confirmation
      }
      break;
    }
  }
  return { state: s, actions: out };
}
