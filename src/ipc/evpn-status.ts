// `status --json` field `evpn` (src/daemon/evpn-driver.ts): the VNI, the hosts learned from FRR's
// remote entries and the driver's counters.
import type { EvpnHostStatus, EvpnNeighCounters } from '../control/evpn-neigh';

export interface EvpnStatus {
  enabled: true;
  vni: number;
  bridge: string;
  vxlanDevice: string;
  /** EVPN-learned hosts (behind other VTEPs), at most the first 256 */
  hosts: EvpnHostStatus[];
  hostCount: number;
  counters: EvpnNeighCounters & { polls: number; pollErrors: number; pollsSkipped: number; fed: number;
    withdrawnToFailover: number; keptSeenOnLan: number; dpRefreshed: number;
    advertised: number; unadvertised: number; advertiseErrors: number; advertiseDeferred: number };
  lastError: string | null;
}
