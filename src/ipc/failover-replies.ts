// Replies of the partial-failover ctlsock methods (served by src/daemon/failover-ctlsock.ts
// and failover.ts, printed by src/cli/failover-format.ts): plain JSON.

import type * as mob from '../control/mobility';
import type { Site, SiteName } from '../config/site';
import type { FailoverStats } from '../dataplane/types';

/** What a probe of one address found (failover --check). */
export type ProbeOutcome = { result: 'answered'; mac: string } | { result: 'silent' } | { result: 'unknown' };

export interface NeighborRow {
  ip: string; mac: string; site: string; peer: string | null; seq: number; origin: string; router: boolean;
  frozen: boolean; ageMs: number; conflict: string | null;
}
/** site: this appliance's site name (two sites: its role); role: its role (absent from older daemons) */
export interface NeighborsReply { site: SiteName; role?: Site; entries: NeighborRow[] }
/** origin: 'learned' from frames, or 'peer' when the neighbor sync placed it (a remote host's MAC) */
export interface FdbRow { mac: string; site: string; peer: string | null; ageMs: number; origin: 'learned' | 'peer' }
export interface FdbReply { site: SiteName | null; entries: FdbRow[] }

export type OpName = 'failover' | 'failback' | 'resolve';
export interface OpItem {
  ip: string;
  outcome: 'moved' | 'plan' | 'refused' | 'resolved' | 'unchanged';
  reason?: string;
  mac?: string;
  from?: mob.Site;
  to?: mob.Site;
  seq?: number;
  probe?: { lan: mob.Site; result: ProbeOutcome['result']; mac?: string };
}
/** changed: false when every item was already where the operator asked (idempotent failover/failback) */
export interface OpResult { op: OpName; host: string; check: boolean; ok: boolean; changed: boolean; items: OpItem[] }

export interface RecentEvent { atMs: number; kind: 'moved' | 'conflict' | 'quarantine' | 'release' | 'resolved' | 'site-mismatch';
  ip?: string; mac?: string; from?: string; to?: string; reason?: string; peer?: string }

export interface FailoverStatus {
  enabled: true;
  site: mob.Site;            // this site's name (two sites: its role)
  role?: mob.Role;
  policy: mob.ConflictPolicy;
  /** peerSite: the peer's site name (fo-site), peerRole: its role */
  peers: Array<{ name: string; up: boolean; peerSite: mob.Site | null; peerRole?: mob.Role | null; siteMismatch: boolean; hosts: number;
    sharing: number; remote: number; syncing: boolean }>;
  conflicts: Array<mob.Conflict & { peer: string }>;
  counters: Record<string, number>;
  dataPlane: FailoverStats | null;
  recent: RecentEvent[];
}

