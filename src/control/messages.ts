// Handshake wire messages (docs/INTERNALS.md section 1), all integers little-endian:
//
//   initiation (164): type=1 u8 | reserved[3]=0 | sender_index u32 | ephemeral[32]
//                     | enc_static[48] | enc_payload[44] | mac1[16] | mac2[16]
//   response    (92): type=2 u8 | reserved[3]=0 | sender_index u32 | receiver_index u32
//                     | ephemeral[32] | enc_empty[16] | mac1[16] | mac2[16]
//
// mac1 = BLAKE2b-128(key = BLAKE2b-256("mac1----" || receiver_static_public), msg[0 : offset(mac1)])
// where the receiver is whoever the message is addressed to (the responder for an initiation,
// the initiator for a response). mac2 = BLAKE2b-128(key = cookie, msg[0 : offset(mac2)]) when the
// initiator holds a cookie from the responder (cookie.ts), else all zero; responses carry mac2 = 0.
// Cookie replies (type 3, 64 bytes) are in cookie.ts.
// Pure encode/decode; decoders return null on anything that is not exactly the right shape.

import { concat, equal, mac } from './crypto';

export const MSG_INITIATION = 1;
export const MSG_RESPONSE = 2;
export const MSG_TRANSPORT = 4;

export const INITIATION_SIZE = 164;
export const RESPONSE_SIZE = 92;
export const MAC_LEN = 16;
/** Bytes of the Noise message inside an initiation: e(32) + enc s(48) + enc payload(44). */
export const INITIATION_NOISE_LEN = 124;
/** Bytes of the Noise message inside a response: e(32) + enc empty payload(16). */
export const RESPONSE_NOISE_LEN = 48;
/** Initiation payload: TAI64N (12) || invite_id (16). */
export const INITIATION_PAYLOAD_LEN = 28;
export const INVITE_ID_LEN = 16;

const MAC1_LABEL = new TextEncoder().encode('mac1----');

export interface Initiation {
  senderIndex: number;
  /** The Noise handshake message: ephemeral || enc_static || enc_payload (124 bytes). */
  noise: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
}

export interface Response {
  senderIndex: number;
  receiverIndex: number;
  /** The Noise handshake message: ephemeral || enc_empty (48 bytes). */
  noise: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
}

function checkIndex(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`messages: ${what} must be a u32, got ${v}`);
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Message type byte, or null for an empty buffer. */
export function messageType(msg: Uint8Array): number | null {
  return msg.length > 0 ? msg[0] : null;
}

let cachedKeyFor: Uint8Array | null = null;
let cachedKey: Uint8Array | null = null;

/** BLAKE2b-256("mac1----" || receiver static public key); the last key is cached (a responder
 *  checks every initiation against its own key, so a flood costs one BLAKE2b per datagram). */
export function mac1Key(receiverPublicKey: Uint8Array): Uint8Array {
  if (cachedKey && cachedKeyFor && equalBytes(cachedKeyFor, receiverPublicKey)) return cachedKey;
  const k = mac(new Uint8Array(0), concat(MAC1_LABEL, receiverPublicKey), 32);
  cachedKeyFor = Uint8Array.from(receiverPublicKey);
  cachedKey = k;
  return k;
}

/** Plain compare of public values (keys are not secret here). */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** mac1 over everything before the mac1 field (msg must be a full 164/92-byte message). */
export function computeMac1(msg: Uint8Array, receiverPublicKey: Uint8Array): Uint8Array {
  const off = msg.length - 2 * MAC_LEN;
  return mac(mac1Key(receiverPublicKey), msg.subarray(0, off), MAC_LEN);
}

/**
 * True when msg is an initiation or response of exact size whose mac1 was made for
 * ourPublicKey. Constant-time compare; never throws on attacker input.
 */
export function checkMac1(msg: Uint8Array, ourPublicKey: Uint8Array): boolean {
  if (!(msg instanceof Uint8Array) || ourPublicKey.length !== 32) return false;
  const ok =
    (msg.length === INITIATION_SIZE && msg[0] === MSG_INITIATION) ||
    (msg.length === RESPONSE_SIZE && msg[0] === MSG_RESPONSE);
  if (!ok) return false;
  const off = msg.length - 2 * MAC_LEN;
  return equal(computeMac1(msg, ourPublicKey), msg.subarray(off, off + MAC_LEN));
}

function finish(msg: Uint8Array, receiverPublicKey: Uint8Array, cookie?: Uint8Array): Uint8Array {
  const off = msg.length - 2 * MAC_LEN;
  msg.set(computeMac1(msg, receiverPublicKey), off);
  // mac2 = MAC(cookie, everything before mac2) with a cookie, zero without.
  if (cookie) msg.set(mac(cookie, msg.subarray(0, off + MAC_LEN), MAC_LEN), off + MAC_LEN);
  return msg;
}

/** Build a 164-byte initiation around a 124-byte Noise message, with mac1 for the responder
 *  and, given the responder's cookie (16 bytes), mac2. */
export function encodeInitiation(senderIndex: number, noise: Uint8Array, responderPublicKey: Uint8Array,
  cookie?: Uint8Array): Uint8Array {
  if (cookie && cookie.length !== MAC_LEN) throw new RangeError(`messages: cookie must be ${MAC_LEN} bytes, got ${cookie.length}`);
  checkIndex('sender_index', senderIndex);
  if (noise.length !== INITIATION_NOISE_LEN) {
    throw new RangeError(`messages: initiation Noise message must be ${INITIATION_NOISE_LEN} bytes, got ${noise.length}`);
  }
  const msg = new Uint8Array(INITIATION_SIZE);
  msg[0] = MSG_INITIATION;
  view(msg).setUint32(4, senderIndex, true);
  msg.set(noise, 8);
  return finish(msg, responderPublicKey, cookie);
}

/** Build a 92-byte response around a 48-byte Noise message, with mac1 for the initiator. */
export function encodeResponse(
  senderIndex: number,
  receiverIndex: number,
  noise: Uint8Array,
  initiatorPublicKey: Uint8Array,
  cookie?: Uint8Array, // the initiator's cookie (it was under load): mac2 with it, else zero
): Uint8Array {
  if (cookie && cookie.length !== MAC_LEN) throw new RangeError(`messages: cookie must be ${MAC_LEN} bytes, got ${cookie.length}`);
  checkIndex('sender_index', senderIndex);
  checkIndex('receiver_index', receiverIndex);
  if (noise.length !== RESPONSE_NOISE_LEN) {
    throw new RangeError(`messages: response Noise message must be ${RESPONSE_NOISE_LEN} bytes, got ${noise.length}`);
  }
  const msg = new Uint8Array(RESPONSE_SIZE);
  msg[0] = MSG_RESPONSE;
  const v = view(msg);
  v.setUint32(4, senderIndex, true);
  v.setUint32(8, receiverIndex, true);
  msg.set(noise, 12);
  return finish(msg, initiatorPublicKey, cookie);
}

function headerOk(msg: Uint8Array, type: number, size: number): boolean {
  return msg instanceof Uint8Array && msg.length === size && msg[0] === type && msg[1] === 0 && msg[2] === 0 && msg[3] === 0;
}

/** Split an initiation into fields (copies); null unless exactly 164 bytes, type 1, reserved zero. */
export function decodeInitiation(msg: Uint8Array): Initiation | null {
  if (!headerOk(msg, MSG_INITIATION, INITIATION_SIZE)) return null;
  return {
    senderIndex: view(msg).getUint32(4, true),
    noise: msg.slice(8, 8 + INITIATION_NOISE_LEN),
    mac1: msg.slice(INITIATION_SIZE - 32, INITIATION_SIZE - 16),
    mac2: msg.slice(INITIATION_SIZE - 16),
  };
}

/** Split a response into fields (copies); null unless exactly 92 bytes, type 2, reserved zero. */
export function decodeResponse(msg: Uint8Array): Response | null {
  if (!headerOk(msg, MSG_RESPONSE, RESPONSE_SIZE)) return null;
  const v = view(msg);
  return {
    senderIndex: v.getUint32(4, true),
    receiverIndex: v.getUint32(8, true),
    noise: msg.slice(12, 12 + RESPONSE_NOISE_LEN),
    mac1: msg.slice(RESPONSE_SIZE - 32, RESPONSE_SIZE - 16),
    mac2: msg.slice(RESPONSE_SIZE - 16),
  };
}
