// Cookies (WireGuard paper section 5.4.7, with this project's BLAKE2b in place of BLAKE2s):
//
//   responder under load, initiation without a valid mac2 from source (ip, port):
//     cookie  = MAC(Rm, ip_bytes || port_be16)              Rm: 32 random bytes, new every 120 s
//     reply   = type=3 u8 | reserved[3]=0 | receiver_index u32 | nonce[24] | enc_cookie[32]   (64)
//     enc_cookie = XChaCha20-Poly1305(key = HASH("cookie--" || responder_static_public),
//                                     nonce, cookie, ad = mac1 of the initiation answered)
//   initiator: decrypts the cookie with the responder's public key and the mac1 it sent, keeps it
//     for COOKIE_VALID_MS and puts mac2 = MAC(cookie, msg[0 : offset(mac2)]) on its initiations.
//
// MAC(key, x) is keyed BLAKE2b-128, HASH(x) is BLAKE2b-256 (as mac1, messages.ts).
// Pure: time comes in as nowMs and randomness through an injectable Rng.

import sodium = require('libsodium-wrappers');
import { concat, equal, mac, randomBytes, type Rng } from './crypto';
import { MAC_LEN } from './messages';
import { parseIpv4, parseIpv6 } from '../util/addr';

export const MSG_COOKIE_REPLY = 3;
export const COOKIE_REPLY_SIZE = 64;
export const COOKIE_LEN = 16;
export const COOKIE_NONCE_LEN = 24;
export const COOKIE_SECRET_LEN = 32;
/** The responder draws a new secret Rm after this long (WireGuard: 2 minutes). */
export const COOKIE_SECRET_MAX_AGE_MS = 120_000;
/** The initiator uses a received cookie for this long. */
export const COOKIE_VALID_MS = 120_000;

const COOKIE_LABEL = new TextEncoder().encode('cookie--');

/** HASH("cookie--" || public key): the key cookie replies from that static key are sealed with. */
export function cookieKey(responderPublicKey: Uint8Array): Uint8Array {
  return mac(new Uint8Array(0), concat(COOKIE_LABEL, responderPublicKey), 32);
}

/** ip (4 or 16 bytes) || port (big-endian), the value a cookie is bound to; null for a bad address. */
export function sourceBytes(address: string, port: number): Uint8Array | null {
  const ip = address.includes(':') ? parseIpv6(address) : parseIpv4(address);
  if (!ip || !Number.isInteger(port) || port < 0 || port > 0xffff) return null;
  return concat(ip, Uint8Array.of(port >> 8, port & 0xff));
}

/** mac2 over everything before the mac2 field of a full initiation/response. */
export function computeMac2(msg: Uint8Array, cookie: Uint8Array): Uint8Array {
  return mac(cookie, msg.subarray(0, msg.length - MAC_LEN), MAC_LEN);
}

/** True when the message's mac2 was made with this cookie (constant-time compare). */
export function checkMac2(msg: Uint8Array, cookie: Uint8Array): boolean {
  return equal(computeMac2(msg, cookie), msg.subarray(msg.length - MAC_LEN));
}

/** Build a cookie reply (type 3) for the message with sender index `receiverIndex` and `mac1`. */
export function encodeCookieReply(p: {
  receiverIndex: number; mac1: Uint8Array; cookie: Uint8Array; responderPublicKey: Uint8Array; nonce: Uint8Array;
}): Uint8Array {
  if (p.nonce.length !== COOKIE_NONCE_LEN || p.cookie.length !== COOKIE_LEN || p.mac1.length !== MAC_LEN) {
    throw new RangeError('cookie: nonce must be 24, cookie 16 and mac1 16 bytes');
  }
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(p.cookie, p.mac1, null, p.nonce,
    cookieKey(p.responderPublicKey));
  const msg = new Uint8Array(COOKIE_REPLY_SIZE);
  msg[0] = MSG_COOKIE_REPLY;
  new DataView(msg.buffer).setUint32(4, p.receiverIndex >>> 0, true);
  msg.set(p.nonce, 8);
  msg.set(sealed, 8 + COOKIE_NONCE_LEN);
  return msg;
}

/** Receiver index of a cookie reply (to find the pending initiation), or null if malformed. */
export function cookieReplyReceiver(msg: Uint8Array): number | null {
  if (!(msg instanceof Uint8Array) || msg.length !== COOKIE_REPLY_SIZE || msg[0] !== MSG_COOKIE_REPLY ||
      msg[1] !== 0 || msg[2] !== 0 || msg[3] !== 0) return null;
  return new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(4, true);
}

/** The cookie inside a reply, or null when it does not decrypt for (responder key, our mac1). */
export function openCookieReply(msg: Uint8Array, responderPublicKey: Uint8Array, sentMac1: Uint8Array): Uint8Array | null {
  if (cookieReplyReceiver(msg) === null || sentMac1.length !== MAC_LEN) return null;
  try {
    const c = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, msg.subarray(8 + COOKIE_NONCE_LEN),
      sentMac1, msg.subarray(8, 8 + COOKIE_NONCE_LEN), cookieKey(responderPublicKey));
    return c.length === COOKIE_LEN ? c : null;
  } catch {
    return null;
  }
}

/**
 * The responder's cookie secret Rm: drawn at first use and again once it is older than
 * COOKIE_SECRET_MAX_AGE_MS. A cookie (and so a mac2) made with an older secret stops being valid.
 */
export class CookieChecker {
  private secret: Uint8Array | null = null;
  private bornMs = 0;
  private rotations = 0;

  constructor(private readonly ourPublicKey: Uint8Array, private readonly rng: Rng = randomBytes) {}

  /** Number of secrets drawn so far (status). */
  get secretsDrawn(): number { return this.rotations; }

  private current(nowMs: number): Uint8Array {
    if (!this.secret || nowMs - this.bornMs >= COOKIE_SECRET_MAX_AGE_MS || nowMs < this.bornMs) {
      if (this.secret) this.secret.fill(0);
      this.secret = Uint8Array.from(this.rng(COOKIE_SECRET_LEN));
      this.bornMs = nowMs;
      this.rotations++;
    }
    return this.secret;
  }

  /** The cookie for a source at nowMs; null for an address that is not an IP literal. */
  cookieFor(address: string, port: number, nowMs: number): Uint8Array | null {
    const src = sourceBytes(address, port);
    return src ? mac(this.current(nowMs), src, COOKIE_LEN) : null;
  }

  /** True when msg (full initiation) carries the mac2 this source's current cookie gives. */
  mac2Valid(msg: Uint8Array, address: string, port: number, nowMs: number): boolean {
    const c = this.cookieFor(address, port, nowMs);
    return c !== null && checkMac2(msg, c);
  }

  /** A cookie reply answering `msg` (an initiation whose mac1 already verified) from this source. */
  reply(msg: Uint8Array, address: string, port: number, nowMs: number): Uint8Array | null {
    const cookie = this.cookieFor(address, port, nowMs);
    if (!cookie) return null;
    const receiverIndex = new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(4, true);
    const mac1 = msg.subarray(msg.length - 2 * MAC_LEN, msg.length - MAC_LEN);
    return encodeCookieReply({ receiverIndex, mac1, cookie, responderPublicKey: this.ourPublicKey,
      nonce: this.rng(COOKIE_NONCE_LEN) });
  }
}
