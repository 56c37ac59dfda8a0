// Which of bridgehead's hosts are advertised to the EVPN fabric as MAC+IP, pure (docs/INTERNALS.md
// section 10.3). zebra advertises a MAC+IP type-2 route for a neighbor entry on the VNI's SVI (the
// bridge) whose MAC the bridge has on a local port; bridgehead writes such entries (state NOARP,
// protocol EVPN_EXPORT_PROTO, so they are recognised as ours and never read back as remote hosts)
// for the hosts it knows that are not behind another VTEP: the tenant site's hosts (their MACs are
// on the TAP port) and hosts of this VTEP's own LAN. Remote VTEPs then know the tenant's IPs too
// (their ARP suppression can answer for them).
//
//   selectExportHosts(neighbor table, EVPN-learned IPs, remote MACs, max) -> desired hosts
//   planExport(desired, installed, budget) -> { add, del, deferred }   (del first; the rest next
//     poll). An entry of ours whose host is now behind another VTEP is deleted at once: zebra does
//     not replace a local neighbor with its remote one (it keeps the remote one inactive), so
//     bridgehead would never see the host move. (zebra re-installs a remote entry deleted under it.)

/** an IP and its MAC (the shape of evpn-neigh's RemoteHost) */
export interface RemoteHost { ip: string; mac: string }

/** rtnetlink neighbor protocol of bridgehead's entries (not in iproute2's rt_protos list). */
export const EVPN_EXPORT_PROTO = 201;

export interface TableHost { ip: string; mac: string; frozen: boolean }

const linkLocal6 = (ip: string): boolean => /^fe[89ab][0-9a-f]:/i.test(ip);

export function selectExportHosts(table: TableHost[], evpnIps: Set<string>, remoteMacs: Set<string>, max: number): RemoteHost[] {
  const out: RemoteHost[] = [];
  for (const h of table) {
    if (out.length >= max) break;
    // quarantined copies are not advertised; EVPN's own hosts and MACs behind another VTEP are the
    // fabric's already; IPv6 link-local addresses are not routable anywhere
    if (h.frozen || evpnIps.has(h.ip) || remoteMacs.has(h.mac) || linkLocal6(h.ip)) continue;
    out.push({ ip: h.ip, mac: h.mac });
  }
  return out;
}

export interface ExportPlan { add: RemoteHost[]; del: string[]; deferred: number }

export function planExport(desired: RemoteHost[], installed: RemoteHost[], budget: number): ExportPlan {
  const want = new Map(desired.map((h) => [h.ip, h.mac]));
  const have = new Map(installed.map((h) => [h.ip, h.mac]));
  const plan: ExportPlan = { add: [], del: [], deferred: 0 };
  let left = budget;
  for (const ip of have.keys()) {
    if (want.has(ip)) continue;
    if (left > 0) { plan.del.push(ip); left--; } else plan.deferred++;
  }
  for (const [ip, mac] of want) {
    if (have.get(ip) === mac) continue;
    if (left > 0) { plan.add.push({ ip, mac }); left--; } else plan.deferred++;
  }
  return plan;
}
