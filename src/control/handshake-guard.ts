// Admission of handshake datagrams before any Diffie-Hellman (the WireGuard DoS defence):
//
//   initiation from (ip, port)
//     -> mac1 for our key?                no -> drop bad_mac1            (one BLAKE2b, nothing kept)
//     -> load meter: mac1-valid initiations per second; under load at >= UNDER_LOAD_PER_SECOND,
//        and for the whole next second
//     -> same mac1 as one already let through?  -> drop replayed_initiation (cheap, before DH)
//     -> per-source token bucket (ip; IPv6 per /64)  empty -> drop ratelimited
//     -> under load and no valid mac2 for (ip, port)  -> cookie reply (cookie.ts), nothing else
//     -> process (the driver runs Noise, then still refuses a timestamp <= the last one)
//   response from (ip, port) -> mac1 -> per-source token bucket -> under load and no valid mac2
//     -> cookie reply (the responder keeps the cookie and puts mac2 on its next response: the
//     initiator's regular retry gets one), else process (the driver looks up the pending index
//     before anything costly)
//   cookie reply from (ip, port) -> per-source token bucket only
//
// Every table here is bounded: SourceLimiter (LRU eviction when full, counted) and ReplayFilter
// (oldest forgotten when full). Pure: time as nowMs, randomness injected.

import { type Rng, randomBytes } from './crypto';
import { CookieChecker, sourceBytes } from './cookie';
import { INITIATION_SIZE, MAC_LEN, MSG_INITIATION, MSG_RESPONSE, RESPONSE_SIZE, checkMac1 } from './messages';

/** Per-source budget, as WireGuard's ratelimiter: 20 handshake datagrams/s, bursts of 5. */
export const SOURCE_RATE_PER_SECOND = 20;
export const SOURCE_BURST = 5;
export const SOURCE_TABLE_CAPACITY = 4096;
export const REPLAY_FILTER_CAPACITY = 4096;
/** mac1-valid initiations per second from which the responder asks for cookies. */
export const UNDER_LOAD_PER_SECOND = 40;

/** Token buckets per source address, in a table of bounded size (least recently used evicted). */
export class SourceLimiter {
  private readonly buckets = new Map<string, { tokens: number; lastMs: number }>();
  evictions = 0;

  constructor(readonly capacity = SOURCE_TABLE_CAPACITY, readonly ratePerSecond = SOURCE_RATE_PER_SECOND,
    readonly burst = SOURCE_BURST) {
    if (!(capacity >= 1)) throw new RangeError(`SourceLimiter: capacity must be >= 1, got ${capacity}`);
  }

  get size(): number { return this.buckets.size; }

  /** Takes one token for this source; false when its bucket is empty. */
  take(key: string, nowMs: number): boolean {
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key); // re-inserted below: Map order is the LRU order
      if (nowMs > b.lastMs) b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.lastMs) * this.ratePerSecond) / 1000);
      b.lastMs = Math.max(b.lastMs, nowMs);
    } else {
      if (this.buckets.size >= this.capacity) {
        const oldest = this.buckets.keys().next().value as string;
        this.buckets.delete(oldest);
        this.evictions++;
      }
      b = { tokens: this.burst, lastMs: nowMs };
    }
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** The mac1 values of the last `capacity` initiations let through to Noise. */
export class ReplayFilter {
  private readonly seen = new Set<string>();
  constructor(readonly capacity = REPLAY_FILTER_CAPACITY) {}
  get size(): number { return this.seen.size; }
  has(mac1: Uint8Array): boolean { return this.seen.has(Buffer.from(mac1).toString('hex')); }
  add(mac1: Uint8Array): void {
    const k = Buffer.from(mac1).toString('hex');
    if (this.seen.has(k)) return;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(k);
  }
}

/** Counts mac1-valid initiations in 1 s windows; under load while this or the last window reached the threshold. */
export class LoadMeter {
  private windowStartMs = -Infinity;
  private count = 0;
  private lastWindowCount = 0;
  constructor(readonly threshold = UNDER_LOAD_PER_SECOND) {}

  record(nowMs: number): void {
    this.roll(nowMs);
    this.count++;
  }

  underLoad(nowMs: number): boolean {
    this.roll(nowMs);
    return this.count >= this.threshold || this.lastWindowCount >= this.threshold;
  }

  private roll(nowMs: number): void {
    if (nowMs >= this.windowStartMs + 1000 || nowMs < this.windowStartMs) {
      this.lastWindowCount = nowMs < this.windowStartMs + 2000 && nowMs >= this.windowStartMs ? this.count : 0;
      this.windowStartMs = nowMs;
      this.count = 0;
    }
  }
}

export type InitiationVerdict =
  | { kind: 'process' }
  | { kind: 'cookie'; reply: Uint8Array }
  | { kind: 'drop'; reason: 'bad_mac1' | 'replayed_initiation' | 'ratelimited' | 'bad_source' };

export type ResponseVerdict =
  | { kind: 'process' }
  | { kind: 'cookie'; reply: Uint8Array }
  | { kind: 'drop'; reason: 'bad_mac1' | 'ratelimited' | 'bad_source' };

export interface GuardStats {
  underLoad: boolean;
  cookieRepliesSent: number;
  mac2Accepted: number;
  sourceTableSize: number;
  sourceTableCapacity: number;
  sourceTableEvictions: number;
  replayFilterSize: number;
  cookieSecretsDrawn: number;
}

/** Source key for the limiter: the IPv4 address, or the /64 of an IPv6 address. */
export function sourceKey(address: string): string | null {
  const b = sourceBytes(address, 0);
  if (!b) return null;
  return b.length === 6 ? address : Buffer.from(b.subarray(0, 8)).toString('hex');
}

export class HandshakeGuard {
  private readonly limiter: SourceLimiter;
  private readonly replays: ReplayFilter;
  private readonly load: LoadMeter;
  private readonly cookies: CookieChecker;
  private cookieReplies = 0;
  private mac2Ok = 0;

  constructor(private readonly ourPublicKey: Uint8Array, opts: {
    rng?: Rng; limiter?: SourceLimiter; replays?: ReplayFilter; load?: LoadMeter;
  } = {}) {
    this.limiter = opts.limiter ?? new SourceLimiter();
    this.replays = opts.replays ?? new ReplayFilter();
    this.load = opts.load ?? new LoadMeter();
    this.cookies = new CookieChecker(ourPublicKey, opts.rng ?? randomBytes);
  }

  /** Decide what to do with a datagram of type 1 from (address, port). Never throws on input. */
  initiation(msg: Uint8Array, address: string, port: number, nowMs: number): InitiationVerdict {
    if (msg.length !== INITIATION_SIZE || msg[0] !== MSG_INITIATION || !checkMac1(msg, this.ourPublicKey)) {
      return { kind: 'drop', reason: 'bad_mac1' };
    }
    this.load.record(nowMs);
    const mac1 = msg.subarray(INITIATION_SIZE - 2 * MAC_LEN, INITIATION_SIZE - MAC_LEN);
    if (this.replays.has(mac1)) return { kind: 'drop', reason: 'replayed_initiation' };
    const v = this.admit(msg, address, port, nowMs);
    if (v.kind === 'process') this.replays.add(mac1);
    return v;
  }

  /** Decide what to do with a datagram of type 2 (a response to one of our initiations): as
   *  WireGuard, under load only with a valid mac2 from its source, else a cookie reply. */
  response(msg: Uint8Array, address: string, port: number, nowMs: number): ResponseVerdict {
    if (msg.length !== RESPONSE_SIZE || msg[0] !== MSG_RESPONSE || !checkMac1(msg, this.ourPublicKey)) {
      return { kind: 'drop', reason: 'bad_mac1' };
    }
    return this.admit(msg, address, port, nowMs);
  }

  /** What initiations and responses share after mac1: the per-source budget, then, under load,
   *  a valid mac2 from this source or a cookie reply. */
  private admit(msg: Uint8Array, address: string, port: number, nowMs: number): ResponseVerdict {
    const key = sourceKey(address);
    if (key === null) return { kind: 'drop', reason: 'bad_source' };
    if (!this.limiter.take(key, nowMs)) return { kind: 'drop', reason: 'ratelimited' };
    if (this.load.underLoad(nowMs)) {
      if (!this.cookies.mac2Valid(msg, address, port, nowMs)) {
        const reply = this.cookies.reply(msg, address, port, nowMs);
        if (!reply) return { kind: 'drop', reason: 'bad_source' };
        this.cookieReplies++;
        return { kind: 'cookie', reply };
      }
      this.mac2Ok++;
    }
    return { kind: 'process' };
  }

  /** Cookie replies: the per-source budget only. */
  other(address: string, nowMs: number): boolean {
    const key = sourceKey(address);
    return key !== null && this.limiter.take(key, nowMs);
  }

  stats(nowMs: number): GuardStats {
    return {
      underLoad: this.load.underLoad(nowMs),
      cookieRepliesSent: this.cookieReplies,
      mac2Accepted: this.mac2Ok,
      sourceTableSize: this.limiter.size,
      sourceTableCapacity: this.limiter.capacity,
      sourceTableEvictions: this.limiter.evictions,
      replayFilterSize: this.replays.size,
      cookieSecretsDrawn: this.cookies.secretsDrawn,
    };
  }
}
