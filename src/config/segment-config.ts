// The `segment` section of bridgehead.json: the appliance creates (idempotently) the kernel objects
// of its segment and puts its TAP into the segment's bridge (docs/INTERNALS.md section 9.6).
//
//   absent                                                    the bridge is the operator's (as before)
//   "segment": {"type": "vlan", "trunk": "eth1", "vlan": 101, "device": "eth1.101"}
//       a VLAN subinterface of the trunk in the bridge (one bridge per tenant VLAN)
//   "segment": {"type": "vxlan", "vni": 100, "local": "198.18.50.1", "dstport": 4789, "device": "vxlan100"}
//       a VXLAN device of an EVPN fabric in the bridge (learning off: FRR's zebra owns its FDB;
//       the layout of appliance/frr/evpn-vni.sh); needs the `evpn` section with the same VNI
//
// `tenant add --vlan/--vni` writes it; the daemon creates what is missing at start and records
// what it created (segment-owned.json); `tenant remove` deletes exactly that. Pure validation.

import { isIP } from 'node:net';
import { knownFields, intInRange as int, ifNameField as ifName, type Fail } from './fields';
import { VNI_RANGE } from './evpn-config';

export const VLAN_RANGE = { min: 1, max: 4094 } as const; // 0 and 4095 are reserved (802.1Q)
export const VXLAN_PORT_DEFAULT = 4789; // IANA

export type SegmentConfig =
  | { type: 'vlan'; trunk: string; vlan: number; device: string }
  | { type: 'vxlan'; vni: number; local: string; dstport: number; device: string };

const VLAN_KEYS = ['type', 'trunk', 'vlan', 'device'] as const;
const VXLAN_KEYS = ['type', 'vni', 'local', 'dstport', 'device'] as const;


/** The VLAN subinterface's name: TRUNK.ID when it fits Linux's 15 characters, else bv-TENANT. */
export function vlanDeviceName(trunk: string, vlan: number, fallback: string): string {
  const n = `${trunk}.${vlan}`;
  return n.length <= 15 ? n : fallback;
}

export function vxlanDeviceName(vni: number): string {
  return `vxlan${vni}`;
}

/** ctx: the top-level bridge and tap (the segment's objects must be neither). */
export function parseSegmentConfig(raw: unknown, fail: Fail, ctx: { bridge: string | null; tap: string }): SegmentConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('segment', 'expected an object', raw);
  const type = (raw as Record<string, unknown>).type;
  if (ctx.bridge === null) fail('bridge', 'missing: a segment needs the bridge the TAP joins');
  let seg: SegmentConfig;
  if (type === 'vlan') {
    const o = knownFields(raw, 'segment', VLAN_KEYS, fail);
    const trunk = ifName(o.trunk, 'segment.trunk', fail);
    const vlan = int(o.vlan, 'segment.vlan', VLAN_RANGE, fail);
    const device = o.device === undefined ? vlanDeviceName(trunk, vlan, `${trunk.slice(0, 9)}.${vlan}`) : ifName(o.device, 'segment.device', fail);
    if (device === trunk) fail('segment.device', 'must differ from the trunk', device);
    seg = { type, trunk, vlan, device };
  } else if (type === 'vxlan') {
    const o = knownFields(raw, 'segment', VXLAN_KEYS, fail);
    const vni = int(o.vni, 'segment.vni', VNI_RANGE, fail);
    if (typeof o.local !== 'string' || isIP(o.local) !== 4) fail('segment.local', 'expected this VTEP\'s IPv4 address', o.local);
    const dstport = o.dstport === undefined ? VXLAN_PORT_DEFAULT : int(o.dstport, 'segment.dstport', { min: 1, max: 65535 }, fail);
    const device = o.device === undefined ? vxlanDeviceName(vni) : ifName(o.device, 'segment.device', fail);
    seg = { type, vni, local: o.local as string, dstport, device };
  } else {
    return fail('segment.type', 'expected "vlan" or "vxlan"', type);
  }
  if (seg.device === ctx.bridge) fail('segment.device', 'must differ from the bridge', seg.device);
  if (seg.device === ctx.tap || (seg.type === 'vlan' && seg.trunk === ctx.tap)) fail('segment', 'must not use the TAP', seg.device);
  if (seg.type === 'vlan' && seg.trunk === ctx.bridge) fail('segment.trunk', 'must differ from the bridge', seg.trunk);
  return seg;
}

export function formatSegmentConfig(s: SegmentConfig): SegmentConfig {
  return s.type === 'vlan'
    ? { type: 'vlan', trunk: s.trunk, vlan: s.vlan, device: s.device }
    : { type: 'vxlan', vni: s.vni, local: s.local, dstport: s.dstport, device: s.device };
}

export function describeSegment(s: SegmentConfig | undefined): string {
  if (!s) return '-';
  return s.type === 'vlan' ? `vlan ${s.vlan} on ${s.trunk}` : `vni ${s.vni}`;
}

/** What a new segment must not share with the appliance's other tenants: one line, or null. */
export function segmentConflict(want: { seg: SegmentConfig; bridge: string; tap: string },
  others: ReadonlyArray<{ owner: string; seg?: SegmentConfig; bridge: string | null; tap: string }>): string | null {
  for (const o of others) {
    if (o.seg && want.seg.type === 'vlan' && o.seg.type === 'vlan' && o.seg.trunk === want.seg.trunk && o.seg.vlan === want.seg.vlan) {
      return `VLAN ${want.seg.vlan} on ${want.seg.trunk} is already ${o.owner}'s segment`;
    }
    if (o.seg && want.seg.type === 'vxlan' && o.seg.type === 'vxlan' && o.seg.vni === want.seg.vni) {
      return `VNI ${want.seg.vni} is already ${o.owner}'s segment`;
    }
    if (o.seg && o.seg.device === want.seg.device) return `device ${want.seg.device} is already ${o.owner}'s segment device`;
    if (o.bridge === want.bridge) return `bridge ${want.bridge} is already ${o.owner}'s bridge (a segment needs its own)`;
    if (o.tap === want.bridge || o.tap === want.seg.device || (want.seg.type === 'vlan' && o.tap === want.seg.trunk)) return `${o.tap} is ${o.owner}'s TAP`;
    if (o.seg?.type === 'vlan' && (o.seg.trunk === want.bridge || o.seg.trunk === want.seg.device)) return `${o.seg.trunk} is ${o.owner}'s trunk`;
    if (want.seg.type === 'vlan' && o.bridge === want.seg.trunk) return `trunk ${want.seg.trunk} is ${o.owner}'s bridge`;
  }
  return null;
}
