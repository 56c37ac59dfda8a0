// The `qos` section of bridgehead.json (QoS, docs/INTERNALS.md section 2c): shaper rate, the
// realtime share, classification rules and the outer DSCP per band. Pure validation with
// defaults; config.ts calls it. Every error names the field and the value; unknown fields are
// refused. Also parseRate for `bridgehead init --wan-rate 200mbit`.

import { QOS_BANDS, QosBand, QosRule, QosSettings } from '../dataplane/qos-types';
import { LIMITS } from '../dataplane/limits';
import { ValueError } from '../util/value-error';
import { knownFields, type Fail } from './fields';

/** 100 kbit/s: the smallest rate this config accepts (the shaper itself goes lower). */
export const WAN_RATE_MBIT_MIN = 0.1;
/** The shaper's ceiling (100 Gbit/s), in Mbit/s. */
export const WAN_RATE_MBIT_MAX = LIMITS.wanRateBitsPerS.max / 1e6;
export const REALTIME_SHARE_DEFAULT = LIMITS.realtimeSharePct.default;
export const MAX_QOS_RULES = LIMITS.qosRules.max;
export const DEFAULT_OUTER_DSCP: Readonly<Record<QosBand, number>> = {
  'network-control': 48, realtime: 46, interactive: 34, 'best-effort': 0, bulk: 8,
};
/** What `bridgehead init --wan-rate` writes: SIP signalling and the usual RTP range. */
export const VOICE_RULES: readonly QosRuleConfig[] = [
  { proto: 'tcp+udp', ports: '5060-5061', band: 'realtime' },
  { proto: 'udp', ports: '16384-32767', band: 'realtime' },
];

export type QosProto = 'tcp' | 'udp' | 'tcp+udp' | 'sctp';
const PROTO_NUMBERS: Record<QosProto, number> = { tcp: 6, udp: 17, 'tcp+udp': 0, sctp: 132 };

export interface QosRuleConfig {
  proto: QosProto;
  /** "5060", "16384-32767"; matches the source or the destination port */
  ports: string;
  band: QosBand;
}

export interface QosConfig {
  /** default true: the section's presence turns QoS on unless enabled is false */
  enabled: boolean;
  /** WAN (uplink) rate the shaper sends at, Mbit/s; null = no shaper */
  wanRateMbit: number | null;
  realtimeSharePct: number;
  rules: QosRuleConfig[];
  outerDscp: Record<QosBand, number>;
}

const KEYS = ['enabled', 'wanRateMbit', 'realtimeSharePct', 'rules', 'outerDscp'] as const;
const RULE_KEYS = ['proto', 'ports', 'band'] as const;

/** "5060" or "16384-32767" -> [from, to], or null. */
export function parsePortRange(s: string): [number, number] | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) return null;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a <= b && b <= 65535 ? [a, b] : null;
}

function parseRule(raw: unknown, path: string, fail: Fail): QosRuleConfig {
  const { proto, ports, band } = knownFields(raw, path, RULE_KEYS, fail, 'expected an object {proto, ports, band}');
  if (typeof proto !== 'string' || !(proto in PROTO_NUMBERS)) fail(`${path}.proto`, 'expected tcp, udp, tcp+udp or sctp', proto);
  const p = typeof ports === 'number' ? String(ports) : ports;
  if (typeof p !== 'string' || !parsePortRange(p)) fail(`${path}.ports`, 'expected a port or a range like "16384-32767"', ports);
  if (typeof band !== 'string' || !QOS_BANDS.includes(band as QosBand)) fail(`${path}.band`, `expected one of ${QOS_BANDS.join(', ')}`, band);
  return { proto: proto as QosProto, ports: p, band: band as QosBand };
}

export function parseQosConfig(input: unknown, fail: Fail): QosConfig {
  const raw = knownFields(input, 'qos', KEYS, fail);
  const enabled = raw.enabled ?? true;
  if (typeof enabled !== 'boolean') fail('qos.enabled', 'expected true or false', enabled);
  const rate = raw.wanRateMbit ?? null;
  if (rate !== null && (typeof rate !== 'number' || !Number.isFinite(rate) || rate < WAN_RATE_MBIT_MIN || rate > WAN_RATE_MBIT_MAX))
    fail('qos.wanRateMbit', `expected null or a number ${WAN_RATE_MBIT_MIN}..${WAN_RATE_MBIT_MAX} (Mbit/s)`, rate);
  const share = raw.realtimeSharePct ?? REALTIME_SHARE_DEFAULT;
  const shares = LIMITS.realtimeSharePct;
  if (typeof share !== 'number' || !Number.isInteger(share) || share < shares.min || share > shares.max)
    fail('qos.realtimeSharePct', `expected an integer ${shares.min}..${shares.max}`, share);
  const rulesRaw = raw.rules ?? [];
  if (!Array.isArray(rulesRaw)) fail('qos.rules', 'expected an array', rulesRaw);
  if (rulesRaw.length > MAX_QOS_RULES) fail('qos.rules', `at most ${MAX_QOS_RULES} rules`, rulesRaw.length);
  const rules = rulesRaw.map((r, i) => parseRule(r, `qos.rules[${i}]`, fail));
  const outerDscp: Record<QosBand, number> = { ...DEFAULT_OUTER_DSCP };
  if (raw.outerDscp !== undefined) {
    const dscp = knownFields(raw.outerDscp, 'qos.outerDscp', QOS_BANDS, fail, 'expected an object {band: dscp}');
    for (const [k, v] of Object.entries(dscp)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 63) fail(`qos.outerDscp.${k}`, 'expected an integer 0..63', v);
      outerDscp[k as QosBand] = v;
    }
  }
  return { enabled: enabled as boolean, wanRateMbit: rate as number | null, realtimeSharePct: share as number, rules, outerDscp };
}

export function formatQosConfig(q: QosConfig): Record<string, unknown> {
  return {
    enabled: q.enabled,
    wanRateMbit: q.wanRateMbit,
    realtimeSharePct: q.realtimeSharePct,
    rules: q.rules.map((r) => ({ proto: r.proto, ports: r.ports, band: r.band })),
    outerDscp: { ...q.outerDscp },
  };
}

/** The data plane's settings for a parsed section. */
export function qosSettings(q: QosConfig): QosSettings {
  return {
    wanRateBitsPerS: q.wanRateMbit === null ? 0 : Math.round(q.wanRateMbit * 1e6),
    realtimeSharePct: q.realtimeSharePct,
    rules: q.rules.map((r): QosRule => {
      const [portFrom, portTo] = parsePortRange(r.ports) as [number, number];
      return { proto: PROTO_NUMBERS[r.proto], portFrom, portTo, band: r.band };
    }),
    outerDscp: { ...q.outerDscp },
  };
}

const RATE_UNITS: Record<string, number> = { bit: 1e-6, kbit: 1e-3, mbit: 1, gbit: 1e3 };

/** "200mbit", "1gbit", "500000kbit", "1.5mbit" -> Mbit/s; throws a one-line ValueError otherwise. */
export function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)$/i.exec(s.trim());
  const v = m ? Number(m[1]) * RATE_UNITS[m[2].toLowerCase()] : NaN;
  if (!Number.isFinite(v) || v < WAN_RATE_MBIT_MIN || v > WAN_RATE_MBIT_MAX)
    throw new ValueError(`expected a rate with kbit, mbit or gbit, ${WAN_RATE_MBIT_MIN}mbit..${WAN_RATE_MBIT_MAX / 1000}gbit (e.g. 200mbit, 1gbit, 500000kbit)`);
  return Math.round(v * 1e6) / 1e6;
}
