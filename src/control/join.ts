// `bridgehead join` as a pure state machine: step(state, event, nowMs) -> { state, actions }.
// The driver (src/daemon/join-driver.ts) owns the data plane, the clock, the crypto and the
// config file; it carries out the actions and feeds back what happened. Nothing here reads a clock.
//
//   start -> 'send-initiation' to every inviter endpoint, again every retryInitiationMs
//     (each sent initiation is remembered with its sender index; at most maxPending, oldest dropped)
//   'keyed' (a response to one of our pending initiations verified; the driver installed the
//     keypair) -> phase hello: 'send-hello' now and every retryHelloMs
//   'welcome' (the inviter persisted us) -> phase done: 'done' with the endpoint that answered
//   tick past the deadline -> phase failed: 'fail' ('no-answer' before a response, 'no-welcome' after)
//
// P is the driver's opaque per-initiation handshake state (kept here so it is bounded once).

export interface JoinConfig {
  endpoints: number;
  timeoutMs: number;
  retryInitiationMs: number;
  retryHelloMs: number;
  maxPending: number;
}

export const DEFAULT_JOIN_CONFIG: Omit<JoinConfig, 'endpoints' | 'timeoutMs'> = {
  retryInitiationMs: 1000, retryHelloMs: 500, maxPending: 16,
};

export type JoinPhase = 'idle' | 'handshake' | 'hello' | 'done' | 'failed';

export interface PendingInitiation<P> { senderIndex: number; endpoint: number; handshake: P }

export interface JoinState<P> {
  cfg: JoinConfig;
  phase: JoinPhase;
  deadlineMs: number;
  /** next retry of the current phase's message */
  nextSendMs: number;
  pending: PendingInitiation<P>[];
  /** index of the endpoint whose response keyed the session */
  via: number | null;
  initiationsSent: number;
  hellosSent: number;
}

export type JoinEvent<P> =
  | { type: 'start' }
  | { type: 'tick' }
  | { type: 'initiation-sent'; senderIndex: number; endpoint: number; handshake: P }
  | { type: 'keyed'; senderIndex: number }
  | { type: 'welcome'; name: string };

export type JoinAction =
  | { type: 'send-initiation'; endpoint: number }
  | { type: 'send-hello' }
  | { type: 'done'; name: string; endpoint: number }
  | { type: 'fail'; reason: 'no-answer' | 'no-welcome' };

export interface JoinStep<P> { state: JoinState<P>; actions: JoinAction[] }

export function initJoin<P>(cfg: Pick<JoinConfig, 'endpoints' | 'timeoutMs'> & Partial<JoinConfig>): JoinState<P> {
  if (cfg.endpoints < 1) throw new RangeError('join needs at least one endpoint');
  return {
    cfg: { ...DEFAULT_JOIN_CONFIG, ...cfg }, phase: 'idle', deadlineMs: 0, nextSendMs: 0, pending: [], via: null,
    initiationsSent: 0, hellosSent: 0,
  };
}

/** The pending initiation a response with this receiver index answers, if any (only while handshaking). */
export function pendingFor<P>(s: JoinState<P>, senderIndex: number): PendingInitiation<P> | undefined {
  return s.phase === 'handshake' ? s.pending.find((p) => p.senderIndex === senderIndex) : undefined;
}

/** When the driver must call step with 'tick' next (null once finished). */
export function nextWakeMs<P>(s: JoinState<P>): number | null {
  if (s.phase !== 'handshake' && s.phase !== 'hello') return null;
  return Math.min(s.deadlineMs, s.nextSendMs);
}

function initiations<P>(s: JoinState<P>, nowMs: number): JoinAction[] {
  s.nextSendMs = nowMs + s.cfg.retryInitiationMs;
  const out: JoinAction[] = [];
  for (let e = 0; e < s.cfg.endpoints; e++) out.push({ type: 'send-initiation', endpoint: e });
  return out;
}

function hello<P>(s: JoinState<P>, nowMs: number): JoinAction[] {
  s.nextSendMs = nowMs + s.cfg.retryHelloMs;
  s.hellosSent++;
  return [{ type: 'send-hello' }];
}

export function step<P>(state: JoinState<P>, ev: JoinEvent<P>, nowMs: number): JoinStep<P> {
  const s: JoinState<P> = { ...state, pending: state.pending.slice() };
  switch (ev.type) {
    case 'start':
      if (s.phase !== 'idle') return { state: s, actions: [] };
      s.phase = 'handshake';
      s.deadlineMs = nowMs + s.cfg.timeoutMs;
      return { state: s, actions: initiations(s, nowMs) };
    case 'initiation-sent':
      if (s.phase !== 'handshake') return { state: s, actions: [] };
      s.pending.push({ senderIndex: ev.senderIndex >>> 0, endpoint: ev.endpoint, handshake: ev.handshake });
      if (s.pending.length > s.cfg.maxPending) s.pending.shift();
      s.initiationsSent++;
      return { state: s, actions: [] };
    case 'keyed': {
      const p = pendingFor(s, ev.senderIndex >>> 0);
      if (!p) return { state: s, actions: [] };
      s.phase = 'hello';
      s.via = p.endpoint;
      s.pending = [];
      return { state: s, actions: hello(s, nowMs) };
    }
    case 'welcome':
      if (s.phase !== 'hello') return { state: s, actions: [] };
      s.phase = 'done';
      return { state: s, actions: [{ type: 'done', name: ev.name, endpoint: s.via! }] };
    case 'tick':
      if (s.phase !== 'handshake' && s.phase !== 'hello') return { state: s, actions: [] };
      if (nowMs >= s.deadlineMs) {
        const reason = s.phase === 'hello' ? 'no-welcome' : 'no-answer';
        s.phase = 'failed';
        s.pending = [];
        return { state: s, actions: [{ type: 'fail', reason }] };
      }
      if (nowMs < s.nextSendMs) return { state: s, actions: [] };
      return { state: s, actions: s.phase === 'handshake' ? initiations(s, nowMs) : hello(s, nowMs) };
  }
}

const PEER_NAME_RE = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * The name under which the inviter is saved: the name its token carries when valid, else the one
 * its welcome carries; "-2", "-3"... appended when a peer of that name exists already.
 */
export function inviterPeerName(tokenName: string, welcomeName: string, taken: Iterable<string>): string {
  const base = PEER_NAME_RE.test(tokenName) ? tokenName : welcomeName;
  const used = new Set(taken);
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base.slice(0, 28)}-${i}`;
  return name;
}
