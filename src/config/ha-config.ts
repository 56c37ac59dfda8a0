// The `ha` section of bridgehead.json: this appliance is one member of an active/standby pair
// (docs/INTERNALS.md section 11). Pure validation; config.ts calls it.
//
//   "ha": {
//     "member": "prov-a",                  this member's name (the other member has its own)
//     "listen": "198.18.2.2:19481",        this member's LAN address: replication heartbeats/state
//     "peer": "198.18.2.3:19481",          the other member's LAN address
//     "secret": "<base64 32 bytes>",       pair secret: keyed BLAKE2b MAC of every replication datagram
//     "vrrpId": 51, "priority": 100,       keepalived instance (election is keepalived's job)
//     "preempt": false,                    default: a returning member stays standby
//     "vrrpInterface": "wan0",             where keepalived sends its VRRP adverts
//     "virtualAddress": "198.18.1.10/24",  optional floating WAN address (keepalived moves it)
//     "advertIntervalMs": 500              VRRP advert interval (master down after ~3x this)
//   }

import { isIP } from 'node:net';
import { ValueError, formatHostPort, parseBase64Key, parseIfName, parseListen, parseName } from './validate';
import { knownFields, type Fail } from './fields';

export const HA_DEFAULT_PORT = 19481;
export const HA_DEFAULT_PRIORITY = 100;
export const HA_DEFAULT_ADVERT_MS = 500;
export const HA_ADVERT_RANGE = { min: 100, max: 10_000 } as const;

export interface HaConfig {
  enabled: boolean;
  member: string;
  /** "addr:port", canonical */
  listen: string;
  peer: string;
  /** base64 of 32 bytes (never echoed in errors) */
  secret: string;
  vrrpId: number;
  priority: number;
  preempt: boolean;
  vrrpInterface: string;
  /** "ip/prefix" or null */
  virtualAddress: string | null;
  advertIntervalMs: number;
}

const KEYS = ['enabled', 'member', 'listen', 'peer', 'secret', 'vrrpId', 'priority', 'preempt', 'vrrpInterface',
  'virtualAddress', 'advertIntervalMs'] as const;

function addrPort(s: string): string {
  const hasPort = s.startsWith('[') ? /\]:\d+$/.test(s) : isIP(s) === 0 && s.includes(':');
  const a = parseListen(hasPort ? s : isIP(s) === 6 ? `[${s}]:${HA_DEFAULT_PORT}` : `${s}:${HA_DEFAULT_PORT}`);
  if (a.address === '0.0.0.0' || a.address === '::') throw new ValueError('must be this LAN address, not a wildcard');
  return formatHostPort(a.address, a.port);
}

function cidr(s: string): string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) throw new ValueError('expected ADDRESS/PREFIX');
  const fam = isIP(m[1]);
  if (fam === 0) throw new ValueError('not an IP address');
  const len = Number(m[2]);
  if (len > (fam === 4 ? 32 : 128)) throw new ValueError(`prefix length must be 0..${fam === 4 ? 32 : 128}`);
  return `${m[1]}/${len}`;
}

export function parseHaConfig(raw: unknown, fail: Fail): HaConfig {
  const o = knownFields(raw, 'ha', KEYS, fail);
  const str = (k: string, fn: (s: string) => string, required = true): string | null => {
    const v = o[k];
    if (v === undefined || v === null) {
      if (required) fail(`ha.${k}`, 'missing');
      return null;
    }
    if (typeof v !== 'string') fail(`ha.${k}`, 'expected a string', v);
    try { return fn(v as string); } catch (e) {
      if (e instanceof ValueError) fail(`ha.${k}`, e.message, v);
      throw e;
    }
  };
  const int = (k: string, min: number, max: number, dflt?: number): number => {
    const v = o[k] ?? dflt;
    if (v === undefined) fail(`ha.${k}`, 'missing');
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(`ha.${k}`, 'expected an integer', v);
    if ((v as number) < min || (v as number) > max) fail(`ha.${k}`, `must be ${min}..${max}`, v);
    return v as number;
  };
  const bool = (k: string, dflt: boolean): boolean => {
    const v = o[k] ?? dflt;
    if (typeof v !== 'boolean') fail(`ha.${k}`, 'expected true or false', v);
    return v as boolean;
  };
  const enabled = bool('enabled', true);
  const member = str('member', parseName) as string;
  const listen = str('listen', addrPort) as string;
  const peer = str('peer', addrPort) as string;
  if (peer === listen) fail('ha.peer', 'must differ from ha.listen (the other member\'s LAN address)', peer);
  if (isIP(parseListen(peer).address) !== isIP(parseListen(listen).address)) fail('ha.peer', 'must be the same address family as ha.listen', peer);
  if (typeof o.secret !== 'string') fail('ha.secret', o.secret === undefined ? 'missing' : 'expected a string');
  try { parseBase64Key(o.secret as string, 32); } catch (e) {
    if (e instanceof ValueError) fail('ha.secret', `${e.message} (value not shown)`);
    throw e;
  }
  const vrrpId = int('vrrpId', 1, 255);
  // 255 is reserved for the address owner and makes keepalived ignore nopreempt: refuse it.
  const priority = int('priority', 1, 254, HA_DEFAULT_PRIORITY);
  const preempt = bool('preempt', false);
  const vrrpInterface = str('vrrpInterface', parseIfName) as string;
  const virtualAddress = str('virtualAddress', cidr, false);
  const advertIntervalMs = int('advertIntervalMs', HA_ADVERT_RANGE.min, HA_ADVERT_RANGE.max, HA_DEFAULT_ADVERT_MS);
  if (advertIntervalMs % 10 !== 0) fail('ha.advertIntervalMs', 'must be a multiple of 10 (VRRPv3 counts centiseconds)', advertIntervalMs);
  return { enabled, member, listen, peer, secret: o.secret as string, vrrpId, priority, preempt, vrrpInterface,
    virtualAddress, advertIntervalMs };
}

export function formatHaConfig(h: HaConfig): HaConfig {
  return { enabled: h.enabled, member: h.member, listen: h.listen, peer: h.peer, secret: h.secret, vrrpId: h.vrrpId,
    priority: h.priority, preempt: h.preempt, vrrpInterface: h.vrrpInterface, virtualAddress: h.virtualAddress,
    advertIntervalMs: h.advertIntervalMs };
}

/** The section when it is present and on, else null. */
export function haActive(h: HaConfig | undefined): HaConfig | null {
  return h && h.enabled ? h : null;
}
