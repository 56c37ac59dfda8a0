// HA replication of the mobility table: mobility HostRecords <-> ReplicatedHost (the wire form of
// src/control/ha-messages.ts), per peer keyed by its public key (peer ids may differ between the
// two members; the key and the peer list are the same: `bridgehead ha sync`).

import type { HostRecord, Site } from '../control/mobility';
import { NB_PINNED, NB_ROUTER, type NeighborEntry, type NeighborOrigin } from '../control/neighbor-messages';
import type { ReplicatedHost } from '../control/ha-messages';
import type { ConflictPolicy } from '../config/site';

const ORIGIN_TO_WIRE: Record<NeighborOrigin, ReplicatedHost['origin']> = { arp: 'a', nd: 'n', traffic: 't', peer: 'p', static: 's' };
const ORIGIN_FROM_WIRE: Record<ReplicatedHost['origin'], NeighborOrigin> = { a: 'arp', n: 'nd', t: 'traffic', p: 'peer', s: 'static' };

const isRole = (s: string): s is 'tenant' | 'provider' => s === 'tenant' || s === 'provider';

/** The wire form, or null for a record the HA wire cannot carry: it names sites by role, so a
 *  deployment of more than two sites (names other than tenant/provider) is not replicated. */
export function toReplicated(r: HostRecord): ReplicatedHost | null {
  const c = r.conflict;
  if (!isRole(r.site) || (c && (!c.sites.every(isRole) || (c.quarantined && !isRole(c.quarantined.site))))) return null;
  return { ip: r.ip, mac: r.mac, site: r.site, seq: r.seq, router: r.router, pinned: r.pinned, origin: ORIGIN_TO_WIRE[r.origin],
    conflict: c ? { reason: c.reason, tenantMac: c.macs.tenant, providerMac: c.macs.provider,
      quarantined: c.quarantined ? c.quarantined.site as 'tenant' | 'provider' : '', atSeq: c.atSeq } : null };
}

/** A record as the standby adopts it: no flap history, no verification in flight, no handover
 *  pending (the active's was either confirmed or is re-sent by the full sync after the takeover). */
export function fromReplicated(h: ReplicatedHost, policy: ConflictPolicy, nowMs: number): HostRecord {
  const c = h.conflict;
  const macs: Record<Site, string> = c ? { tenant: c.tenantMac, provider: c.providerMac } : { tenant: '', provider: '' };
  return { ip: h.ip, mac: h.mac, site: h.site, seq: h.seq, router: h.router, origin: ORIGIN_FROM_WIRE[h.origin], moves: [],
    handover: false, pinned: h.pinned, verify: null,
    conflict: c ? { ip: h.ip, reason: c.reason as NonNullable<HostRecord['conflict']>['reason'], detectedMs: nowMs, atSeq: c.atSeq,
      sites: c.quarantined === 'tenant' ? ['provider', 'tenant'] : ['tenant', 'provider'], macs,
      quarantined: c.quarantined === '' ? null : { site: c.quarantined, mac: macs[c.quarantined] }, policy } : null };
}

/** What this site shares with the peer for a record it holds (mobility's own entry form). */
export function shareEntryOf(r: HostRecord): NeighborEntry {
  return { ip: r.ip, mac: r.mac, seq: r.seq, origin: r.origin, flags: (r.router ? NB_ROUTER : 0) | (r.pinned ? NB_PINNED : 0) };
}
