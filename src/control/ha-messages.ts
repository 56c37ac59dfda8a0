// Replication datagrams between the two members of an HA pair (UDP on the LAN, docs/INTERNALS.md 11).
//
//   "BHHA" | ver 1 | type | 0 0 | epoch u64 LE | counter u64 LE | JSON body | MAC 16
//   MAC = keyed BLAKE2b-128(pair secret, everything before it) (libsodium crypto_generichash)
//
// epoch: the sender's start time in ms (a restarted sender starts a higher epoch); counter: strictly
// increasing within the epoch. The receiver keeps the highest (epoch, counter) it accepted and drops
// anything not above it (replay). Bodies are strictly validated; anything else decodes to a reason.
// Pure: no clock, no socket.

import * as crypto from './crypto';
import { isNeighborIp, isNeighborMac } from '../util/addr';

export const HA_MAGIC = Buffer.from('BHHA');
export const HA_VERSION = 1;
export const HA_HEADER_LEN = 24;
export const HA_MAC_LEN = 16;
/** Body limit: one datagram within a 1500-byte LAN MTU (IPv6 + UDP headers included). */
export const HA_MAX_BODY = 1400;
export const HA_MAX_CHUNKS = 1024;

export const HA_TYPE_HEARTBEAT = 1;
export const HA_TYPE_TABLE = 2;

export type HaRole = 'init' | 'backup' | 'master' | 'fault';
export const HA_ROLES: readonly HaRole[] = ['init', 'backup', 'master', 'fault'];

export interface Heartbeat { t: 'hb'; m: string; r: HaRole; a: 0 | 1; p: number; v: number }

/** Replicated host record (a mobility HostRecord, without timers): one peer's hosts per chunk. */
export interface ReplicatedHost {
  ip: string; mac: string; site: 'tenant' | 'provider'; seq: number; router: boolean; pinned: boolean;
  origin: 'a' | 'n' | 't' | 'p' | 's';
  conflict: null | { reason: string; tenantMac: string; providerMac: string; quarantined: '' | 'tenant' | 'provider'; atSeq: number };
}

export interface TableChunk { t: 'tb'; v: number; i: number; n: number; k: string; ep: string | null; h: ReplicatedHost[] }

export type HaMessage = Heartbeat | TableChunk;

export interface ReplayState { epoch: bigint; counter: bigint }

const CONFLICT_REASONS = ['ip-two-macs', 'equal-seq', 'flapping', 'still-answers', 'pinned'];
const u32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
const exactKeys = (o: Record<string, unknown>, keys: string[]): boolean =>
  Object.keys(o).length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

// Host record as a compact array: [ip, mac, site t|p, seq, flags (1 router, 2 pinned), origin, conflict|0]
// conflict: [reason, tenantMac, providerMac, quarantined ''|t|p, atSeq]
type HostWire = [string, string, string, number, number, string, 0 | [string, string, string, string, number]];

function hostToWire(h: ReplicatedHost): HostWire {
  const c = h.conflict;
  return [h.ip, h.mac, h.site[0], h.seq, (h.router ? 1 : 0) | (h.pinned ? 2 : 0), h.origin,
    c ? [c.reason, c.tenantMac, c.providerMac, c.quarantined === '' ? '' : c.quarantined[0], c.atSeq] : 0];
}

const siteOf = (s: unknown): 'tenant' | 'provider' | null => (s === 't' ? 'tenant' : s === 'p' ? 'provider' : null);

function hostFromWire(w: unknown): ReplicatedHost | null {
  if (!Array.isArray(w) || w.length !== 7) return null;
  const [ip, mac, s, seq, flags, origin, c] = w as unknown[];
  if (typeof ip !== 'string' || !isNeighborIp(ip) || typeof mac !== 'string' || !isNeighborMac(mac)) return null;
  const site = siteOf(s);
  if (!site || !u32(seq) || !Number.isInteger(flags) || (flags as number) < 0 || (flags as number) > 3) return null;
  if (typeof origin !== 'string' || !['a', 'n', 't', 'p', 's'].includes(origin)) return null;
  let conflict: ReplicatedHost['conflict'] = null;
  if (c !== 0) {
    if (!Array.isArray(c) || c.length !== 5) return null;
    const [reason, tm, pm, q, atSeq] = c as unknown[];
    if (typeof reason !== 'string' || !CONFLICT_REASONS.includes(reason)) return null;
    if (typeof tm !== 'string' || typeof pm !== 'string' || (tm !== '' && !isNeighborMac(tm)) || (pm !== '' && !isNeighborMac(pm))) return null;
    if (q !== '' && siteOf(q) === null) return null;
    if (!u32(atSeq)) return null;
    conflict = { reason, tenantMac: tm, providerMac: pm, quarantined: q === '' ? '' : siteOf(q) as 'tenant' | 'provider', atSeq };
  }
  return { ip, mac, site, seq, router: ((flags as number) & 1) !== 0, pinned: ((flags as number) & 2) !== 0,
    origin: origin as ReplicatedHost['origin'], conflict };
}

function bodyOf(m: HaMessage): unknown {
  return m.t === 'hb' ? m : { ...m, h: m.h.map(hostToWire) };
}

/** Validated message from a parsed body, or null. */
export function messageFromBody(type: number, b: unknown): HaMessage | null {
  if (!isObj(b)) return null;
  if (type === HA_TYPE_HEARTBEAT) {
    if (!exactKeys(b, ['t', 'm', 'r', 'a', 'p', 'v']) || b.t !== 'hb') return null;
    if (typeof b.m !== 'string' || !/^[A-Za-z0-9._-]{1,32}$/.test(b.m)) return null;
    if (!HA_ROLES.includes(b.r as HaRole) || (b.a !== 0 && b.a !== 1) || !u32(b.v)) return null;
    if (!Number.isInteger(b.p) || (b.p as number) < 0 || (b.p as number) > 255) return null;
    return { t: 'hb', m: b.m, r: b.r as HaRole, a: b.a, p: b.p as number, v: b.v as number };
  }
  if (type === HA_TYPE_TABLE) {
    if (!exactKeys(b, ['t', 'v', 'i', 'n', 'k', 'ep', 'h']) || b.t !== 'tb') return null;
    if (!u32(b.v) || !Number.isInteger(b.n) || (b.n as number) < 1 || (b.n as number) > HA_MAX_CHUNKS) return null;
    if (!Number.isInteger(b.i) || (b.i as number) < 0 || (b.i as number) >= (b.n as number)) return null;
    if (typeof b.k !== 'string') return null;
    if (!/^[A-Za-z0-9+/]{43}=$/.test(b.k)) return null;
    if (b.ep !== null && (typeof b.ep !== 'string' || b.ep.length > 64 || !/^[0-9a-fA-F.:[\]]+$/.test(b.ep))) return null;
    if (!Array.isArray(b.h)) return null;
    const hosts: ReplicatedHost[] = [];
    const seen = new Set<string>();
    for (const w of b.h) {
      const h = hostFromWire(w);
      if (!h || seen.has(h.ip)) return null;
      seen.add(h.ip);
      hosts.push(h);
    }
    return { t: 'tb', v: b.v as number, i: b.i as number, n: b.n as number, k: b.k, ep: b.ep as string | null, h: hosts };
  }
  return null;
}

export function encodeHa(m: HaMessage, key: Uint8Array, epoch: bigint, counter: bigint): Buffer {
  const body = Buffer.from(JSON.stringify(bodyOf(m)));
  if (body.length > HA_MAX_BODY) throw new RangeError(`HA message body of ${body.length} bytes exceeds ${HA_MAX_BODY}`);
  const head = Buffer.alloc(HA_HEADER_LEN);
  HA_MAGIC.copy(head, 0);
  head[4] = HA_VERSION;
  head[5] = m.t === 'hb' ? HA_TYPE_HEARTBEAT : HA_TYPE_TABLE;
  head.writeBigUInt64LE(epoch, 8);
  head.writeBigUInt64LE(counter, 16);
  const signed = Buffer.concat([head, body]);
  return Buffer.concat([signed, Buffer.from(crypto.mac(key, signed, HA_MAC_LEN))]);
}

export type DecodeResult =
  | { ok: true; msg: HaMessage; epoch: bigint; counter: bigint }
  | { ok: false; reason: 'short' | 'bad_magic' | 'bad_mac' | 'replay' | 'malformed' };

/** Authenticate, check replay against `seen` (not updated: call acceptReplay after a success), decode. */
export function decodeHa(buf: Uint8Array, key: Uint8Array, seen: ReplayState | null): DecodeResult {
  if (buf.length < HA_HEADER_LEN + 2 + HA_MAC_LEN || buf.length > HA_HEADER_LEN + HA_MAX_BODY + HA_MAC_LEN) return { ok: false, reason: 'short' };
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (!b.subarray(0, 4).equals(HA_MAGIC) || b[4] !== HA_VERSION) return { ok: false, reason: 'bad_magic' };
  const signed = b.subarray(0, b.length - HA_MAC_LEN);
  if (!crypto.equal(crypto.mac(key, signed, HA_MAC_LEN), b.subarray(b.length - HA_MAC_LEN))) return { ok: false, reason: 'bad_mac' };
  const epoch = b.readBigUInt64LE(8);
  const counter = b.readBigUInt64LE(16);
  if (seen && (epoch < seen.epoch || (epoch === seen.epoch && counter <= seen.counter))) return { ok: false, reason: 'replay' };
  let body: unknown;
  try { body = JSON.parse(b.subarray(HA_HEADER_LEN, b.length - HA_MAC_LEN).toString('utf8')); } catch { return { ok: false, reason: 'malformed' }; }
  const msg = messageFromBody(b[5], body);
  return msg ? { ok: true, msg, epoch, counter } : { ok: false, reason: 'malformed' };
}

/** Split one peer's hosts into chunk bodies within HA_MAX_BODY (i and n are filled in by the caller). */
export function chunkHosts(v: number, k: string, ep: string | null, hosts: ReplicatedHost[]): TableChunk[] {
  const out: TableChunk[] = [];
  let cur: ReplicatedHost[] = [];
  let size = 0;
  const overhead = JSON.stringify({ t: 'tb', v, i: HA_MAX_CHUNKS, n: HA_MAX_CHUNKS, k, ep, h: [] }).length;
  for (const h of hosts) {
    const len = JSON.stringify(hostToWire(h)).length + 1;
    if (cur.length > 0 && overhead + size + len > HA_MAX_BODY) {
      out.push({ t: 'tb', v, i: 0, n: 0, k, ep, h: cur });
      cur = [];
      size = 0;
    }
    cur.push(h);
    size += len;
  }
  out.push({ t: 'tb', v, i: 0, n: 0, k, ep, h: cur });
  return out;
}
