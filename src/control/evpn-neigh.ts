// EVPN-learned hosts, pure (docs/INTERNALS.md section 10): what FRR's zebra installed in the kernel
// for hosts behind other VTEPs, turned into neighbor updates and withdrawals for bridgehead.
//
//   `ip -j neigh show dev BRIDGE` text  -> parseRemoteNeighbors -> RemoteHost[] (extern_learn only)
//   `bridge -j fdb show br BRIDGE` text -> parseBridgeFdb       -> MAC -> remote VTEP; MACs on this
//                                                                  VTEP's own LAN ports
//   step(state, {kind: 'snapshot', hosts, vteps, lanMacs}, nowMs) -> actions:
//     'seen'  {ip, mac, vtep, why: new | mac-changed | refresh}  (the driver feeds a local sighting)
//     'gone'  {ip, mac, onLan}                                   (withdrawn by BGP; onLan: the bridge
//                                                                  has the MAC on a LAN port of this
//                                                                  VTEP, i.e. the host moved here)
//     'vtep'  {ip, mac, from, to}                                (moved between VTEPs; info only)
//
// zebra installs a remote type-2 MAC+IP route as a neighbor entry on the VNI's SVI (the bridge of
// a VLAN-unaware per-VNI bridge) flagged extern_learn, protocol zebra, state NOARP; the MAC itself
// as an extern_learn FDB entry on the VXLAN device with `dst` = the VTEP. A snapshot is the full
// list: an entry no longer in it was withdrawn by BGP (the host moved here, or away for good).
// Bounded: at most maxHosts hosts (new ones beyond counted `full`), at most maxEntries rows parsed
// per snapshot (the rest counted `truncated`).

import { formatIpv6, isNeighborIp, isNeighborMac, parseIpv4, parseIpv6 } from '../util/addr';
import { EVPN_EXPORT_PROTO } from './evpn-export';

export interface RemoteHost { ip: string; mac: string }

export interface EvpnNeighConfig {
  maxHosts: number;
  /** every host still present is re-announced ('seen', why 'refresh') this often, so the data
   *  plane's entry never ages out while BGP still has the route */
  refreshMs: number;
}

export interface EvpnNeighCounters {
  snapshots: number; learned: number; macChanged: number; withdrawn: number; vtepMoves: number;
  refreshed: number; full: number; invalid: number; truncated: number;
}

interface HostRec { mac: string; vtep: string | null; refreshedMs: number }

export interface EvpnNeighState {
  cfg: EvpnNeighConfig;
  hosts: Map<string, HostRec>;
  counters: EvpnNeighCounters;
}

export type EvpnNeighEvent = { kind: 'snapshot'; hosts: RemoteHost[]; vteps?: Map<string, string>; lanMacs?: Set<string>;
  invalid?: number; truncated?: number };

export type EvpnNeighAction =
  | { kind: 'seen'; ip: string; mac: string; vtep: string | null; why: 'new' | 'mac-changed' | 'refresh' }
  | { kind: 'gone'; ip: string; mac: string; onLan: boolean }
  | { kind: 'vtep'; ip: string; mac: string; from: string | null; to: string | null };

export const EVPN_NEIGH_DEFAULTS: EvpnNeighConfig = { maxHosts: 4096, refreshMs: 60_000 };

export function initialEvpnNeigh(cfg: Partial<EvpnNeighConfig> = {}): EvpnNeighState {
  return { cfg: { ...EVPN_NEIGH_DEFAULTS, ...cfg }, hosts: new Map(),
    counters: { snapshots: 0, learned: 0, macChanged: 0, withdrawn: 0, vtepMoves: 0, refreshed: 0, full: 0, invalid: 0, truncated: 0 } };
}

export function step(s: EvpnNeighState, ev: EvpnNeighEvent, nowMs: number): { state: EvpnNeighState; actions: EvpnNeighAction[] } {
  const out: EvpnNeighAction[] = [];
  const k = s.counters;
  k.snapshots++;
  k.invalid += ev.invalid ?? 0;
  k.truncated += ev.truncated ?? 0;
  const present = new Map<string, string>();
  for (const h of ev.hosts) if (!present.has(h.ip)) present.set(h.ip, h.mac);
  for (const [ip, r] of [...s.hosts]) {
    if (present.has(ip)) continue;
    s.hosts.delete(ip);
    k.withdrawn++;
    out.push({ kind: 'gone', ip, mac: r.mac, onLan: ev.lanMacs?.has(r.mac) ?? false });
  }
  for (const [ip, mac] of present) {
    const vtep = ev.vteps?.get(mac) ?? null;
    const r = s.hosts.get(ip);
    if (!r) {
      if (s.hosts.size >= s.cfg.maxHosts) { k.full++; continue; }
      s.hosts.set(ip, { mac, vtep, refreshedMs: nowMs });
      k.learned++;
      out.push({ kind: 'seen', ip, mac, vtep, why: 'new' });
      continue;
    }
    if (r.mac !== mac) {
      r.mac = mac;
      r.vtep = vtep;
      r.refreshedMs = nowMs;
      k.macChanged++;
      out.push({ kind: 'seen', ip, mac, vtep, why: 'mac-changed' });
      continue;
    }
    if (r.vtep !== vtep && vtep !== null) {
      out.push({ kind: 'vtep', ip, mac, from: r.vtep, to: vtep });
      if (r.vtep !== null) k.vtepMoves++;
      r.vtep = vtep;
    }
    if (nowMs - r.refreshedMs >= s.cfg.refreshMs || nowMs < r.refreshedMs) {
      r.refreshedMs = nowMs;
      k.refreshed++;
      out.push({ kind: 'seen', ip, mac, vtep: r.vtep, why: 'refresh' });
    }
  }
  return { state: s, actions: out };
}

export interface EvpnHostStatus { ip: string; mac: string; vtep: string | null }

export function evpnHosts(s: EvpnNeighState): EvpnHostStatus[] {
  return [...s.hosts].map(([ip, r]) => ({ ip, mac: r.mac, vtep: r.vtep }));
}

// ------------------------------------------------------------------ parsers (iproute2 JSON)

export interface ParsedNeighbors {
  hosts: RemoteHost[];
  /** bridgehead's own exported entries (protocol EVPN_EXPORT_PROTO), see evpn-export.ts */
  own: RemoteHost[];
  invalid: number;
  truncated: number;
}

/** Canonical neighbor IP (kernel text is canonical already; IPv6 is re-formatted to be sure). */
function canonicalIp(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  if (parseIpv4(s)) return isNeighborIp(s) ? s : null;
  const b = parseIpv6(s);
  if (!b) return null;
  const c = formatIpv6(b);
  return isNeighborIp(c) ? c : null;
}

function canonicalMac(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  const m = s.toLowerCase();
  return isNeighborMac(m) ? m : null;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Rows flagged extern_learn (zebra's remote entries: iproute2 prints the flag as a key, or in
 *  `flags`); rows without that flag are this host's own neighbors and are skipped silently. */
const externLearned = (r: Record<string, unknown>): boolean =>
  'extern_learn' in r || (Array.isArray(r.flags) && r.flags.includes('extern_learn'));

const ownEntry = (r: Record<string, unknown>): boolean => String(r.protocol) === String(EVPN_EXPORT_PROTO);

/** `ip -j neigh show dev BRIDGE nud all`. Throws on text that is not a JSON array (the driver
 *  counts a failed poll, keeps the state). */
export function parseRemoteNeighbors(text: string, maxEntries: number): ParsedNeighbors {
  const rows = JSON.parse(text.trim() === '' ? '[]' : text) as unknown;
  if (!Array.isArray(rows)) throw new Error('neighbor list is not a JSON array');
  const out: ParsedNeighbors = { hosts: [], own: [], invalid: 0, truncated: 0 };
  for (const r of rows) {
    if (!isObj(r)) { out.invalid++; continue; }
    if (ownEntry(r)) {
      const ip = canonicalIp(r.dst), mac = canonicalMac(r.lladdr);
      if (ip && mac && out.own.length < maxEntries) out.own.push({ ip, mac });
      continue;
    }
    if (!externLearned(r)) continue;
    const states = Array.isArray(r.state) ? r.state : [];
    if (states.includes('FAILED') || states.includes('INCOMPLETE')) continue;
    const ip = canonicalIp(r.dst), mac = canonicalMac(r.lladdr);
    if (!ip || !mac) { out.invalid++; continue; }
    if (out.hosts.length >= maxEntries) { out.truncated++; continue; }
    out.hosts.push({ ip, mac });
  }
  return out;
}

export interface ParsedFdb {
  /** MAC -> remote VTEP address (extern_learn rows of the VXLAN device that carry `dst`) */
  vteps: Map<string, string>;
  /** MACs the bridge learned on a port of this VTEP's own LAN (not the VXLAN device, not the TAP) */
  lanMacs: Set<string>;
}

/** `bridge -j fdb show br BRIDGE`: where the bridge has each MAC. At most maxEntries of each. */
export function parseBridgeFdb(text: string, maxEntries: number, ports: { vxlan: string; tap: string }): ParsedFdb {
  const rows = JSON.parse(text.trim() === '' ? '[]' : text) as unknown;
  if (!Array.isArray(rows)) throw new Error('FDB list is not a JSON array');
  const out: ParsedFdb = { vteps: new Map(), lanMacs: new Set() };
  for (const r of rows) {
    if (!isObj(r)) continue;
    const mac = canonicalMac(r.mac);
    if (!mac) continue;
    const flags = Array.isArray(r.flags) ? r.flags : [];
    if (r.ifname === ports.vxlan) {
      if (out.vteps.size >= maxEntries || !externLearned(r) || typeof r.dst !== 'string') continue;
      const dst = canonicalIp(r.dst);
      if (dst) out.vteps.set(mac, dst);
    } else if (r.ifname !== ports.tap && typeof r.master === 'string' && !flags.includes('self') && r.state !== 'permanent') {
      if (out.lanMacs.size < maxEntries) out.lanMacs.add(mac);
    }
  }
  return out;
}
