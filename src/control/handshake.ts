// The bridgehead handshake: Noise_IKpsk2 (noise.ts) in WireGuard-like messages (messages.ts).
//
//   initiator                                         responder
//   createInitiation(now) --- initiation (164) --->   openInitiation(msg)      mac1, then DH;
//                                                        caller: look up peer by static key,
//                                                        check timestamp > last seen, pick psk
//                      <--- response (92) -------     createResponse(state, psk) -> keypair
//   consumeResponse(state, msg) -> keypair
//
// The initiation payload is TAI64N(12) || invite_id(16); the response payload is empty.
// IKpsk2 mixes the psk only into message 2, so the responder learns (and authenticates, via
// es/ss) the initiator's static key before it has to pick the psk. The psk itself is verified
// by the initiator when it decrypts the response.
//
// As in WireGuard, the indices are covered by mac1 but not by the Noise transcript: someone who
// rewrites an index (and recomputes mac1) can only break that handshake, never learn keys.
// Reserved bytes must be zero. mac2 (cookie.ts) is the driver's business: openInitiation ignores
// it (the driver checked it when under load), responses must carry mac2 = 0.
//
// Pure: the time comes in as nowMs, indices and (optionally) ephemerals from the caller.
// Functions that take attacker-controlled bytes return { ok: false, reason } and never throw;
// programmer errors (wrong key sizes, bad index) throw RangeError.

import { DH_LEN, KeyPair, LowOrderPointError, Rng, generateKeyPair, wipe } from './crypto';
import { HandshakeState, PSK_LEN } from './noise';
import {
  INITIATION_PAYLOAD_LEN,
  INITIATION_SIZE,
  INVITE_ID_LEN,
  MSG_INITIATION,
  MSG_RESPONSE,
  RESPONSE_SIZE,
  checkMac1,
  decodeInitiation,
  decodeResponse,
  encodeInitiation,
  encodeResponse,
} from './messages';
import { TAI64N_BYTES, compareTimestamps, tai64n } from './tai64n';

export { checkMac1, tai64n, compareTimestamps };

/** Noise prologue: the ASCII bytes "bridgehead v1". */
export const PROLOGUE = new TextEncoder().encode('bridgehead v1');

export type StaticIdentity = KeyPair;

/** Session keys to hand to the data plane (dp.installKeypair). */
export interface Keypair {
  localIndex: number;
  remoteIndex: number;
  sendKey: Uint8Array;
  recvKey: Uint8Array;
  initiator: boolean;
}

/** Initiator state between createInitiation and consumeResponse (opaque secrets inside). */
export interface InitiatorPending {
  readonly senderIndex: number;
  readonly remotePublicKey: Uint8Array;
  readonly timestamp: Uint8Array;
  readonly inviteId: Uint8Array;
  /** mac1 of the initiation sent: the associated data of a cookie reply to it. */
  readonly mac1: Uint8Array;
  /** True when the initiation carried a mac2 (a cookie was used). */
  readonly withCookie: boolean;
}

/** Responder state between openInitiation and createResponse (opaque secrets inside). */
export interface ResponderPending {
  readonly initiatorPublicKey: Uint8Array;
  /** The initiator's sender_index; becomes our keypair's remoteIndex. */
  readonly remoteIndex: number;
  readonly timestamp: Uint8Array;
  readonly inviteId: Uint8Array;
}

interface Internal {
  hs: HandshakeState;
  /** Our static public key (initiator side: the key the response's mac1 is made for). */
  localPublicKey: Uint8Array;
  done: boolean;
}

const internals = new WeakMap<object, Internal>();

export type OpenInitiationResult =
  | {
      ok: true;
      initiatorPublicKey: Uint8Array;
      timestamp: Uint8Array;
      inviteId: Uint8Array;
      senderIndex: number;
      state: ResponderPending;
    }
  | { ok: false; reason: 'bad_size' | 'bad_mac1' | 'malformed' | 'decrypt_failed' | 'low_order' };

export type ConsumeResponseResult =
  | { ok: true; keypair: Keypair }
  | {
      ok: false;
      reason: 'bad_size' | 'bad_mac1' | 'malformed' | 'unknown_index' | 'decrypt_failed' | 'low_order' | 'stale';
    };

function checkIdentity(what: string, id: KeyPair): void {
  if (!id || !(id.privateKey instanceof Uint8Array) || !(id.publicKey instanceof Uint8Array) ||
      id.privateKey.length !== DH_LEN || id.publicKey.length !== DH_LEN) {
    throw new RangeError(`handshake: ${what} must have 32-byte privateKey and publicKey`);
  }
}

function checkBytes(what: string, b: Uint8Array, len: number): void {
  if (!(b instanceof Uint8Array) || b.length !== len) {
    throw new RangeError(`handshake: ${what} must be ${len} bytes`);
  }
}

function checkIndex(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`handshake: ${what} must be a u32, got ${v}`);
}


function failReason(err: unknown): 'low_order' | 'decrypt_failed' {
  return err instanceof LowOrderPointError ? 'low_order' : 'decrypt_failed';
}

function keypairFrom(hs: HandshakeState, localIndex: number, remoteIndex: number): Keypair {
  const { send, recv } = hs.split();
  const sendKey = send.key() as Uint8Array;
  const recvKey = recv.key() as Uint8Array;
  send.wipe();
  recv.wipe();
  return { localIndex, remoteIndex, sendKey, recvKey, initiator: hs.initiator };
}

/** Build an initiation (type 1, 164 bytes) to the peer whose static key is remotePublicKey. */
export function createInitiation(p: {
  local: StaticIdentity;
  remotePublicKey: Uint8Array;
  /** 32 bytes; all zero if the pair has no psk. */
  psk: Uint8Array;
  senderIndex: number;
  nowMs: number;
  /** 16 bytes; only during enrollment with an invite token, zeros otherwise. */
  inviteId?: Uint8Array;
  /** The responder's cookie (16 bytes) when we hold a valid one: the initiation gets mac2. */
  cookie?: Uint8Array;
  ephemeral?: StaticIdentity;
  rng?: Rng;
}): { message: Uint8Array; state: InitiatorPending } {
  checkIdentity('local identity', p.local);
  checkBytes('remotePublicKey', p.remotePublicKey, DH_LEN);
  checkBytes('psk', p.psk, PSK_LEN);
  checkIndex('senderIndex', p.senderIndex);
  if (p.ephemeral) checkIdentity('ephemeral', p.ephemeral);
  const inviteId = p.inviteId ? Uint8Array.from(p.inviteId) : new Uint8Array(INVITE_ID_LEN);
  checkBytes('inviteId', inviteId, INVITE_ID_LEN);
  const timestamp = tai64n(p.nowMs);

  const hs = new HandshakeState({
    initiator: true,
    prologue: PROLOGUE,
    s: p.local,
    rs: p.remotePublicKey,
    psk: p.psk,
    e: p.ephemeral,
    rng: p.rng,
  });
  const payload = new Uint8Array(INITIATION_PAYLOAD_LEN);
  payload.set(timestamp, 0);
  payload.set(inviteId, TAI64N_BYTES);
  // Throws LowOrderPointError only if remotePublicKey itself is low order (local config error).
  const noise = hs.writeMessage(payload);
  const message = encodeInitiation(p.senderIndex, noise, p.remotePublicKey, p.cookie);

  const state: InitiatorPending = Object.freeze({
    senderIndex: p.senderIndex,
    remotePublicKey: Uint8Array.from(p.remotePublicKey),
    timestamp,
    inviteId,
    mac1: message.slice(INITIATION_SIZE - 32, INITIATION_SIZE - 16),
    withCookie: p.cookie !== undefined,
  });
  internals.set(state, { hs, localPublicKey: Uint8Array.from(p.local.publicKey), done: false });
  return { message, state };
}

/**
 * Responder step 1: check size and mac1 (no DH before that), then run Noise message 1 to
 * learn the initiator's static key, timestamp and invite id. No psk needed yet.
 */
export function openInitiation(msg: Uint8Array, local: StaticIdentity): OpenInitiationResult {
  checkIdentity('local identity', local);
  if (!(msg instanceof Uint8Array) || msg.length !== INITIATION_SIZE || msg[0] !== MSG_INITIATION) {
    return { ok: false, reason: 'bad_size' };
  }
  if (!checkMac1(msg, local.publicKey)) return { ok: false, reason: 'bad_mac1' };
  const init = decodeInitiation(msg);
  if (!init) return { ok: false, reason: 'malformed' };

  const hs = new HandshakeState({ initiator: false, prologue: PROLOGUE, s: local });
  let payload: Uint8Array;
  try {
    payload = hs.readMessage(init.noise);
  } catch (err) {
    hs.wipe();
    return { ok: false, reason: failReason(err) };
  }
  const initiatorPublicKey = hs.remoteStatic;
  if (!initiatorPublicKey || payload.length !== INITIATION_PAYLOAD_LEN) {
    hs.wipe();
    return { ok: false, reason: 'malformed' };
  }
  const timestamp = payload.slice(0, TAI64N_BYTES);
  const inviteId = payload.slice(TAI64N_BYTES);
  const state: ResponderPending = Object.freeze({
    initiatorPublicKey: Uint8Array.from(initiatorPublicKey),
    remoteIndex: init.senderIndex,
    timestamp: Uint8Array.from(timestamp),
    inviteId: Uint8Array.from(inviteId),
  });
  internals.set(state, { hs, localPublicKey: Uint8Array.from(local.publicKey), done: false });
  return { ok: true, initiatorPublicKey, timestamp, inviteId, senderIndex: init.senderIndex, state };
}

/**
 * Responder step 2, after the caller accepted the peer (known static key, fresh timestamp)
 * and chose its psk. Single use: the pending state is wiped afterwards.
 */
export function createResponse(
  state: ResponderPending,
  p: { psk: Uint8Array; senderIndex: number; ephemeral?: StaticIdentity; rng?: Rng; cookie?: Uint8Array },
): { message: Uint8Array; keypair: Keypair } {
  const st = internals.get(state);
  if (!st) throw new TypeError('handshake: createResponse needs a state from openInitiation');
  if (st.done) throw new Error('handshake: this initiation was already answered');
  checkBytes('psk', p.psk, PSK_LEN);
  checkIndex('senderIndex', p.senderIndex);
  if (p.ephemeral) checkIdentity('ephemeral', p.ephemeral);

  const hs = st.hs;
  st.done = true;
  hs.setPsk(p.psk);
  if (p.ephemeral) hs.setEphemeral(p.ephemeral);
  else if (p.rng) hs.setEphemeral(generateKeyPair(p.rng));
  // The initiator's ephemeral and static keys already passed DH in openInitiation, so this
  // cannot hit a low-order point.
  const noise = hs.writeMessage(new Uint8Array(0));
  const message = encodeResponse(p.senderIndex, state.remoteIndex, noise, state.initiatorPublicKey, p.cookie);
  const keypair = keypairFrom(hs, p.senderIndex, state.remoteIndex);
  hs.wipe();
  return { message, keypair };
}

/**
 * Initiator: process the response. Checks size, mac1 (made for our static key), that it
 * answers our sender_index, then decrypts. A wrong psk shows up as 'decrypt_failed'.
 * A failed attempt leaves the pending state usable (a forged response cannot kill a handshake);
 * a successful one consumes it ('stale' afterwards).
 */
export function consumeResponse(state: InitiatorPending, msg: Uint8Array): ConsumeResponseResult {
  const st = internals.get(state);
  if (!st || st.done) return { ok: false, reason: 'stale' };
  if (!(msg instanceof Uint8Array) || msg.length !== RESPONSE_SIZE || msg[0] !== MSG_RESPONSE) {
    return { ok: false, reason: 'bad_size' };
  }
  if (!checkMac1(msg, st.localPublicKey)) return { ok: false, reason: 'bad_mac1' };
  const resp = decodeResponse(msg);
  if (!resp) return { ok: false, reason: 'malformed' }; // mac2 (a cookie's) is the guard's business
  if (resp.receiverIndex !== state.senderIndex) return { ok: false, reason: 'unknown_index' };

  const hs = st.hs.clone();
  let payload: Uint8Array;
  try {
    payload = hs.readMessage(resp.noise);
  } catch (err) {
    hs.wipe();
    return { ok: false, reason: failReason(err) };
  }
  if (payload.length !== 0) {
    hs.wipe();
    return { ok: false, reason: 'malformed' };
  }
  const keypair = keypairFrom(hs, state.senderIndex, resp.senderIndex);
  hs.wipe();
  st.hs.wipe();
  st.done = true;
  return { ok: true, keypair };
}

/** Receiver index of a response (for routing it to the right pending state), or null. */
export function responseReceiverIndex(msg: Uint8Array): number | null {
  if (!(msg instanceof Uint8Array) || msg.length !== RESPONSE_SIZE || msg[0] !== MSG_RESPONSE) return null;
  return new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(8, true);
}

/** Forget a pending handshake (timeout, give-up): zero its secrets. Idempotent. */
export function discardPending(state: InitiatorPending | ResponderPending): void {
  const st = internals.get(state);
  if (!st) return;
  st.hs.wipe();
  st.done = true;
  internals.delete(state);
}

/** Zero the session keys of a keypair once they were handed to the data plane. */
export function wipeKeypair(kp: Keypair): void {
  wipe(kp.sendKey);
  wipe(kp.recvKey);
}
