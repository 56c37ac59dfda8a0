// Partial-failover messages on the authenticated peer channel (transport subtype 2), besides
// the neighbor sync ('nb-*', neighbor-messages.ts). Pure; strict decoding (exact keys, ranges,
// canonical addresses); anything else decodes to null (a counted drop).
//   {"t":"fo-site","s":"tenant"|"provider"[,"n":NAME]}  the site this appliance serves: its role s and,
//                                                      from appliances that support named sites, its
//                                                      name n (absent: the role names it, the two-site
//                                                      alias; sent when the session comes up; two
//                                                      peers claiming one site name is a configuration
//                                                      error the daemon reports)
//   {"t":"fo-probe","id":N,"ip":IP[,"n":SITE]}         "probe your LAN for IP" (failover --check of a
//                                                      host that lives at the peer's site); n: to a hub,
//                                                      "probe site n's LAN for me" (it asks that site)
//   {"t":"fo-probe-res","id":N,"ip":IP,"a":0|1,"m":MAC|""}  the answer: a = 1 and the MAC that answered
//   {"t":"fo-conflict","ip":IP,"m":MAC,"r":REASON,"s":SEQ}  "a second copy of IP (MAC m) is live on my
//                                                      LAN while you have it": the peer raises the
//                                                      conflict too (verify on move, pinned host);
//                                   [,"n":SITE]        n: the site of that LAN when a hub passes it on

import { isNeighborIp, isNeighborMac } from '../util/addr';
import { isSiteName } from '../config/site';

export type FoSite = 'tenant' | 'provider';
export interface FoSiteMsg { t: 'fo-site'; s: FoSite; n?: string }
export interface FoProbe { t: 'fo-probe'; id: number; ip: string; n?: string }
export interface FoProbeResult { t: 'fo-probe-res'; id: number; ip: string; a: 0 | 1; m: string }
export type FoConflictReason = 'still-answers' | 'pinned';
export interface FoConflict { t: 'fo-conflict'; ip: string; m: string; r: FoConflictReason; s: number; n?: string }
export type FailoverMessage = FoSiteMsg | FoProbe | FoProbeResult | FoConflict;

export const MAX_PROBE_ID = 0x7fffffff;

export function isFailoverMessageType(t: unknown): boolean {
  return t === 'fo-site' || t === 'fo-probe' || t === 'fo-probe-res' || t === 'fo-conflict';
}

function exactKeys(o: Record<string, unknown>, keys: string[]): boolean {
  const k = Object.keys(o);
  return k.length === keys.length && keys.every((x) => Object.prototype.hasOwnProperty.call(o, x));
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_PROBE_ID;
const isIp = (v: unknown): v is string => typeof v === 'string' && isNeighborIp(v);

/** Decodes an already-parsed JSON object (decodePeerMessage); null when anything is off. */
export function decodeFailoverObject(o: Record<string, unknown>): FailoverMessage | null {
  switch (o.t) {
    case 'fo-site':
      if (o.s !== 'tenant' && o.s !== 'provider') return null;
      if (exactKeys(o, ['t', 's'])) return { t: 'fo-site', s: o.s };
      return exactKeys(o, ['t', 's', 'n']) && isSiteName(o.n) ? { t: 'fo-site', s: o.s, n: o.n } : null;
    case 'fo-probe':
      if (!isId(o.id) || !isIp(o.ip)) return null;
      if (exactKeys(o, ['t', 'id', 'ip'])) return { t: 'fo-probe', id: o.id, ip: o.ip };
      return exactKeys(o, ['t', 'id', 'ip', 'n']) && isSiteName(o.n) ? { t: 'fo-probe', id: o.id, ip: o.ip, n: o.n } : null;
    case 'fo-probe-res': {
      if (!exactKeys(o, ['t', 'id', 'ip', 'a', 'm']) || !isId(o.id) || !isIp(o.ip)) return null;
      if (o.a === 1 && typeof o.m === 'string' && isNeighborMac(o.m)) return { t: 'fo-probe-res', id: o.id, ip: o.ip, a: 1, m: o.m };
      if (o.a === 0 && o.m === '') return { t: 'fo-probe-res', id: o.id, ip: o.ip, a: 0, m: '' };
      return null;
    }
    case 'fo-conflict': {
      const named = exactKeys(o, ['t', 'ip', 'm', 'r', 's', 'n']);
      if (named && !isSiteName(o.n)) return null;
      return (named || exactKeys(o, ['t', 'ip', 'm', 'r', 's'])) && isIp(o.ip) && typeof o.m === 'string' && isNeighborMac(o.m) &&
        (o.r === 'still-answers' || o.r === 'pinned') && typeof o.s === 'number' && Number.isInteger(o.s) && o.s >= 0 &&
        o.s <= 0xffffffff ? { t: 'fo-conflict', ip: o.ip, m: o.m, r: o.r, s: o.s, ...(named ? { n: o.n as string } : {}) } : null;
    }
    default:
      return null;
  }
}
