// Per-peer session timers as a pure state machine: step(state, event, nowMs) -> { state, actions }.
//
// WireGuard's timer rules (whitepaper section 6, wireguard-go timers.go), driven by events from the
// daemon instead of kernel timers. The daemon feeds it a `tick` about four times a second with the
// peer's traffic counters read from the data plane, plus the handshake events; it carries out the
// returned actions. Nothing here reads a clock or touches I/O, so every rule is tested by advancing
// `nowMs`.
//
//   rekey after 120 s (initiator, when sending) or 2^60 messages; keys unusable after 180 s
//   keepalive 10 s after receiving when nothing was sent; new handshake 15 s after sending when
//   nothing came back; retry the handshake every 5 s (+0..333 ms jitter); give up after 90 s;
//   persistent keepalive for NAT; wipe keys after 540 s without a new handshake.

export const REKEY_AFTER_TIME_MS = 120_000;
export const REJECT_AFTER_TIME_MS = 180_000;
export const REKEY_AFTER_MESSAGES = 2n ** 60n;
export const REKEY_TIMEOUT_MS = 5_000;
export const REKEY_JITTER_MS = 334;
export const REKEY_ATTEMPT_TIME_MS = 90_000;
export const KEEPALIVE_TIMEOUT_MS = 10_000;
/** A responder that just answered waits this long for the initiator's confirmation before it
 *  starts a handshake of its own (avoids crossed handshakes). */
export const RESPONDER_GRACE_MS = REKEY_TIMEOUT_MS;

export interface SessionState {
  /** Key currently used for sending (as known to the control plane). */
  current: { createdMs: number; initiator: boolean } | null;
  /** A handshake we initiated and are waiting on. */
  handshake: { startedMs: number; nextRetryMs: number; reason: HandshakeReason } | null;
  lastHandshakeMs: number | null;
  /** Last time we answered an initiation (responder). */
  lastResponseMs: number | null;
  /** Traffic counters seen at the previous tick. */
  lastRxBytes: number;
  lastTxBytes: number;
  /** Since when we have received without sending (keepalive timer), null if disarmed. */
  rxUnansweredSinceMs: number | null;
  /** Since when we have sent without receiving (new-handshake timer), null if disarmed. */
  txUnansweredSinceMs: number | null;
  lastTxMs: number | null;
  keysWiped: boolean;
}

export type HandshakeReason = 'startup' | 'data' | 'rekey-time' | 'rekey-messages' | 'no-reply' |
  'persistent-keepalive' | 'retry';

export type SessionEvent =
  | { kind: 'tick'; rxBytes: number; txBytes: number; sendCounter: bigint | null; canInitiate: boolean;
      persistentKeepaliveMs: number; jitterMs: number;
      /** Initiator's rekey age (config rekeyAfterS, src/daemon/rekey-timer.ts); absent = 120 s. */
      rekeyAfterMs?: number }
  | { kind: 'need-handshake'; canInitiate: boolean }
  | { kind: 'start'; canInitiate: boolean }
  | { kind: 'initiated-keypair' }       // we were the initiator and consumed the response
  | { kind: 'responded' }               // we answered an initiation (our keypair is 'next')
  | { kind: 'keypair-confirmed' };      // the initiator used the keypair we answered with

export type SessionAction =
  | { kind: 'initiate'; reason: HandshakeReason }
  | { kind: 'keepalive' }
  | { kind: 'give-up' }
  | { kind: 'wipe-keys' };

export interface StepResult { state: SessionState; actions: SessionAction[] }

export function initialSession(): SessionState {
  return {
    current: null, handshake: null, lastHandshakeMs: null, lastResponseMs: null,
    lastRxBytes: 0, lastTxBytes: 0, rxUnansweredSinceMs: null, txUnansweredSinceMs: null,
    lastTxMs: null, keysWiped: false,
  };
}

function beginHandshake(s: SessionState, nowMs: number, reason: HandshakeReason, jitterMs: number,
  actions: SessionAction[]): SessionState {
  if (s.handshake) return s; // one handshake at a time; retries are driven by ticks
  actions.push({ kind: 'initiate', reason });
  return { ...s, handshake: { startedMs: nowMs, nextRetryMs: nowMs + REKEY_TIMEOUT_MS + jitterMs, reason } };
}

function responderHolding(s: SessionState, nowMs: number): boolean {
  return s.lastResponseMs !== null && nowMs - s.lastResponseMs < RESPONDER_GRACE_MS;
}

export function step(state: SessionState, ev: SessionEvent, nowMs: number): StepResult {
  const actions: SessionAction[] = [];
  let s = state;
  switch (ev.kind) {
    case 'start':
      if (ev.canInitiate) s = beginHandshake(s, nowMs, 'startup', 0, actions);
      break;
    case 'need-handshake':
      if (ev.canInitiate && !responderHolding(s, nowMs)) s = beginHandshake(s, nowMs, 'data', 0, actions);
      break;
    case 'initiated-keypair':
      // The initiator confirms the new keypair at once with a keepalive (WireGuard does the same
      // when it has no data queued), so the responder can start sending.
      s = { ...s, handshake: null, current: { createdMs: nowMs, initiator: true }, lastHandshakeMs: nowMs,
        txUnansweredSinceMs: null, keysWiped: false, lastTxMs: nowMs };
      actions.push({ kind: 'keepalive' });
      break;
    case 'responded':
      s = { ...s, lastResponseMs: nowMs };
      break;
    case 'keypair-confirmed':
      s = { ...s, current: { createdMs: nowMs, initiator: false }, lastHandshakeMs: nowMs,
        handshake: null, keysWiped: false };
      break;
    case 'tick':
      s = tick(s, ev, nowMs, actions);
      break;
  }
  return { state: s, actions };
}

function tick(state: SessionState, ev: Extract<SessionEvent, { kind: 'tick' }>, nowMs: number,
  actions: SessionAction[]): SessionState {
  let s = state;
  const received = ev.rxBytes !== s.lastRxBytes;
  const sent = ev.txBytes !== s.lastTxBytes;
  s = { ...s, lastRxBytes: ev.rxBytes, lastTxBytes: ev.txBytes, lastTxMs: sent ? nowMs : s.lastTxMs };

  // Keepalive timer: armed by receiving, disarmed by sending anything.
  if (sent) s = { ...s, rxUnansweredSinceMs: null };
  else if (received && s.rxUnansweredSinceMs === null) s = { ...s, rxUnansweredSinceMs: nowMs };
  // New-handshake timer: armed by sending, disarmed by receiving anything authenticated.
  if (received) s = { ...s, txUnansweredSinceMs: null };
  else if (sent && s.txUnansweredSinceMs === null) s = { ...s, txUnansweredSinceMs: nowMs };

  if (s.rxUnansweredSinceMs !== null && nowMs - s.rxUnansweredSinceMs >= KEEPALIVE_TIMEOUT_MS) {
    actions.push({ kind: 'keepalive' });
    s = { ...s, rxUnansweredSinceMs: null, lastTxMs: nowMs };
  }

  // Handshake in progress: retry or give up.
  if (s.handshake) {
    if (nowMs - s.handshake.startedMs >= REKEY_ATTEMPT_TIME_MS) {
      actions.push({ kind: 'give-up' });
      s = { ...s, handshake: null, txUnansweredSinceMs: null };
    } else if (nowMs >= s.handshake.nextRetryMs && ev.canInitiate) {
      actions.push({ kind: 'initiate', reason: 'retry' });
      s = { ...s, handshake: { ...s.handshake, nextRetryMs: nowMs + REKEY_TIMEOUT_MS + ev.jitterMs } };
    }
  } else if (ev.canInitiate && !responderHolding(s, nowMs)) {
    const cur = s.current;
    const age = cur ? nowMs - cur.createdMs : Infinity;
    if (cur && cur.initiator && sent && age >= (ev.rekeyAfterMs ?? REKEY_AFTER_TIME_MS)) {
      s = beginHandshake(s, nowMs, 'rekey-time', ev.jitterMs, actions);
    } else if (cur && received && age >= REJECT_AFTER_TIME_MS - KEEPALIVE_TIMEOUT_MS - REKEY_TIMEOUT_MS) {
      // Receiving on a key that is about to expire: the initiator has not rekeyed; take over.
      s = beginHandshake(s, nowMs, 'rekey-time', ev.jitterMs, actions);
    } else if (ev.sendCounter !== null && ev.sendCounter >= REKEY_AFTER_MESSAGES) {
      s = beginHandshake(s, nowMs, 'rekey-messages', ev.jitterMs, actions);
    } else if (s.txUnansweredSinceMs !== null &&
               nowMs - s.txUnansweredSinceMs >= KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS) {
      s = beginHandshake({ ...s, txUnansweredSinceMs: null }, nowMs, 'no-reply', ev.jitterMs, actions);
    } else if (ev.persistentKeepaliveMs > 0 && (!cur || age >= REJECT_AFTER_TIME_MS)) {
      // Persistent keepalive keeps a NAT mapping open, so it also keeps a session up.
      s = beginHandshake(s, nowMs, 'persistent-keepalive', ev.jitterMs, actions);
    }
  }

  if (ev.persistentKeepaliveMs > 0 && s.current && nowMs - s.current.createdMs < REJECT_AFTER_TIME_MS &&
      (s.lastTxMs === null || nowMs - s.lastTxMs >= ev.persistentKeepaliveMs) &&
      !actions.some((a) => a.kind === 'keepalive')) {
    actions.push({ kind: 'keepalive' });
    s = { ...s, lastTxMs: nowMs };
  }

  // Keys nobody renewed for three rejection periods are wiped (WireGuard zeroes them too).
  if (!s.keysWiped && s.lastHandshakeMs !== null && nowMs - s.lastHandshakeMs >= 3 * REJECT_AFTER_TIME_MS) {
    actions.push({ kind: 'wipe-keys' });
    s = { ...s, keysWiped: true, current: null };
  }
  return s;
}

/** A session counts as up while its current key can still be used. */
export function sessionIsUp(s: SessionState, nowMs: number): boolean {
  return s.current !== null && nowMs - s.current.createdMs < REJECT_AFTER_TIME_MS;
}
