// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b, exactly (Noise Protocol Framework, revision 34).
//
//   IKpsk2:
//     <- s
//     ...
//     -> e, es, s, ss
//     <- e, ee, se, psk
//
// HASH = BLAKE2b-512 (HASHLEN 64), HMAC/HKDF as in crypto.ts, cipher keys are the first 32 bytes
// of HKDF outputs. Because a psk modifier is present, every "e" token also does MixKey(e.pub).
// Pure: no I/O, no clock; ephemeral keys are injectable (or drawn from an injectable rng).
//
// Errors: readMessage throws NoiseError (too short / too long / authentication failed) or
// LowOrderPointError (a DH with a low-order point). After any failed readMessage/writeMessage
// the HandshakeState is poisoned and refuses further use: clone() first if you need to survive
// a bad message.

import {
  DH_LEN,
  HASH_LEN,
  KEY_LEN,
  KeyPair,
  MAX_COUNTER,
  Rng,
  TAG_LEN,
  aeadOpen,
  aeadSeal,
  concat,
  dh,
  generateKeyPair,
  hash,
  hkdf,
  wipe,
} from './crypto';

export const PROTOCOL_NAME = 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b';
export const MAX_MESSAGE_LEN = 65535;
export const PSK_LEN = 32;

export type NoiseErrorReason = 'too_short' | 'too_long' | 'decrypt_failed' | 'state' | 'nonce_exhausted';

export class NoiseError extends Error {
  readonly reason: NoiseErrorReason;
  constructor(reason: NoiseErrorReason, message: string) {
    super(message);
    this.name = 'NoiseError';
    this.reason = reason;
  }
}

const EMPTY = new Uint8Array(0);

function copy(b: Uint8Array): Uint8Array {
  return Uint8Array.from(b);
}

function truncKey(h: Uint8Array): Uint8Array {
  return h.slice(0, KEY_LEN);
}

/** Noise CipherState: a 32-byte key (or none) and a 64-bit nonce counter. */
export class CipherState {
  private k: Uint8Array | null = null;
  private n = 0n;

  constructor(key?: Uint8Array | null) {
    if (key) this.initializeKey(key);
  }

  initializeKey(key: Uint8Array | null): void {
    if (this.k) wipe(this.k);
    if (key && key.length !== KEY_LEN) throw new RangeError(`noise: cipher key must be ${KEY_LEN} bytes`);
    this.k = key ? copy(key) : null;
    this.n = 0n;
  }

  hasKey(): boolean {
    return this.k !== null;
  }

  /** Next nonce that will be used. */
  get nonce(): bigint {
    return this.n;
  }

  setNonce(n: bigint): void {
    this.n = n;
  }

  /** The raw key (a copy), for handing session keys to the data plane. */
  key(): Uint8Array | null {
    return this.k ? copy(this.k) : null;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!this.k) return copy(plaintext);
    if (this.n > MAX_COUNTER) throw new NoiseError('nonce_exhausted', 'noise: cipher nonce exhausted');
    const out = aeadSeal(this.k, this.n, ad, plaintext);
    this.n++;
    return out;
  }

  /** Throws NoiseError('decrypt_failed') when the tag does not verify; the nonce then stays put. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!this.k) return copy(ciphertext);
    if (this.n > MAX_COUNTER) throw new NoiseError('nonce_exhausted', 'noise: cipher nonce exhausted');
    const pt = aeadOpen(this.k, this.n, ad, ciphertext);
    if (!pt) throw new NoiseError('decrypt_failed', 'noise: authentication failed');
    this.n++;
    return pt;
  }

  clone(): CipherState {
    const c = new CipherState(this.k);
    c.n = this.n;
    return c;
  }

  wipe(): void {
    if (this.k) wipe(this.k);
    this.k = null;
    this.n = 0n;
  }
}

/** Noise SymmetricState with HASHLEN = 64. */
export class SymmetricState {
  ck: Uint8Array;
  h: Uint8Array;
  readonly cipher: CipherState;

  constructor(protocolName: string);
  constructor(from: SymmetricState);
  constructor(arg: string | SymmetricState) {
    if (typeof arg === 'string') {
      const name = new TextEncoder().encode(arg);
      let h: Uint8Array;
      if (name.length <= HASH_LEN) {
        h = new Uint8Array(HASH_LEN);
        h.set(name);
      } else {
        h = hash(name);
      }
      this.h = h;
      this.ck = copy(h);
      this.cipher = new CipherState();
    } else {
      this.h = copy(arg.h);
      this.ck = copy(arg.ck);
      this.cipher = arg.cipher.clone();
    }
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf(this.ck, ikm, 2);
    wipe(this.ck);
    this.ck = ck;
    this.cipher.initializeKey(truncKey(tempK));
    wipe(tempK);
  }

  mixHash(data: Uint8Array): void {
    this.h = hash(concat(this.h, data));
  }

  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = hkdf(this.ck, ikm, 3);
    wipe(this.ck);
    this.ck = ck;
    this.mixHash(tempH);
    this.cipher.initializeKey(truncKey(tempK));
    wipe(tempH);
    wipe(tempK);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ct);
    return ct;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return pt;
  }

  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.ck, EMPTY, 2);
    const c1 = new CipherState(truncKey(k1));
    const c2 = new CipherState(truncKey(k2));
    wipe(k1);
    wipe(k2);
    return [c1, c2];
  }

  wipe(): void {
    wipe(this.ck);
    this.cipher.wipe();
  }
}

export interface HandshakeOptions {
  initiator: boolean;
  prologue: Uint8Array;
  /** Our static key pair. */
  s: KeyPair;
  /** The responder's static public key; required for the initiator (pre-message "<- s"). */
  rs?: Uint8Array;
  /** 32-byte pre-shared key; needed by message 2. May be set later with setPsk(). */
  psk?: Uint8Array;
  /** Injected ephemeral key pair (tests / vectors). */
  e?: KeyPair;
  /** Injected randomness for the ephemeral key when `e` is not given. */
  rng?: Rng;
}

export interface TransportPair {
  send: CipherState;
  recv: CipherState;
}

type Token = 'e' | 's' | 'es' | 'ss' | 'ee' | 'se' | 'psk';
const PATTERN: readonly (readonly Token[])[] = [
  ['e', 'es', 's', 'ss'], // -> initiator to responder
  ['e', 'ee', 'se', 'psk'], // <- responder to initiator
];

function checkKeyPair(what: string, kp: KeyPair): void {
  if (kp.privateKey.length !== DH_LEN || kp.publicKey.length !== DH_LEN) {
    throw new RangeError(`noise: ${what} key pair must have 32-byte keys`);
  }
}

/** HandshakeState for IKpsk2. Message 0 is written by the initiator, message 1 by the responder. */
export class HandshakeState {
  readonly initiator: boolean;
  private ss: SymmetricState;
  private s: KeyPair;
  private e: KeyPair | null;
  private rs: Uint8Array | null;
  private re: Uint8Array | null = null;
  private psk: Uint8Array | null;
  private rng: Rng | undefined;
  private index = 0;
  private poisoned = false;

  constructor(opts: HandshakeOptions) {
    this.initiator = opts.initiator;
    checkKeyPair('static', opts.s);
    this.s = { privateKey: copy(opts.s.privateKey), publicKey: copy(opts.s.publicKey) };
    if (opts.e) checkKeyPair('ephemeral', opts.e);
    this.e = opts.e ? { privateKey: copy(opts.e.privateKey), publicKey: copy(opts.e.publicKey) } : null;
    this.rng = opts.rng;
    this.psk = null;
    if (opts.psk) this.setPsk(opts.psk);
    if (opts.initiator) {
      if (!opts.rs || opts.rs.length !== DH_LEN) throw new RangeError('noise: IK initiator needs the 32-byte responder static key');
      this.rs = copy(opts.rs);
    } else {
      this.rs = null;
    }
    this.ss = new SymmetricState(PROTOCOL_NAME);
    this.ss.mixHash(opts.prologue);
    // Pre-message "<- s": the responder's static key.
    this.ss.mixHash(opts.initiator ? (this.rs as Uint8Array) : this.s.publicKey);
  }

  /** Set (or replace) the psk before message 1 (the response) is written or read. */
  setPsk(psk: Uint8Array): void {
    if (psk.length !== PSK_LEN) throw new RangeError(`noise: psk must be ${PSK_LEN} bytes, got ${psk.length}`);
    if (this.psk) wipe(this.psk);
    this.psk = copy(psk);
  }

  /** Inject the ephemeral key pair before this side writes its message. */
  setEphemeral(e: KeyPair): void {
    checkKeyPair('ephemeral', e);
    if (this.e) wipe(this.e.privateKey);
    this.e = { privateKey: copy(e.privateKey), publicKey: copy(e.publicKey) };
  }

  /** The peer's static public key (known to the responder after reading message 0). */
  get remoteStatic(): Uint8Array | null {
    return this.rs ? copy(this.rs) : null;
  }

  /** The peer's ephemeral public key, once received. */
  get remoteEphemeral(): Uint8Array | null {
    return this.re ? copy(this.re) : null;
  }

  /** Our ephemeral public key, once chosen. */
  get localEphemeral(): Uint8Array | null {
    return this.e ? copy(this.e.publicKey) : null;
  }

  get handshakeHash(): Uint8Array {
    return copy(this.ss.h);
  }

  /** Index of the next handshake message (0, 1) or 2 when complete. */
  get messageIndex(): number {
    return this.index;
  }

  get isComplete(): boolean {
    return this.index >= PATTERN.length;
  }

  /** True when it is our turn to write. */
  get isMyTurn(): boolean {
    return !this.isComplete && (this.index % 2 === 0) === this.initiator;
  }

  clone(): HandshakeState {
    const c = Object.create(HandshakeState.prototype) as HandshakeState;
    const m = c as unknown as Record<string, unknown>;
    m.initiator = this.initiator;
    m.ss = new SymmetricState(this.ss);
    m.s = { privateKey: copy(this.s.privateKey), publicKey: copy(this.s.publicKey) };
    m.e = this.e ? { privateKey: copy(this.e.privateKey), publicKey: copy(this.e.publicKey) } : null;
    m.rs = this.rs ? copy(this.rs) : null;
    m.re = this.re ? copy(this.re) : null;
    m.psk = this.psk ? copy(this.psk) : null;
    m.rng = this.rng;
    m.index = this.index;
    m.poisoned = this.poisoned;
    return c;
  }

  private checkUsable(writing: boolean): void {
    if (this.poisoned) throw new NoiseError('state', 'noise: handshake state unusable after a failed message');
    if (this.isComplete) throw new NoiseError('state', 'noise: handshake already complete');
    if (this.isMyTurn !== writing) {
      throw new NoiseError('state', `noise: not our turn to ${writing ? 'write' : 'read'} message ${this.index}`);
    }
  }

  private dhToken(t: 'es' | 'ss' | 'ee' | 'se'): Uint8Array {
    const need = <T>(v: T | null, what: string): T => {
      if (v === null) throw new NoiseError('state', `noise: ${what} missing for ${t}`);
      return v;
    };
    const e = (): Uint8Array => need(this.e, 'local ephemeral').privateKey;
    const s = this.s.privateKey;
    const re = (): Uint8Array => need(this.re, 'remote ephemeral');
    const rs = (): Uint8Array => need(this.rs, 'remote static');
    switch (t) {
      case 'ee':
        return dh(e(), re());
      case 'ss':
        return dh(s, rs());
      case 'es':
        return this.initiator ? dh(e(), rs()) : dh(s, re());
      case 'se':
        return this.initiator ? dh(s, re()) : dh(e(), rs());
    }
  }

  private mixPsk(): void {
    if (!this.psk) throw new NoiseError('state', 'noise: psk required but not set');
    this.ss.mixKeyAndHash(this.psk);
  }

  writeMessage(payload: Uint8Array): Uint8Array {
    this.checkUsable(true);
    try {
      const parts: Uint8Array[] = [];
      for (const t of PATTERN[this.index]) {
        switch (t) {
          case 'e': {
            if (!this.e) this.e = generateKeyPair(this.rng);
            parts.push(copy(this.e.publicKey));
            this.ss.mixHash(this.e.publicKey);
            this.ss.mixKey(this.e.publicKey); // psk handshake
            break;
          }
          case 's':
            parts.push(this.ss.encryptAndHash(this.s.publicKey));
            break;
          case 'psk':
            this.mixPsk();
            break;
          default: {
            const shared = this.dhToken(t);
            this.ss.mixKey(shared);
            wipe(shared);
          }
        }
      }
      parts.push(this.ss.encryptAndHash(payload));
      const out = concat(...parts);
      if (out.length > MAX_MESSAGE_LEN) throw new NoiseError('too_long', 'noise: message too long');
      this.index++;
      return out;
    } catch (err) {
      this.poisoned = true;
      throw err;
    }
  }

  readMessage(message: Uint8Array): Uint8Array {
    this.checkUsable(false);
    try {
      if (message.length > MAX_MESSAGE_LEN) throw new NoiseError('too_long', 'noise: message too long');
      let off = 0;
      const take = (n: number): Uint8Array => {
        if (message.length - off < n) throw new NoiseError('too_short', 'noise: message too short');
        const b = message.subarray(off, off + n);
        off += n;
        return b;
      };
      for (const t of PATTERN[this.index]) {
        switch (t) {
          case 'e': {
            const re = copy(take(DH_LEN));
            this.re = re;
            this.ss.mixHash(re);
            this.ss.mixKey(re); // psk handshake
            break;
          }
          case 's': {
            const len = this.ss.cipher.hasKey() ? DH_LEN + TAG_LEN : DH_LEN;
            this.rs = this.ss.decryptAndHash(take(len));
            break;
          }
          case 'psk':
            this.mixPsk();
            break;
          default: {
            const shared = this.dhToken(t);
            this.ss.mixKey(shared);
            wipe(shared);
          }
        }
      }
      const rest = message.subarray(off);
      if (this.ss.cipher.hasKey() && rest.length < TAG_LEN) throw new NoiseError('too_short', 'noise: message too short');
      const payload = this.ss.decryptAndHash(rest);
      this.index++;
      return payload;
    } catch (err) {
      this.poisoned = true;
      throw err;
    }
  }

  /** Transport cipher states; the initiator sends with the first HKDF output. */
  split(): TransportPair {
    if (!this.isComplete || this.poisoned) throw new NoiseError('state', 'noise: split() before the handshake completed');
    const [c1, c2] = this.ss.split();
    return this.initiator ? { send: c1, recv: c2 } : { send: c2, recv: c1 };
  }

  /** Zero every secret held by this state. */
  wipe(): void {
    this.ss.wipe();
    wipe(this.s.privateKey);
    if (this.e) wipe(this.e.privateKey);
    if (this.psk) wipe(this.psk);
    this.poisoned = true;
  }
}
