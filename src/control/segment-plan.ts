// What to run so a segment's kernel objects exist (docs/INTERNALS.md section 9.6), and what to
// delete when its tenant is removed. Pure: takes `ip -d -j link show` output and the config,
// returns argv lists; src/daemon/segment.ts runs them and keeps the ownership record.
//
//   vlan:  bridge BR (created if missing) <- TRUNK.ID (802.1Q subinterface of the trunk) + the TAP
//   vxlan: bridge BR (created if missing) <- vxlanN (nolearning, port learning off) + the TAP
//
// Existing objects are used when they are what the config says (idempotent); anything else of the
// same name (another kind, another VLAN/VNI, in another bridge) is a one-line error, never changed.

import type { SegmentConfig } from '../config/segment-config';

export interface LinkInfo { name: string; kind: string | null; parent: string | null; master: string | null; vlanId?: number; vni?: number }
export interface OwnedLink { name: string; kind: 'bridge' | 'vlan' | 'vxlan' }
export type SegmentPlan = { ok: true; commands: Array<{ argv: string[]; creates?: OwnedLink }> } | { ok: false; error: string };

/** `ip -d -j link show`; rows without a name are skipped. */
export function parseLinks(text: string): LinkInfo[] {
  const rows = JSON.parse(text) as unknown;
  if (!Array.isArray(rows)) throw new Error('ip -j link show: expected a list');
  const out: LinkInfo[] = [];
  for (const r of rows as Array<Record<string, any>>) {
    if (typeof r?.ifname !== 'string') continue;
    const li = r.linkinfo as Record<string, any> | undefined;
    const kind = typeof li?.info_kind === 'string' ? li.info_kind : null;
    const d = li?.info_data as Record<string, any> | undefined;
    out.push({ name: r.ifname, kind, parent: typeof r.link === 'string' ? r.link : null, master: typeof r.master === 'string' ? r.master : null,
      ...(kind === 'vlan' && typeof d?.id === 'number' ? { vlanId: d.id } : {}),
      ...(kind === 'vxlan' && typeof d?.id === 'number' ? { vni: d.id } : {}) });
  }
  return out;
}

export function planSegment(seg: SegmentConfig, bridge: string, links: readonly LinkInfo[]): SegmentPlan {
  const by = new Map(links.map((l) => [l.name, l]));
  const fail = (error: string): SegmentPlan => ({ ok: false, error });
  const commands: Array<{ argv: string[]; creates?: OwnedLink }> = [];
  const br = by.get(bridge);
  if (br && br.kind !== 'bridge') return fail(`${bridge} exists and is not a bridge (${br.kind ?? 'a plain device'})`);
  if (!br) commands.push({ argv: ['ip', 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0'], creates: { name: bridge, kind: 'bridge' } });
  const dev = by.get(seg.device);
  if (seg.type === 'vlan') {
    const trunk = by.get(seg.trunk);
    if (!trunk) return fail(`trunk ${seg.trunk} does not exist`);
    if (trunk.master) return fail(`trunk ${seg.trunk} is a port of ${trunk.master} (a VLAN subinterface needs it unbridged)`);
    const same = links.find((l) => l.kind === 'vlan' && l.parent === seg.trunk && l.vlanId === seg.vlan && l.name !== seg.device);
    if (same) return fail(`VLAN ${seg.vlan} on ${seg.trunk} already exists as ${same.name}`);
    if (dev && !(dev.kind === 'vlan' && dev.parent === seg.trunk && dev.vlanId === seg.vlan)) {
      return fail(`${seg.device} exists and is not VLAN ${seg.vlan} on ${seg.trunk}`);
    }
    if (!dev) commands.push({ argv: ['ip', 'link', 'add', 'link', seg.trunk, 'name', seg.device, 'type', 'vlan', 'id', String(seg.vlan)], creates: { name: seg.device, kind: 'vlan' } });
  } else {
    const same = links.find((l) => l.kind === 'vxlan' && l.vni === seg.vni && l.name !== seg.device);
    if (same) return fail(`VNI ${seg.vni} already exists as ${same.name}`);
    if (dev && !(dev.kind === 'vxlan' && dev.vni === seg.vni)) return fail(`${seg.device} exists and is not the VXLAN device of VNI ${seg.vni}`);
    if (!dev) {
      commands.push({ argv: ['ip', 'link', 'add', seg.device, 'type', 'vxlan', 'id', String(seg.vni), 'local', seg.local, 'dstport', String(seg.dstport), 'nolearning'],
        creates: { name: seg.device, kind: 'vxlan' } });
    }
  }
  if (dev?.master && dev.master !== bridge) return fail(`${seg.device} is a port of ${dev.master}, not of ${bridge}`);
  if (!dev?.master) commands.push({ argv: ['ip', 'link', 'set', 'dev', seg.device, 'master', bridge] });
  // zebra programs the remote MACs of a VNI from BGP: the kernel must not learn them (FRR's layout)
  if (seg.type === 'vxlan') commands.push({ argv: ['bridge', 'link', 'set', 'dev', seg.device, 'learning', 'off'] });
  commands.push({ argv: ['ip', 'link', 'set', 'dev', seg.device, 'up'] }, { argv: ['ip', 'link', 'set', 'dev', bridge, 'up'] });
  return { ok: true, commands };
}

/** segment-owned.json: what the appliance created, in creation order. */
export function parseOwned(text: string): OwnedLink[] {
  const o = JSON.parse(text) as { version?: unknown; created?: unknown };
  if (o.version !== 1 || !Array.isArray(o.created)) throw new Error('segment-owned.json: expected {"version": 1, "created": [...]}');
  return o.created.filter((c): c is OwnedLink => typeof c?.name === 'string' && ['bridge', 'vlan', 'vxlan'].includes(c?.kind));
}

export function formatOwned(list: readonly OwnedLink[]): string {
  return `${JSON.stringify({ version: 1, created: list.map((c) => ({ name: c.name, kind: c.kind })) }, null, 2)}\n`;
}

/** Deletes, newest first, what the record says was created and still is that kind of device. */
export function planTeardown(owned: readonly OwnedLink[], links: readonly LinkInfo[]): string[][] {
  const by = new Map(links.map((l) => [l.name, l]));
  return [...owned].reverse().filter((o) => by.get(o.name)?.kind === o.kind).map((o) => ['ip', 'link', 'del', 'dev', o.name]);
}
