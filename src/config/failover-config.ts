// The `failover` section of bridgehead.json (partial failover, docs/INTERNALS.md section 5.4):
// which site this appliance serves, the split-brain policy, what the data plane learns, proxies,
// rate-limits and isolates. Pure validation with defaults; config.ts calls it. Every error names
// the field and the value; unknown fields are refused.

import { isIP } from 'node:net';
import { formatIpv6, parseIpv6 } from '../util/addr';
import { isSiteName, type ConflictPolicy, type Site, type SiteName } from './site';
import { knownFields, type Fail, type Obj } from './fields';
import type { FailoverOptions, StormRates } from '../dataplane/types';

export const FAILOVER_SITES: readonly Site[] = ['tenant', 'provider'];
export const CONFLICT_POLICIES: readonly ConflictPolicy[] = ['quarantine', 'prefer-tenant', 'log-only'];
export const MAX_LEARN_PREFIXES = 64;
export const STORM_PPS_MAX = 100_000_000;

export interface FailoverConfig {
  /** master switch; default false (the section may be present and still off) */
  enabled: boolean;
  site: Site;
  /** this site's name when a tenant has more than two sites (records, messages, `failover --to`);
   *  absent: the role (`site`) names it, the two-site alias. Members of an HA pair share it. */
  siteName?: SiteName;
  conflictPolicy: ConflictPolicy;
  flapMoves: number;
  flapWindowS: number;
  learnPrefixes: string[];
  proxyArp: boolean;
  proxyNd: boolean;
  /** detect a second L2 path between the sites and block flooding into the tunnel (default true) */
  loopGuard: boolean;
  storm: { toTunnel: StormRates; fromTunnel: StormRates };
  isolate: { dhcp: boolean; vrrp: boolean; hsrp: boolean; ra: boolean };
}

export const DEFAULT_STORM_RATES: StormRates = {
  broadcastPps: 1000, broadcastBurst: 2000,
  multicastPps: 1000, multicastBurst: 2000,
  unknownUnicastPps: 10000, unknownUnicastBurst: 20000,
};

const STORM_KEYS = Object.keys(DEFAULT_STORM_RATES) as Array<keyof StormRates>;
const KEYS = ['enabled', 'site', 'siteName', 'conflictPolicy', 'flapMoves', 'flapWindowS', 'learnPrefixes', 'proxyArp', 'proxyNd',
  'loopGuard', 'storm', 'isolate'] as const;
const ISOLATE_KEYS = ['dhcp', 'vrrp', 'hsrp', 'ra'] as const;

/** The defaults of everything but the site (`init` picks it, see defaultSite). */
export function defaultFailoverConfig(site: Site): FailoverConfig {
  return {
    enabled: false, site, conflictPolicy: 'quarantine', flapMoves: 5, flapWindowS: 180, learnPrefixes: [],
    proxyArp: true, proxyNd: true, loopGuard: true,
    storm: { toTunnel: { ...DEFAULT_STORM_RATES }, fromTunnel: { ...DEFAULT_STORM_RATES } },
    isolate: { dhcp: false, vrrp: false, hsrp: false, ra: false },
  };
}

/** The site `init` writes when --site is not given: an appliance others reach at a public
 *  endpoint issues the invites and is the provider's; one without (behind NAT, it joins) the
 *  tenant's. */
/** The name of this appliance's site: failover.siteName, else its role (the two-site alias). */
export const siteNameOf = (f: Pick<FailoverConfig, 'site' | 'siteName'>): SiteName => f.siteName ?? f.site;

export function defaultSite(endpoint: string | null): Site {
  return endpoint !== null ? 'provider' : 'tenant';
}

const object = knownFields;

function bool(o: Obj, key: string, path: string, dflt: boolean, fail: Fail): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'expected true or false', v);
  return v as boolean;
}

function int(o: Obj, key: string, path: string, min: number, max: number, dflt: number, fail: Fail): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${path}.${key}`, 'expected an integer', v);
  if ((v as number) < min || (v as number) > max) fail(`${path}.${key}`, `must be ${min}..${max}`, v);
  return v as number;
}

function oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], dflt: T | undefined, fail: Fail): T {
  const v = o[key];
  if (v === undefined) {
    if (dflt === undefined) fail(`${path}.${key}`, 'missing');
    return dflt as T;
  }
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(`${path}.${key}`, `must be one of ${allowed.join(', ')}`, v);
  return v as T;
}

/** "10.1.0.0/16" -> canonical "10.1.0.0/16"; host bits set or a bad length: null. */
export function parseCidr(s: string): string | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return null;
  const fam = isIP(m[1]);
  const len = Number(m[2]);
  if (fam === 0 || String(len) !== m[2] || len > (fam === 4 ? 32 : 128)) return null;
  if (fam === 4) {
    if (m[1].split('.').some((p) => p.length > 1 && p.startsWith('0'))) return null;
    const n = m[1].split('.').reduce((a, p) => a * 256 + Number(p), 0);
    const hostBits = len === 32 ? 0 : n % 2 ** (32 - len);
    return hostBits === 0 ? `${m[1]}/${len}` : null;
  }
  const bytes = parseIpv6(m[1]);
  if (!bytes) return null;
  for (let bit = len; bit < 128; bit++) if (bytes[bit >> 3] & (0x80 >> (bit & 7))) return null;
  return `${formatIpv6(bytes)}/${len}`;
}

function storm(raw: unknown, path: string, fail: Fail): StormRates {
  if (raw === undefined) return { ...DEFAULT_STORM_RATES };
  const o = object(raw, path, STORM_KEYS, fail);
  const r = { ...DEFAULT_STORM_RATES };
  for (const k of STORM_KEYS) r[k] = int(o, k, path, 0, STORM_PPS_MAX, DEFAULT_STORM_RATES[k], fail);
  return r;
}

export function parseFailoverConfig(raw: unknown, fail: Fail, endpoint: string | null = null): FailoverConfig {
  const o = object(raw, 'failover', KEYS, fail);
  const site = oneOf(o, 'site', 'failover', FAILOVER_SITES, defaultSite(endpoint), fail);
  const d = defaultFailoverConfig(site);
  const learn: string[] = [];
  if (o.learnPrefixes !== undefined) {
    if (!Array.isArray(o.learnPrefixes)) fail('failover.learnPrefixes', 'expected an array of CIDR prefixes', o.learnPrefixes);
    const list = o.learnPrefixes as unknown[];
    if (list.length > MAX_LEARN_PREFIXES) fail('failover.learnPrefixes', `at most ${MAX_LEARN_PREFIXES} prefixes`, list.length);
    list.forEach((p, i) => {
      const c = typeof p === 'string' ? parseCidr(p) : null;
      if (c === null) fail(`failover.learnPrefixes[${i}]`, 'expected a CIDR prefix such as 10.1.0.0/16 (no host bits)', p);
      learn.push(c as string);
    });
  }
  let isolate = d.isolate;
  if (o.isolate !== undefined) {
    const io = object(o.isolate, 'failover.isolate', ISOLATE_KEYS, fail);
    isolate = { dhcp: bool(io, 'dhcp', 'failover.isolate', false, fail), vrrp: bool(io, 'vrrp', 'failover.isolate', false, fail),
      hsrp: bool(io, 'hsrp', 'failover.isolate', false, fail), ra: bool(io, 'ra', 'failover.isolate', false, fail) };
  }
  let stormCfg = d.storm;
  if (o.storm !== undefined) {
    const so = object(o.storm, 'failover.storm', ['toTunnel', 'fromTunnel'], fail);
    stormCfg = { toTunnel: storm(so.toTunnel, 'failover.storm.toTunnel', fail),
      fromTunnel: storm(so.fromTunnel, 'failover.storm.fromTunnel', fail) };
  }
  if (o.siteName !== undefined && !isSiteName(o.siteName)) {
    fail('failover.siteName', 'expected a site name: 1-32 of a-z 0-9 . _ -, starting and ending with a letter or digit', o.siteName);
  }
  return {
    enabled: bool(o, 'enabled', 'failover', d.enabled, fail),
    site,
    ...(o.siteName !== undefined ? { siteName: o.siteName as SiteName } : {}),
    conflictPolicy: oneOf(o, 'conflictPolicy', 'failover', CONFLICT_POLICIES, d.conflictPolicy, fail),
    flapMoves: int(o, 'flapMoves', 'failover', 1, 1000, d.flapMoves, fail),
    flapWindowS: int(o, 'flapWindowS', 'failover', 1, 86_400, d.flapWindowS, fail),
    learnPrefixes: learn,
    proxyArp: bool(o, 'proxyArp', 'failover', d.proxyArp, fail),
    proxyNd: bool(o, 'proxyNd', 'failover', d.proxyNd, fail),
    loopGuard: bool(o, 'loopGuard', 'failover', d.loopGuard, fail),
    storm: stormCfg,
    isolate,
  };
}

/** The canonical JSON form (formatConfig). */
export function formatFailoverConfig(f: FailoverConfig): FailoverConfig {
  return {
    enabled: f.enabled, site: f.site, ...(f.siteName !== undefined ? { siteName: f.siteName } : {}), conflictPolicy: f.conflictPolicy, flapMoves: f.flapMoves, flapWindowS: f.flapWindowS,
    learnPrefixes: [...f.learnPrefixes], proxyArp: f.proxyArp, proxyNd: f.proxyNd, loopGuard: f.loopGuard,
    storm: { toTunnel: { ...f.storm.toTunnel }, fromTunnel: { ...f.storm.fromTunnel } }, isolate: { ...f.isolate },
  };
}

/** What the data plane gets (dp.setFailoverOptions). */
export function dataPlaneFailoverOptions(f: FailoverConfig): FailoverOptions {
  return {
    proxyArp: f.proxyArp, proxyNd: f.proxyNd, loopGuard: f.loopGuard, learnPrefixes: [...f.learnPrefixes],
    storm: { toTunnel: { ...f.storm.toTunnel }, fromTunnel: { ...f.storm.fromTunnel } }, isolate: { ...f.isolate },
  };
}
