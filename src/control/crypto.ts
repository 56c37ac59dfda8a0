// Cryptographic primitives for the control plane, all from libsodium.
//
// Call `await ready()` once at start-up; every other function here is synchronous and throws
// a clear error if libsodium was not initialised. Nothing here reads a clock or keeps state
// besides the libsodium instance itself.
//
//   hash   BLAKE2b-512                      (Noise HASH, HASHLEN = 64)
//   hmac   RFC 2104 HMAC over BLAKE2b-512, block size 128 bytes (NOT keyed BLAKE2b)
//   hkdf   Noise HKDF(chaining_key, ikm, 2|3) built on hmac
//   dh     X25519; low-order points / all-zero results throw LowOrderPointError
//   aead   ChaCha20-Poly1305 IETF with the Noise nonce: 4 zero bytes || u64 LE counter
//   mac    keyed BLAKE2b with a chosen output length (mac1, token checksum, psk derivation)

import sodium = require('libsodium-wrappers');

export { tai64n, compareTimestamps, TAI64N_BYTES } from './tai64n';

export const HASH_LEN = 64;
export const HMAC_BLOCK_LEN = 128;
export const KEY_LEN = 32;
export const DH_LEN = 32;
export const TAG_LEN = 16;
export const NONCE_LEN = 12;
/** Largest counter a CipherState may use; 2^64-1 is reserved by the Noise spec. */
export const MAX_COUNTER = (1n << 64n) - 2n;

export interface KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Source of random bytes; injectable so tests are deterministic. */
export type Rng = (n: number) => Uint8Array;

/** X25519 refused the peer's point (low order) or produced the all-zero shared secret. */
export class LowOrderPointError extends Error {
  constructor(message = 'X25519: low-order public key (all-zero shared secret) rejected') {
    super(message);
    this.name = 'LowOrderPointError';
  }
}

let initialised = false;

/** Initialise libsodium. Idempotent; safe to call many times and concurrently. */
export async function ready(): Promise<void> {
  if (initialised) return;
  await sodium.ready;
  initialised = true;
}

function need(): void {
  if (!initialised) throw new Error('crypto: libsodium not initialised; await ready() first');
}

function checkLen(what: string, buf: Uint8Array, len: number): void {
  if (!(buf instanceof Uint8Array) || buf.length !== len) {
    const got = buf instanceof Uint8Array ? `${buf.length} bytes` : typeof buf;
    throw new RangeError(`crypto: ${what} must be ${len} bytes, got ${got}`);
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** BLAKE2b-512 of data. */
export function hash(data: Uint8Array): Uint8Array {
  need();
  return sodium.crypto_generichash(HASH_LEN, data, null);
}

/** HMAC-BLAKE2b-512 per RFC 2104 with a 128-byte block (the Noise spec's HMAC-HASH). */
export function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  need();
  const k = key.length > HMAC_BLOCK_LEN ? hash(key) : key;
  const block = new Uint8Array(HMAC_BLOCK_LEN);
  block.set(k);
  const ipad = new Uint8Array(HMAC_BLOCK_LEN);
  const opad = new Uint8Array(HMAC_BLOCK_LEN);
  for (let i = 0; i < HMAC_BLOCK_LEN; i++) {
    ipad[i] = block[i] ^ 0x36;
    opad[i] = block[i] ^ 0x5c;
  }
  const inner = hash(concat(ipad, data));
  const out = hash(concat(opad, inner));
  sodium.memzero(block);
  sodium.memzero(ipad);
  sodium.memzero(opad);
  if (k !== key) sodium.memzero(k);
  return out;
}

/**
 * Noise HKDF: temp_key = HMAC(ck, ikm); out1 = HMAC(temp_key, 0x01);
 * out2 = HMAC(temp_key, out1 || 0x02); out3 = HMAC(temp_key, out2 || 0x03).
 * Returns n outputs of HASHLEN (64) bytes each.
 */
export function hkdf(chainingKey: Uint8Array, ikm: Uint8Array, n: 2 | 3): Uint8Array[] {
  if (n !== 2 && n !== 3) throw new RangeError(`crypto: hkdf outputs must be 2 or 3, got ${String(n)}`);
  const temp = hmac(chainingKey, ikm);
  const outs: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    prev = hmac(temp, concat(prev, Uint8Array.of(i)));
    outs.push(prev);
  }
  sodium.memzero(temp);
  return outs;
}

export function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const [a, b] = hkdf(chainingKey, ikm, 2);
  return [a, b];
}

export function hkdf3(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const [a, b, c] = hkdf(chainingKey, ikm, 3);
  return [a, b, c];
}

/** X25519(priv, pub). Throws LowOrderPointError for low-order points / all-zero output. */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  need();
  checkLen('X25519 private key', privateKey, DH_LEN);
  checkLen('X25519 public key', publicKey, DH_LEN);
  let out: Uint8Array;
  try {
    out = sodium.crypto_scalarmult(privateKey, publicKey);
  } catch {
    // With both lengths checked, libsodium only fails on a low-order / zero result.
    throw new LowOrderPointError();
  }
  let acc = 0;
  for (let i = 0; i < out.length; i++) acc |= out[i];
  if (acc === 0) throw new LowOrderPointError();
  return out;
}

/** X25519 public key of a private key. */
export function publicKey(privateKey: Uint8Array): Uint8Array {
  need();
  checkLen('X25519 private key', privateKey, DH_LEN);
  return sodium.crypto_scalarmult_base(privateKey);
}

/** A fresh X25519 key pair; with `rng` the private key is rng(32) (tests). */
export function generateKeyPair(rng?: Rng): KeyPair {
  need();
  if (rng) {
    const privateKey = Uint8Array.from(rng(DH_LEN));
    checkLen('rng output', privateKey, DH_LEN);
    return { privateKey, publicKey: publicKey(privateKey) };
  }
  const kp = sodium.crypto_box_keypair();
  return { privateKey: kp.privateKey, publicKey: kp.publicKey };
}

/** Cryptographically secure random bytes. */
export function randomBytes(n: number): Uint8Array {
  need();
  return sodium.randombytes_buf(n);
}

/** Noise ChaChaPoly nonce: 32 bits of zeros followed by the 64-bit little-endian counter. */
export function nonceFor(counter: bigint): Uint8Array {
  if (typeof counter !== 'bigint' || counter < 0n || counter > 0xffffffffffffffffn) {
    throw new RangeError(`crypto: AEAD counter out of range: ${String(counter)}`);
  }
  const n = new Uint8Array(NONCE_LEN);
  new DataView(n.buffer).setBigUint64(4, counter, true);
  return n;
}

/** ChaCha20-Poly1305 IETF seal; returns ciphertext || 16-byte tag. */
export function aeadSeal(key: Uint8Array, counter: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  need();
  checkLen('AEAD key', key, KEY_LEN);
  return sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, ad, null, nonceFor(counter), key);
}

/** ChaCha20-Poly1305 IETF open; null when the tag does not verify (or input is too short). */
export function aeadOpen(key: Uint8Array, counter: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  need();
  checkLen('AEAD key', key, KEY_LEN);
  if (ciphertext.length < TAG_LEN) return null;
  try {
    return sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonceFor(counter), key);
  } catch {
    return null;
  }
}

/** Keyed BLAKE2b (key 0..64 bytes, empty = unkeyed) with an output of outLen (16..64) bytes. */
export function mac(key: Uint8Array, data: Uint8Array, outLen: number): Uint8Array {
  need();
  if (!Number.isInteger(outLen) || outLen < 16 || outLen > 64) {
    throw new RangeError(`crypto: BLAKE2b output length must be 16..64, got ${outLen}`);
  }
  if (key.length > 64) throw new RangeError(`crypto: BLAKE2b key must be at most 64 bytes, got ${key.length}`);
  return sodium.crypto_generichash(outLen, data, key.length === 0 ? null : key);
}

/** Constant-time equality; false for different lengths. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  need();
  if (a.length !== b.length) return false;
  return sodium.memcmp(a, b);
}

/** Overwrite a buffer with zeros. */
export function wipe(buf: Uint8Array | null | undefined): void {
  if (!buf || buf.length === 0) return;
  if (initialised) sodium.memzero(buf);
  else buf.fill(0);
}
