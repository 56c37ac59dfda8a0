// The status snapshot the daemon returns over the control socket (`status` method) and
// `bridgehead status` prints. Plain JSON: numbers, strings, nulls.
import type { QosStats } from '../dataplane/qos-types';

import type { FailoverStatus } from './failover-replies';
import type { EvpnStatus } from './evpn-status';
import type { HaStatus } from './ha-status';

export interface PeerStatus {
  name: string;
  publicKey: string;              // base64
  endpoint: string | null;        // "host:port" currently used, null when unknown
  state: 'up' | 'handshaking' | 'down';
  lastHandshakeAgeMs: number | null;   // null: never
  rxBytes: number;
  txBytes: number;
  rxFrames: number;
  txFrames: number;
  lastRxAgeMs: number | null;
  lastTxAgeMs: number | null;
  /** path MTU the tunnel fragments to (outer IP packet bytes), and where it came from.
   *  Optional: older daemons do not report it. */
  pathMtu?: number;
  pathMtuSource?: 'discovered' | 'pinned' | 'default';
  /** times the peer's endpoint changed (roaming). Optional: older daemons do not report it. */
  endpointChanges?: number;
}

export interface StatusSnapshot {
  name: string;
  publicKey: string;
  listen: string;                 // "addr:port"
  tap: string;
  bridge: string | null;
  uptimeMs: number;
  peers: PeerStatus[];
  totals: { rxDatagrams: number; rxBytes: number; txDatagrams: number; txBytes: number;
            tapRxFrames: number; tapTxFrames: number; floods: number };
  drops: Record<string, number>;  // reason -> count (data plane and control plane)
  /** Multi-site layout (config topology) and the hub's relay counters (0 unless hub). */
  topology?: { layout: 'hub' | 'mesh'; relayed: number; relayFloods: number };
  macTable: { size: number; capacity: number; learned: number; moved: number; full: number; aged: number };
  events: { dropped: number };
  /** UDP offloads of the tunnel socket: gso/gro 1 = active (segmentation / coalescing in the
   *  kernel), with how often they were used. Optional: older daemons do not report it. */
  offload?: { gso: number; gro: number; gsoSends: number; groBuffers: number;
    /** TAP offloads (IFF_VNET_HDR + TSO): 1 = on, with the super-frames segmented so far */
    tso?: number; tsoFrames?: number;
    /** super-frames written to the TAP merged from 2+ frames (TCP, and UDP when udpMerge is 1: Linux 6.2+) */
    mergedWrites?: number; udpMerge?: number };
  /** Which data-plane thread sent the TAP's frames (docs/INTERNALS.md 2f): the receive thread on the
   *  light path (inline drains included) or the transmit thread (pipeline), and the automatic
   *  switches. Optional: older daemons do not report it. */
  dataPath?: { lightFrames: number; pipelineFrames: number; toPipeline: number; toLight: number;
    /** TAP batches the receive thread sent right after its TAP writes (2e; part of lightFrames) */
    inlineDrains?: number };
  /** Thread CPU affinity (docs/INTERNALS.md 2g): the setting ('off', 'spread', 'RX,TX') and the CPU
   *  bh-rx / bh-tx were pinned to at start ('off': not pinned), refusals by the kernel (cpuset).
   *  Optional: older daemons do not report it. */
  cpuAffinity?: { setting: string; rx: number | 'off'; tx: number | 'off'; errors: number; error?: string };
  /** Light path busy polling in force (docs/INTERNALS.md 2f; busyPollUs, env wins; 0 = off). Optional: older daemons. */
  busyPollUs?: number;
  /** which TAP reader runs (io_uring chains or read() per frame), why read() runs, io_uring submits vs frames */
  tapReader?: { reader: 'io_uring' | 'read'; why?: string; submits: number; frames: number };
  /** Largest frame accepted (config mtu.maxFrameSize). Optional: older daemons do not report it. */
  maxFrameSize?: number;
  /** Tunnel fragmentation (docs/INTERNALS.md 1b). Optional: older daemons do not report it. */
  fragments?: { tx: number; rx: number; reassembled: number };
  /** The fair-queued transmit path (fq_codel). Optional: older daemons do not report it. */
  fq?: { enabled: boolean; backlogFrames: number; backlogBytes: number; codelDrops: number; overflowDrops: number };
  /** QoS bands + shaper (DataPlane.qosStats, docs/INTERNALS.md 2c). Optional: older daemons. */
  qos?: QosStats;
  /** Partial failover (src/daemon/failover.ts): site, conflicts, counters. Optional: older daemons. */
  failover?: FailoverStatus | { enabled: false };
  /** EVPN integration (src/daemon/evpn-driver.ts); absent when off. */
  evpn?: EvpnStatus;
  /** HA pair member (src/daemon/ha-driver.ts). Absent: not a pair member (or an older daemon). */
  ha?: HaStatus;
  /** The daemon process's memory in bytes (Node's process.memoryUsage(): rss, V8 heap used/total,
   *  external = memory of C++ objects bound to JS incl. arrayBuffers). The data plane's own
   *  allocations (native threads, tables) are part of rss only. Optional: older daemons. */
  memory?: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** Handshake DoS defence (control/handshake-guard.ts). Optional: older daemons do not report it. */
  handshakeGuard?: {
    underLoad: boolean; cookieRepliesSent: number; cookieRepliesReceived: number; mac2Accepted: number;
    sourceTableSize: number; sourceTableCapacity: number; sourceTableEvictions: number;
    replayFilterSize: number; cookieSecretsDrawn: number;
  };
}
