// Invite tokens: one copy-pasteable line that lets another appliance join this one.
//
//   "bh1." + base64url-without-padding(payload)
//   payload = version u8 (=1) | inviter public key [32] | invite id [16] | secret [32]
//           | expires u64 LE (unix ms) | name_len u8 (<= 64) | name UTF-8
//           | endpoint_count u8 (1..4) | { len u8 | "host:port" UTF-8 ("[v6]:port") } * count
//           | checksum [16] = keyed BLAKE2b-128(key = "bridgehead-token", everything before)
//
// The checksum detects typos and truncation; it is not a secret MAC (the secret inside the
// token is what authenticates the joiner, via pairPsk()). decodeToken is strict: canonical
// base64url, exact length, every field validated; each refusal is a TokenError with one clear
// line that never echoes the secret. Needs `await ready()` from crypto.ts first.

import { isIPv4, isIPv6 } from 'node:net';
import { equal, mac } from './crypto';

export const TOKEN_PREFIX = 'bh1.';
export const TOKEN_VERSION = 1;
export const MAX_NAME_BYTES = 64;
export const MAX_ENDPOINTS = 4;
export const INVITE_ID_BYTES = 16;
export const SECRET_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const CHECKSUM_BYTES = 16;
const MAX_TOKEN_CHARS = 4096;
/** Largest time a JavaScript Date can represent. */
const MAX_DATE_MS = 8.64e15;
const CHECKSUM_KEY = new TextEncoder().encode('bridgehead-token');
const PSK_KEY = new TextEncoder().encode('bridgehead-psk');

export interface InviteToken {
  inviterPublicKey: Uint8Array;
  inviteId: Uint8Array;
  secret: Uint8Array;
  expiresMs: number;
  inviterName: string;
  endpoints: string[];
}

export class TokenError extends Error {
  constructor(message: string) {
    // one line whatever a token carried into it
    super(message.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    this.name = 'TokenError';
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------- field validation

/** Reason an inviter name is unacceptable, or null. */
function nameProblem(name: string, bytes: number): string | null {
  if (bytes > MAX_NAME_BYTES) return `inviter name is ${bytes} bytes (at most ${MAX_NAME_BYTES})`;
  // Control characters would let a token inject lines into logs and terminals.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'inviter name contains control characters';
  return null;
}

function hostnameOk(host: string): boolean {
  if (host.length > 253) return false;
  if (/^[0-9.]+$/.test(host)) return isIPv4(host);
  return host
    .split('.')
    .every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** Reason an endpoint string is unacceptable, or null. Accepts "host:port" and "[v6]:port". */
export function endpointProblem(ep: string): string | null {
  if (utf8.encode(ep).length > 255) return 'is longer than 255 bytes';
  let host: string;
  let port: string;
  const v6 = /^\[([^\]]*)\]:([^:]*)$/.exec(ep);
  if (v6) {
    [, host, port] = v6;
    if (!isIPv6(host)) return `has an invalid IPv6 address ${JSON.stringify(host)}`;
  } else {
    const m = /^([^:[\]]*):([^:]*)$/.exec(ep);
    if (!m) return 'is not host:port (write IPv6 addresses as [addr]:port)';
    [, host, port] = m;
    if (host === '') return 'has an empty host';
    if (!hostnameOk(host)) return `has an invalid host ${JSON.stringify(host)}`;
  }
  if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535) return `has an invalid port ${JSON.stringify(port)} (1-65535)`;
  return null;
}

// ---------------------------------------------------------------- encode

/** Encode a token. Throws TokenError naming the bad field. */
export function encodeToken(t: InviteToken): string {
  const bad = (msg: string): never => {
    throw new TokenError(`cannot create invite token: ${msg}`);
  };
  const bytesOk = (what: string, b: Uint8Array, n: number): void => {
    if (!(b instanceof Uint8Array) || b.length !== n) bad(`${what} must be ${n} bytes`);
  };
  bytesOk('inviter public key', t.inviterPublicKey, PUBLIC_KEY_BYTES);
  bytesOk('invite id', t.inviteId, INVITE_ID_BYTES);
  bytesOk('secret', t.secret, SECRET_BYTES);
  if (!Number.isSafeInteger(t.expiresMs) || t.expiresMs < 0 || t.expiresMs > MAX_DATE_MS) bad(`expiry ${String(t.expiresMs)} is not a valid unix time in ms`);
  if (typeof t.inviterName !== 'string') bad('inviter name must be a string');
  const name = utf8.encode(t.inviterName);
  const np = nameProblem(t.inviterName, name.length);
  if (np) bad(np);
  if (!Array.isArray(t.endpoints) || t.endpoints.length === 0) bad('at least one endpoint is required');
  if (t.endpoints.length > MAX_ENDPOINTS) bad(`too many endpoints (${t.endpoints.length}, at most ${MAX_ENDPOINTS})`);
  const eps = t.endpoints.map((ep, i) => {
    const p = typeof ep === 'string' ? endpointProblem(ep) : 'is not a string';
    if (p) bad(`endpoint ${i + 1} "${String(ep)}" ${p}`);
    return utf8.encode(ep);
  });

  const size =
    1 + PUBLIC_KEY_BYTES + INVITE_ID_BYTES + SECRET_BYTES + 8 + 1 + name.length + 1 +
    eps.reduce((n, e) => n + 1 + e.length, 0) + CHECKSUM_BYTES;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  out[o++] = TOKEN_VERSION;
  out.set(t.inviterPublicKey, o);
  o += PUBLIC_KEY_BYTES;
  out.set(t.inviteId, o);
  o += INVITE_ID_BYTES;
  out.set(t.secret, o);
  o += SECRET_BYTES;
  view.setBigUint64(o, BigInt(t.expiresMs), true);
  o += 8;
  out[o++] = name.length;
  out.set(name, o);
  o += name.length;
  out[o++] = eps.length;
  for (const e of eps) {
    out[o++] = e.length;
    out.set(e, o);
    o += e.length;
  }
  out.set(mac(CHECKSUM_KEY, out.subarray(0, o), CHECKSUM_BYTES), o);
  const s = TOKEN_PREFIX + Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64url');
  out.fill(0);
  return s;
}

// ---------------------------------------------------------------- decode

function malformed(msg: string): never {
  throw new TokenError(`malformed invite token: ${msg}`);
}

function tampered(): never {
  throw new TokenError('invite token checksum mismatch: the token was altered or mis-copied');
}

function base64urlDecode(body: string, offset: number): Uint8Array {
  if (body.length === 0) malformed(`nothing after "${TOKEN_PREFIX}"`);
  const badChar = /[^A-Za-z0-9_-]/.exec(body);
  if (badChar) {
    malformed(`invalid character ${JSON.stringify(badChar[0])} at position ${badChar.index + offset + 1} (expected base64url)`);
  }
  if (body.length % 4 === 1) malformed('impossible base64url length (the token looks cut off)');
  const buf = Buffer.from(body, 'base64url');
  // Reject non-canonical encodings (non-zero unused bits), so every character counts.
  if (buf.toString('base64url') !== body) malformed('non-canonical base64url ending (the token looks cut off or altered)');
  const out = Uint8Array.from(buf);
  buf.fill(0);
  return out;
}

class Reader {
  private off = 0;
  constructor(private readonly b: Uint8Array) {}
  take(n: number, field: string): Uint8Array {
    if (this.b.length - this.off < n) {
      malformed(`truncated in the ${field} (payload is ${this.b.length} bytes)`);
    }
    const out = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
  u8(field: string): number {
    return this.take(1, field)[0];
  }
  get offset(): number {
    return this.off;
  }
  get remaining(): number {
    return this.b.length - this.off;
  }
}

function checksumOk(payload: Uint8Array, end: number): boolean {
  if (end < 1 || payload.length < end + CHECKSUM_BYTES) return false;
  return equal(mac(CHECKSUM_KEY, payload.subarray(0, end), CHECKSUM_BYTES), payload.subarray(end, end + CHECKSUM_BYTES));
}

/** Decode and validate a token line. Throws TokenError with one clear line. */
export function decodeToken(s: string): InviteToken {
  if (typeof s !== 'string') malformed('not a string');
  const line = s.trim();
  if (line.length === 0) malformed('empty');
  if (line.length > MAX_TOKEN_CHARS) malformed(`too long (${line.length} characters)`);
  if (!line.startsWith(TOKEN_PREFIX)) malformed(`it must start with "${TOKEN_PREFIX}"`);
  const payload = base64urlDecode(line.slice(TOKEN_PREFIX.length), TOKEN_PREFIX.length);
  try {
    return parsePayload(payload);
  } finally {
    payload.fill(0);
  }
}

function parsePayload(payload: Uint8Array): InviteToken {
  const r = new Reader(payload);
  const version = r.u8('version');
  if (version !== TOKEN_VERSION) {
    // The checksum always covers everything but the last 16 bytes, whatever the version.
    if (checksumOk(payload, payload.length - CHECKSUM_BYTES)) {
      throw new TokenError(`unsupported invite token version ${version} (this bridgehead reads version ${TOKEN_VERSION})`);
    }
    malformed(`bad version byte ${version} (expected ${TOKEN_VERSION})`);
  }
  const inviterPublicKey = Uint8Array.from(r.take(PUBLIC_KEY_BYTES, 'inviter public key'));
  const inviteId = Uint8Array.from(r.take(INVITE_ID_BYTES, 'invite id'));
  const secret = Uint8Array.from(r.take(SECRET_BYTES, 'secret'));
  const expiresRaw = r.take(8, 'expiry');
  const expires = new DataView(expiresRaw.buffer, expiresRaw.byteOffset, 8).getBigUint64(0, true);
  const nameLen = r.u8('inviter name length');
  const nameBytes = r.take(nameLen, 'inviter name');
  const count = r.u8('endpoint count');
  const epBytes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = r.u8(`length of endpoint ${i + 1}`);
    epBytes.push(r.take(len, `endpoint ${i + 1}`));
  }
  const end = r.offset;
  r.take(CHECKSUM_BYTES, 'checksum');
  if (r.remaining > 0) malformed(`${r.remaining} unexpected trailing byte${r.remaining === 1 ? '' : 's'}`);
  if (!checksumOk(payload, end)) tampered();

  // The checksum matched: the bytes are what the encoder wrote; now check they make sense.
  if (expires > BigInt(MAX_DATE_MS)) malformed('expiry is out of range');
  let inviterName: string;
  try {
    inviterName = utf8Strict.decode(nameBytes);
  } catch {
    malformed('inviter name is not valid UTF-8');
  }
  const np = nameProblem(inviterName, nameBytes.length);
  if (np) malformed(np);
  if (count === 0) malformed('no endpoints');
  if (count > MAX_ENDPOINTS) malformed(`too many endpoints (${count}, at most ${MAX_ENDPOINTS})`);
  const endpoints = epBytes.map((b, i) => {
    let ep: string;
    try {
      ep = utf8Strict.decode(b);
    } catch {
      malformed(`endpoint ${i + 1} is not valid UTF-8`);
    }
    const p = endpointProblem(ep);
    if (p) malformed(`endpoint ${i + 1} ${JSON.stringify(ep)} ${p}`);
    return ep;
  });
  return { inviterPublicKey, inviteId, secret, expiresMs: Number(expires), inviterName, endpoints };
}

// ---------------------------------------------------------------- policy helpers

/** Throws TokenError('invite token expired at <ISO time>') when nowMs >= expiresMs. */
export function checkTokenExpiry(t: InviteToken, nowMs: number): void {
  if (!(nowMs < t.expiresMs)) {
    const d = new Date(t.expiresMs);
    const when = Number.isNaN(d.getTime()) ? `${t.expiresMs} ms` : d.toISOString();
    throw new TokenError(`invite token expired at ${when}`);
  }
}

/**
 * The pair's psk, used for the enrollment handshake and every handshake after it:
 * keyed BLAKE2b-256(key = "bridgehead-psk", secret).
 */
export function pairPsk(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== SECRET_BYTES) {
    throw new RangeError(`pairPsk: secret must be ${SECRET_BYTES} bytes`);
  }
  return mac(PSK_KEY, secret, 32);
}
