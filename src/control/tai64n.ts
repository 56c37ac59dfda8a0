// TAI64N timestamps as carried in the handshake initiation (12 bytes, big-endian):
// seconds + 2^62 + 10 (the label offset and leap-second constant WireGuard uses) as u64, then
// nanoseconds as u32. Big-endian, so byte-wise comparison is chronological comparison.
// Pure: the time is passed in as unix milliseconds.

export const TAI64N_BYTES = 12;
const TAI64_BASE = (1n << 62n) + 10n;

/** 12-byte TAI64N label for a unix time in milliseconds (>= 0). */
export function tai64n(nowMs: number): Uint8Array {
  if (!Number.isFinite(nowMs) || nowMs < 0) {
    throw new RangeError(`tai64n: time must be a non-negative number of milliseconds, got ${nowMs}`);
  }
  const ms = Math.floor(nowMs);
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  const out = new Uint8Array(TAI64N_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, TAI64_BASE + BigInt(seconds), false);
  view.setUint32(8, nanos, false);
  return out;
}

/** -1 if a is older than b, 0 if equal, 1 if a is newer. Both must be 12 bytes. */
export function compareTimestamps(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  if (a.length !== TAI64N_BYTES || b.length !== TAI64N_BYTES) {
    throw new RangeError(`compareTimestamps: timestamps must be ${TAI64N_BYTES} bytes`);
  }
  for (let i = 0; i < TAI64N_BYTES; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

/** Unix milliseconds of a TAI64N label (for logs/diagnostics); NaN if it is out of range. */
export function tai64nToMs(ts: Uint8Array): number {
  if (ts.length !== TAI64N_BYTES) return NaN;
  const view = new DataView(ts.buffer, ts.byteOffset, ts.byteLength);
  const secs = view.getBigUint64(0, false) - TAI64_BASE;
  const nanos = view.getUint32(8, false);
  if (secs < 0n || secs > BigInt(Number.MAX_SAFE_INTEGER) / 1000n || nanos >= 1_000_000_000) return NaN;
  return Number(secs) * 1000 + Math.floor(nanos / 1_000_000);
}
