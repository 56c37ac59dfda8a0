// The `evpn:` block of `bridgehead status` (text): the VNI, the hosts learned from FRR's zebra
// (behind other VTEPs), the counters that matter, the last read error. Pure; empty when off.
import type { EvpnStatus } from '../ipc/evpn-status';

const SHOW_HOSTS = 16;
// eslint-disable-next-line no-control-regex
const clean = (v: unknown): string => String(v).replace(/[\u0000-\u001f\u007f]/g, '?');

export function formatEvpnStatus(e: EvpnStatus | undefined): string[] {
  if (!e) return [];
  const c = e.counters;
  const out = ['', `evpn: VNI ${clean(e.vni)} (${clean(e.bridge)}, ${clean(e.vxlanDevice)}), ${clean(e.hostCount)} hosts behind other VTEPs`];
  for (const h of e.hosts.slice(0, SHOW_HOSTS)) out.push(`  ${clean(h.ip)} ${clean(h.mac)} via ${h.vtep === null ? '?' : clean(h.vtep)}`);
  if (e.hostCount > SHOW_HOSTS) out.push(`  ... ${e.hostCount - SHOW_HOSTS} more (status --json)`);
  out.push(`  learned ${clean(c.learned)}, withdrawn ${clean(c.withdrawnToFailover)} (kept on this LAN ${clean(c.keptSeenOnLan)}), ` +
    `VTEP moves ${clean(c.vtepMoves)}, advertised ${clean(c.advertised)}, full ${clean(c.full)}, read errors ${clean(c.pollErrors)}`);
  if (e.lastError) out.push(`  LAST READ FAILED: ${clean(e.lastError)}`);
  return out;
}
