// Validators shared by the config file and the command line. Each takes a string and returns
// the parsed value or throws a ValueError whose message is the problem only.

import { ValueError } from '../util/value-error';

export { ValueError, fieldName, quote } from '../util/value-error';
export { parseHostPort, parseListen, parsePort, formatHostPort, isWildcardAddress } from '../util/endpoint';
export type { HostPort, ListenAddress } from '../util/endpoint';
export { parseDuration, formatDuration, INVITE_TTL_BOUNDS, JOIN_TIMEOUT_BOUNDS } from '../util/duration';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Linux interface name (IFNAMSIZ 16 including NUL): 1..15 bytes, no '/', ':' or whitespace,
 *  not "." or "..". We also refuse control characters. */
export function parseIfName(s: string): string {
  if (typeof s !== 'string' || s.length === 0) throw new ValueError('interface name must not be empty');
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes > 15) throw new ValueError(`interface name must be at most 15 bytes (got ${bytes})`);
  if (s === '.' || s === '..') throw new ValueError('interface name must not be "." or ".."');
  if (/[/:]/.test(s)) throw new ValueError('interface name must not contain "/" or ":"');
  if (/\s/.test(s)) throw new ValueError('interface name must not contain whitespace');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(s)) throw new ValueError('interface name must not contain control characters');
  return s;
}

/** Appliance or peer name: 1..32 of [A-Za-z0-9._-]. */
export function parseName(s: string): string {
  if (typeof s !== 'string' || s.length === 0) throw new ValueError('name must not be empty');
  if (s.length > 32) throw new ValueError(`name must be at most 32 characters (got ${s.length})`);
  if (!/^[A-Za-z0-9._-]+$/.test(s)) throw new ValueError('name may only contain letters, digits, ".", "_" and "-"');
  return s;
}

export function parseLogLevel(s: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(s)) return s as LogLevel;
  throw new ValueError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
}

/** Canonical standard base64 of exactly `n` bytes (padding included); returns the bytes. */
export function parseBase64Key(s: string, n = 32): Uint8Array {
  const problem = `not ${n} bytes of base64`;
  if (typeof s !== 'string') throw new ValueError(problem);
  const chars = Math.ceil(n / 3) * 4;
  if (s.length !== chars || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) throw new ValueError(problem);
  const buf = Buffer.from(s, 'base64');
  if (buf.length !== n || buf.toString('base64') !== s) throw new ValueError(problem);
  return new Uint8Array(buf);
}

/** A 32-byte public key in base64; the all-zero key is refused. */
export function parsePublicKey(s: string): Uint8Array {
  const key = parseBase64Key(s, 32);
  if (key.every((b) => b === 0)) throw new ValueError('all-zero public key');
  return key;
}

/** ISO-8601 timestamp as written by Date.toISOString(). */
export function parseIsoTime(s: string): number {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(s)) {
    throw new ValueError('not an ISO-8601 UTC timestamp (YYYY-MM-DDTHH:MM:SS.sssZ)');
  }
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw new ValueError('not a valid date');
  return ms;
}
