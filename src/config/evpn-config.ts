// The `evpn` section of bridgehead.json: this appliance's segment is a VXLAN VNI of a BGP-EVPN
// fabric run by FRR (docs/INTERNALS.md section 10). Pure validation; config.ts calls it.
//
//   absent                              off (the default)
//   "evpn": { "vni": 100 }              on: the TAP's bridge is the VNI's bridge, VXLAN device
//                                       "vxlan100", hosts behind other VTEPs polled every second
//   "evpn": { "enabled": false, ... }   off, the settings kept
//
// Shaped per segment (bridge + VNI), so a multi-tenant appliance can give each tenant one.

import { knownFields, intInRange as int, ifNameField as ifName, type Fail } from './fields';

export const VNI_RANGE = { min: 1, max: 16_777_215 } as const; // 24 bits (RFC 7348)
export const EVPN_POLL_MS_RANGE = { min: 200, max: 60_000 } as const;
export const EVPN_MAX_HOSTS_RANGE = { min: 1, max: 65_536 } as const;

export interface EvpnConfig {
  enabled: boolean;
  vni: number;
  /** the VNI's bridge: the one the TAP is in */
  bridge: string;
  /** the kernel VXLAN device of the VNI (learning off; FRR's zebra owns its FDB) */
  vxlanDevice: string;
  /** how often zebra's remote entries are read */
  pollMs: number;
  /** EVPN-learned hosts kept at most (beyond: not learned, counted `full`); also the most hosts
   *  advertised */
  maxHosts: number;
  /** advertise the hosts bridgehead knows (the other site's, this LAN's) as MAC+IP routes through
   *  zebra (neighbor entries on the bridge); MACs alone are advertised by zebra anyway */
  advertiseHosts: boolean;
}

const KEYS = ['enabled', 'vni', 'bridge', 'vxlanDevice', 'pollMs', 'maxHosts', 'advertiseHosts'] as const;


/** ctx: the top-level `bridge` (the TAP's) and whether partial failover is on (EVPN hosts are fed
 *  into its neighbor machinery, so EVPN needs it). */
export function parseEvpnConfig(raw: unknown, fail: Fail, ctx: { bridge: string | null; failoverEnabled: boolean }): EvpnConfig {
  const o = knownFields(raw, 'evpn', KEYS, fail);
  const enabled = o.enabled ?? true;
  if (typeof enabled !== 'boolean') fail('evpn.enabled', 'expected true or false', enabled);
  if (o.vni === undefined) fail('evpn.vni', 'missing (the VXLAN network identifier, 1..16777215)');
  const vni = int(o.vni, 'evpn.vni', VNI_RANGE, fail);
  if (ctx.bridge === null) fail('bridge', 'missing: evpn needs the TAP in the VNI\'s bridge');
  const bridge = o.bridge === undefined ? ctx.bridge as string : ifName(o.bridge, 'evpn.bridge', fail);
  if (bridge !== ctx.bridge) fail('evpn.bridge', `must be the bridge the TAP is in ("bridge": "${ctx.bridge}")`, bridge);
  const vxlanDevice = o.vxlanDevice === undefined ? `vxlan${vni}` : ifName(o.vxlanDevice, 'evpn.vxlanDevice', fail);
  if (vxlanDevice === bridge) fail('evpn.vxlanDevice', 'must differ from the bridge', vxlanDevice);
  const pollMs = o.pollMs === undefined ? 1000 : int(o.pollMs, 'evpn.pollMs', EVPN_POLL_MS_RANGE, fail);
  const maxHosts = o.maxHosts === undefined ? 4096 : int(o.maxHosts, 'evpn.maxHosts', EVPN_MAX_HOSTS_RANGE, fail);
  const advertiseHosts = o.advertiseHosts ?? true;
  if (typeof advertiseHosts !== 'boolean') fail('evpn.advertiseHosts', 'expected true or false', advertiseHosts);
  if (enabled && !ctx.failoverEnabled) {
    fail('evpn', 'needs "failover": {"enabled": true, ...} (EVPN hosts are shared through the neighbor sync)');
  }
  return { enabled: enabled as boolean, vni, bridge, vxlanDevice, pollMs, maxHosts, advertiseHosts: advertiseHosts as boolean };
}

export function formatEvpnConfig(e: EvpnConfig): EvpnConfig {
  return { enabled: e.enabled, vni: e.vni, bridge: e.bridge, vxlanDevice: e.vxlanDevice, pollMs: e.pollMs, maxHosts: e.maxHosts,
    advertiseHosts: e.advertiseHosts };
}
