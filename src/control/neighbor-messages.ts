// Neighbor-sync messages on the authenticated peer channel (transport subtype 2), pure.
// Compact JSON so a full message of the worst case (14 IPv6 entries with the longest addresses and
// numbers) stays under MAX_PEER_MESSAGE (1200 bytes):
//   {"t":"nb-up","e":EPOCH,"n":N,"f":FLAGS,"u":[[ip,mac,seq,origin,flags(,site)],...],"w":[ip,...]}
//   (site: only in a record the hub of a hub layout passes on, the site the host is at; or in a
//   handover it passes on, the target site. Messages are packed by their encoded size.)
//   {"t":"nb-ack","e":EPOCH,"n":N}         acknowledges update N of epoch EPOCH (selective)
//   {"t":"nb-resync","e":EPOCH}            "I cannot follow your epoch EPOCH (0: I have none of
//                                          yours): start a new epoch with a full sync"
// Decoding is strict: exact keys, integer ranges, canonical unicast addresses, no duplicate IP in
// one message, at most MAX_NEIGHBOR_ITEMS entries + withdrawals; anything else decodes to null.

import { isNeighborIp, isNeighborMac } from '../util/addr';
import { isSiteName } from '../config/site';

export const MAX_NEIGHBOR_MESSAGE = 1200; // = MAX_PEER_MESSAGE
export const MAX_NEIGHBOR_ITEMS = 14;     // entries + withdrawals per update message
export const MAX_U32 = 0xffffffff;
export const MAX_MSG_N = 0x7fffffff;

/** Update message flags (f). */
export const NB_BEGIN = 1; // a full sync starts here: entries not re-announced by its END are withdrawn
export const NB_END = 2;   // the full sync is complete

/** Entry flags. */
export const NB_ROUTER = 1;   // NA Router flag
export const NB_HANDOVER = 2; // the sender gives this host to the receiver at this seq (failover/failback/resolve)
export const NB_RESOLVED = 4; // an operator resolved this host's conflict at this seq
export const NB_PINNED = 8;   // an operator placed this host here (failover/failback): a sighting elsewhere is a conflict
export const NB_FLAGS_ALL = NB_ROUTER | NB_HANDOVER | NB_RESOLVED | NB_PINNED;

export type NeighborOrigin = 'arp' | 'nd' | 'traffic' | 'peer' | 'static';
const ORIGIN_CODE: Record<NeighborOrigin, string> = { arp: 'a', nd: 'n', traffic: 't', peer: 'p', static: 's' };
const CODE_ORIGIN: Record<string, NeighborOrigin> = { a: 'arp', n: 'nd', t: 'traffic', p: 'peer', s: 'static' };

export interface NeighborEntry {
  ip: string;          // canonical (util/addr)
  mac: string;         // canonical unicast
  seq: number;         // mobility sequence number, 0 .. 2^32-1
  origin: NeighborOrigin;
  flags: number;       // NB_ROUTER | NB_HANDOVER | NB_RESOLVED | NB_PINNED
  /** passed on by a hub: the site the host is at (a handover: the target site); absent = the sender's */
  site?: string;
}

export interface NbUpdate { t: 'nb-up'; e: number; n: number; f: number; u: NeighborEntry[]; w: string[] }
export interface NbAck { t: 'nb-ack'; e: number; n: number }
export interface NbResync { t: 'nb-resync'; e: number }
export type NeighborMessage = NbUpdate | NbAck | NbResync;

export function isNeighborMessageType(t: unknown): boolean {
  return t === 'nb-up' || t === 'nb-ack' || t === 'nb-resync';
}

export function isValidEntry(x: NeighborEntry): boolean {
  return isNeighborIp(x.ip) && isNeighborMac(x.mac) && isU32(x.seq) && x.origin in ORIGIN_CODE &&
    Number.isInteger(x.flags) && x.flags >= 0 && (x.flags & ~NB_FLAGS_ALL) === 0 && (x.site === undefined || isSiteName(x.site));
}

const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_U32;
const isEpoch = (v: unknown): v is number => isU32(v) && v >= 1;
const isN = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_MSG_N;

function hasExactKeys(o: Record<string, unknown>, keys: string[]): boolean {
  const k = Object.keys(o);
  return k.length === keys.length && keys.every((x) => Object.prototype.hasOwnProperty.call(o, x));
}

export function encodeNeighborMessage(m: NeighborMessage): Buffer {
  let wire: unknown;
  if (m.t === 'nb-up') {
    wire = { t: m.t, e: m.e, n: m.n, f: m.f,
      u: m.u.map(entryWire), w: m.w };
  } else {
    wire = m;
  }
  const b = Buffer.from(JSON.stringify(wire), 'utf8');
  if (b.length > MAX_NEIGHBOR_MESSAGE) throw new RangeError('neighbor message too large');
  return b;
}

function entryWire(x: NeighborEntry): unknown[] {
  const w: unknown[] = [x.ip, x.mac, x.seq, ORIGIN_CODE[x.origin], x.flags];
  if (x.site !== undefined) w.push(x.site);
  return w;
}

/** Encoded bytes of an update with these items (the sender packs by it). */
export function updateBytes(e: number, n: number, f: number, u: NeighborEntry[], w: string[]): number {
  return Buffer.byteLength(JSON.stringify({ t: 'nb-up', e, n, f, u: u.map(entryWire), w }), 'utf8');
}

function decodeEntry(v: unknown): NeighborEntry | null {
  if (!Array.isArray(v) || (v.length !== 5 && v.length !== 6)) return null;
  const [ip, mac, seq, code, flags, site] = v as unknown[];
  if (typeof ip !== 'string' || typeof mac !== 'string' || typeof code !== 'string' || !(code in CODE_ORIGIN)) return null;
  if (typeof seq !== 'number' || typeof flags !== 'number') return null;
  if (v.length === 6 && !isSiteName(site)) return null;
  const e: NeighborEntry = { ip, mac, seq, origin: CODE_ORIGIN[code], flags, ...(v.length === 6 ? { site: site as string } : {}) };
  return isValidEntry(e) ? e : null;
}

/** Decodes an already-parsed JSON object (see decodePeerMessage); null when anything is off. */
export function decodeNeighborObject(o: Record<string, unknown>): NeighborMessage | null {
  if (o.t === 'nb-ack') {
    return hasExactKeys(o, ['t', 'e', 'n']) && isEpoch(o.e) && isN(o.n) ? { t: 'nb-ack', e: o.e, n: o.n } : null;
  }
  if (o.t === 'nb-resync') {
    return hasExactKeys(o, ['t', 'e']) && isU32(o.e) ? { t: 'nb-resync', e: o.e } : null;
  }
  if (o.t !== 'nb-up' || !hasExactKeys(o, ['t', 'e', 'n', 'f', 'u', 'w'])) return null;
  if (!isEpoch(o.e) || !isN(o.n) || !Number.isInteger(o.f) || (o.f as number) < 0 || (o.f as number) > 3) return null;
  if (!Array.isArray(o.u) || !Array.isArray(o.w) || o.u.length + o.w.length > MAX_NEIGHBOR_ITEMS) return null;
  const seen = new Set<string>();
  const u: NeighborEntry[] = [];
  for (const x of o.u) {
    const e = decodeEntry(x);
    if (!e || seen.has(e.ip)) return null;
    seen.add(e.ip);
    u.push(e);
  }
  for (const ip of o.w) {
    if (typeof ip !== 'string' || !isNeighborIp(ip) || seen.has(ip)) return null;
    seen.add(ip);
  }
  return { t: 'nb-up', e: o.e, n: o.n, f: o.f as number, u, w: [...(o.w as string[])] };
}

export function decodeNeighborMessage(data: Uint8Array): NeighborMessage | null {
  if (data.length === 0 || data.length > MAX_NEIGHBOR_MESSAGE) return null;
  let v: unknown;
  try { v = JSON.parse(Buffer.from(data).toString('utf8')); } catch { return null; }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  return decodeNeighborObject(v as Record<string, unknown>);
}
