// Builds the status snapshot (`bridgehead status`) from the data plane's counters and the
// control plane's view of each peer.

import { DEFAULT_TOPOLOGY } from '../config/topology-config';
import type { Config } from '../config/types';
import { sessionIsUp } from '../control/session';
import type { DataPlane } from '../dataplane/types';
import type { DropCounters } from './drop-counters';
import { fmt } from './handshake-driver';
import type { PeerRegistry } from './peer-registry';
import { configuredPathMtu } from './pmtu-driver';
import type { FailoverStatus } from '../ipc/failover-replies';
import type { EvpnStatus } from '../ipc/evpn-status';
import type { PeerStatus, StatusSnapshot } from '../ipc/status-types';
import { tapReaderState } from './tap-reader';

/** The process's memory for the status snapshot (bytes). */
export function processMemory(): NonNullable<StatusSnapshot['memory']> {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

export function buildStatus(d: {
  config: Config; identity: { publicKey: Uint8Array }; registry: PeerRegistry; dp: DataPlane;
  drops: DropCounters; startedMs: number; nowMs: number;
  pathMtuSource?: (peer: number) => 'discovered' | 'pinned' | 'default' | null;
  failover?: () => FailoverStatus | null;
  evpn?: () => EvpnStatus | null;
  handshakeGuard?: (nowMs: number) => StatusSnapshot['handshakeGuard'];
  memory?: () => NonNullable<StatusSnapshot['memory']>;
}): StatusSnapshot {
  const s = d.dp.stats();
  const age = (ms: number) => (ms < 0 ? null : ms);
  const peers: PeerStatus[] = d.registry.all().filter((p) => !p.provisional).map((p) => {
    const ps = s.peers.find((x) => x.id === p.id);
    const up = sessionIsUp(p.session, d.nowMs) && ps?.currentKey != null;
    return {
      name: p.name,
      publicKey: p.publicKeyB64,
      endpoint: p.endpoint ? fmt(p.endpoint) : null,
      state: up ? 'up' : p.pending ? 'handshaking' : 'down',
      lastHandshakeAgeMs: p.session.lastHandshakeMs === null ? null : d.nowMs - p.session.lastHandshakeMs,
      rxBytes: ps?.rxBytes ?? 0, txBytes: ps?.txBytes ?? 0,
      rxFrames: ps?.rxFrames ?? 0, txFrames: ps?.txFrames ?? 0,
      lastRxAgeMs: ps ? age(ps.lastRxMs) : null, lastTxAgeMs: ps ? age(ps.lastTxMs) : null,
      pathMtu: ps?.pathMtu || configuredPathMtu(d.config).pathMtu,
      pathMtuSource: d.pathMtuSource?.(p.id) ?? configuredPathMtu(d.config).source,
      endpointChanges: p.endpointChanges,
    };
  });
  const drops: Record<string, number> = { ...s.drops };
  for (const [k, v] of Object.entries(d.drops.snapshot())) drops[k] = (drops[k] ?? 0) + v;
  return {
    name: d.config.name,
    publicKey: Buffer.from(d.identity.publicKey).toString('base64'),
    listen: d.config.listen.address.includes(':') ? `[${d.config.listen.address}]:${d.dp.port}` : `${d.config.listen.address}:${d.dp.port}`,
    tap: d.dp.tapName,
    bridge: d.config.bridge,
    uptimeMs: d.nowMs - d.startedMs,
    peers,
    totals: {
      rxDatagrams: s.global.rxDatagrams, rxBytes: s.global.rxBytes, txDatagrams: s.global.txDatagrams,
      txBytes: s.global.txBytes, tapRxFrames: s.global.tapRxFrames, tapTxFrames: s.global.tapTxFrames,
      floods: s.global.floods,
    },
    drops,
    topology: { layout: d.config.topology ?? DEFAULT_TOPOLOGY, relayed: s.global.relayed, relayFloods: s.global.relayFloods },
    macTable: s.macTable,
    events: { dropped: s.global.eventsDropped },
    offload: {
      gso: s.global.udpGso, gro: s.global.udpGro,
      gsoSends: s.global.txGsoSends, groBuffers: s.global.rxGroBuffers,
      tso: s.global.tapOffload, tsoFrames: s.global.tapGsoFrames,
      mergedWrites: s.global.tapGroFrames, udpMerge: s.global.tapUdpGro,
    },
    dataPath: { lightFrames: s.global.txLightFrames, pipelineFrames: s.global.txPipelineFrames,
      toPipeline: s.global.pathToPipeline, toLight: s.global.pathToLight, inlineDrains: s.global.txInlineDrains },
    tapReader: tapReaderState(s.global),
    maxFrameSize: s.global.maxFrameSize,
    fragments: { tx: s.global.txFragments, rx: s.global.rxFragments, reassembled: s.global.reassembled },
    ...(s.fq ? { fq: { enabled: s.fq.enabled, backlogFrames: s.fq.backlogFrames, backlogBytes: s.fq.backlogBytes,
      codelDrops: s.fq.codelDrops, overflowDrops: s.fq.overflowDrops } } : {}),
    qos: d.dp.qosStats(),
    failover: d.failover?.() ?? { enabled: false },
    ...(d.evpn?.() ? { evpn: d.evpn() as EvpnStatus } : {}),
    ...(d.handshakeGuard ? { handshakeGuard: d.handshakeGuard(d.nowMs) } : {}),
    ...(d.memory ? { memory: d.memory() } : {}),
  };
}
