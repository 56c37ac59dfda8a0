// Starts partial failover for `bridgehead up` when the config turns it on and the loaded data
// plane implements the contract; otherwise says why it stays off (one log line) and returns null.

import type { Config } from '../config/types';
import type { DataPlane } from '../dataplane/types';
import { FailoverDriver, dataPlaneSupportsFailover, type FailoverLog } from './failover';
import type { PeerRegistry } from './peer-registry';
import { relays } from '../config/topology-config';

export function startFailover(d: { dp: DataPlane; config: Config; registry: PeerRegistry; log: FailoverLog }): FailoverDriver | null {
  const f = d.config.failover;
  if (!f || !f.enabled) return null;
  if (!dataPlaneSupportsFailover(d.dp)) {
    d.log.warn({}, 'failover is enabled in the config but this data plane build does not support it; it stays off');
    return null;
  }
  const driver = new FailoverDriver({
    dp: d.dp, cfg: f, log: d.log, relay: relays(d.config.topology),
    eligible: (id) => { const p = d.registry.get(id); return p !== undefined && p.provisional === null; },
    peerName: (id) => d.registry.get(id)?.name ?? `peer ${id}`,
  });
  d.log.info({ site: f.site, siteName: f.siteName ?? f.site, policy: f.conflictPolicy, proxyArp: f.proxyArp, proxyNd: f.proxyNd,
    learnPrefixes: f.learnPrefixes }, 'partial failover on');
  return driver;
}
