// The JavaScript interface of the native addon (build/Release/bridgehead.node), exactly as
// docs/INTERNALS.md section 2 specifies it. The implementation is native/napi/.
import type { QosDataPlane } from './qos-types';

export interface Endpoint {
  address: string;
  port: number;
}

export type TapOptions = { name: string } | { socketpair: true };

export interface DataPlaneOptions {
  /** Real TAP (TUNSETIFF IFF_TAP|IFF_NO_PI; name may contain %d) or, for tests, a socketpair. */
  tap: TapOptions;
  /** UDP bind; port 0 = ephemeral (see DataPlane.port). '::' is dual-stack. */
  listen: Endpoint;
  /** Default 4096 (1 .. 2^20). */
  macTableCapacity?: number;
  /** Default 300000. */
  macAgeMs?: number;
  /** Default 1024 (1 .. 65536). */
  eventQueueCapacity?: number;
  /** Fair-queued transmit path (fq_codel in the data plane, docs/INTERNALS.md 2b). Default false. */
  fq?: boolean;
  /** QoS: the same queued path with priority bands + shaper instead of fq_codel (wins over fq;
   * configure with setQos, docs/INTERNALS.md 2c). Default false. */
  qos?: boolean;
  /** Largest Ethernet frame accepted from the TAP or a peer, 1514..9022 (jumbo frames: 9018 for a
   * 9000-byte MTU with a tag). Default 1522. Buffers are sized for 9022 either way. */
  maxFrameSize?: number;
  /** TAP offloads (docs/INTERNALS.md 1d): a real TAP is opened with IFF_VNET_HDR + TSO when the
   * kernel allows (stats global.tapOffload says); in socketpair mode every datagram then carries a
   * 10-byte virtio_net_hdr both ways. Default false. */
  tapOffload?: boolean;
  /** UDP GSO/GRO on the tunnel socket where the kernel has them (default true; false for A/B
   * measurements: the daemon's BH_UDP_OFFLOAD=off). */
  udpOffload?: boolean;
  /** With TAP offloads: merge same-flow frames into super-frame writes (default true; false keeps the
   * read side only: the daemon's BH_TAP_GRO=off). */
  tapGro?: boolean;
  /** multi-tenant provider: the UDP socket joins a SO_REUSEPORT group (docs/INTERNALS.md 9) */
  reusePort?: boolean;
  /** Nice value of the data-plane threads, -20..19 (default -10: forwarding wins the CPU; a negative value needs CAP_SYS_NICE). */
  threadNice?: number;
  /** Which thread reads the TAP (docs/INTERNALS.md 2f): 'auto' (default: the UDP receive thread carries
   * light traffic to completion both ways; the two-thread pipeline takes over for large batches),
   * 'light' or 'pipeline' (forced). */
  dataPath?: 'auto' | 'light' | 'pipeline';
  /** How the TAP is read (docs/INTERNALS.md 2h): 'io_uring' (one submit reads a chain of frames; fails
   * when the kernel refuses io_uring), 'read' (one read() per frame; never calls io_uring_setup) or
   * 'auto' (io_uring when available, else read; stats global.tapReaderIoUring says which). Default 'read':
   * an ordered io_uring chain costs more CPU per frame than read() here (docs/BENCHMARKS.md, issue 15). */
  tapReader?: 'auto' | 'io_uring' | 'read';
  /** auto: a TAP batch or a wake-up's received datagrams of this many enter the pipeline (2..64, default 16) */
  pipelineBatch?: number;
  /** light path: poll the TAP and socket this many µs after activity before sleeping (0..1000) */
  busyPollUs?: number;
  /** Pin bh-rx and bh-tx to these CPUs at start (docs/INTERNALS.md 2g; 0..1023). Absent: the
   * scheduler decides. Best effort: a CPU refused by a cpuset shows in threadCpus().errors. */
  cpuAffinity?: { rx: number; tx: number };
  /** partial failover: neighbor table capacity (default 4096, 1 .. 2^20) and the age after which
   * an entry of this site not seen again is removed ('neigh-gone'; default 300000 ms) */
  neighborCapacity?: number;
  neighborAgeMs?: number;
  onEvent: (ev: NativeEvent) => void;
}

export interface KeypairInstall {
  localIndex: number;
  remoteIndex: number;
  sendKey: Uint8Array; // 32 bytes
  recvKey: Uint8Array; // 32 bytes
  /** true: becomes 'current' at once; false: 'next' until a packet authenticates with it. */
  initiator: boolean;
}

export type NativeEvent =
  | { type: 'handshake'; from: Endpoint; data: Buffer }
  | { type: 'control'; peer: number; data: Buffer }
  | { type: 'keypair-confirmed'; peer: number; localIndex: number }
  | { type: 'endpoint'; peer: number; endpoint: Endpoint }
  | { type: 'need-handshake'; peer: number }
  | { type: 'probe-ack'; peer: number; id: number; size: number }
  | { type: 'mtu-exceeded'; peer: number }
  | FailoverEvent;

export type DropReason =
  | 'short'
  | 'bad_type'
  | 'bad_size'
  | 'unknown_index'
  | 'auth_failed'
  | 'replay'
  | 'key_expired'
  | 'bad_subtype'
  | 'no_session'
  | 'tap_frame_short'
  | 'tap_frame_oversize'
  | 'tap_frame_invalid' // frame from the TAP with a group or all-zero source MAC
  | 'local_destination'
  | 'peer_frame_invalid' // authenticated frame from a peer that is not valid Ethernet
  | 'tap_write_failed'
  | 'udp_send_failed'
  | 'handshake_queue_full'
  | 'aqm_dropped' // bulk frames of a standing receive queue (dp_rx.c)
  | 'frag_bad' | 'frag_oversize' | 'frag_duplicate' | 'frag_overlap' | 'frag_timeout' | 'frag_evicted' | 'frag_no_memory'
  | 'udp_msgsize' // a datagram larger than the path MTU refused by the kernel (EMSGSIZE)
  | 'tap_offload_bad' // a TSO super-frame from the TAP with an inconsistent virtio-net header
  | 'bad_mac1' // a handshake initiation/response whose mac1 is not for our key (setMac1Key)
  | FailoverDropReason
  | 'fq_codel' | 'fq_overflow' | 'qos_band_full';

/** partial failover (docs/INTERNALS.md 5.3): l2 filter, isolation presets, storm control, quarantine */
export type FailoverDropReason =
  | 'quarantined' | 'storm_broadcast' | 'storm_multicast' | 'storm_unknown_unicast'
  | 'l2_stp' | 'l2_pause' | 'l2_slow_protocols' | 'l2_pae' | 'l2_lldp' | 'l2_link_local'
  | 'iso_dhcp4_server' | 'iso_dhcp6_server' | 'iso_vrrp4' | 'iso_vrrp6' | 'iso_hsrp4' | 'iso_hsrp6'
  | 'iso_ra' | 'iso_v6_unparsed' | 'loop_blocked';

export const DROP_REASONS: readonly DropReason[] = [
  'short', 'bad_type', 'bad_size', 'unknown_index', 'auth_failed', 'replay', 'key_expired',
  'bad_subtype', 'no_session', 'tap_frame_short', 'tap_frame_oversize', 'tap_frame_invalid',
  'local_destination', 'peer_frame_invalid', 'tap_write_failed', 'udp_send_failed',
  'handshake_queue_full', 'aqm_dropped',
  'frag_bad', 'frag_oversize', 'frag_duplicate', 'frag_overlap', 'frag_timeout', 'frag_evicted', 'frag_no_memory',
  'udp_msgsize', 'tap_offload_bad', 'bad_mac1',
  'quarantined', 'storm_broadcast', 'storm_multicast', 'storm_unknown_unicast',
  'l2_stp', 'l2_pause', 'l2_slow_protocols', 'l2_pae', 'l2_lldp', 'l2_link_local',
  'iso_dhcp4_server', 'iso_dhcp6_server', 'iso_vrrp4', 'iso_vrrp6', 'iso_hsrp4', 'iso_hsrp6',
  'iso_ra', 'iso_v6_unparsed', 'loop_blocked',
  'fq_codel', 'fq_overflow', 'qos_band_full',
];

export interface GlobalStats {
  rxDatagrams: number;
  rxBytes: number;
  txDatagrams: number;
  txBytes: number;
  tapRxFrames: number;
  tapTxFrames: number;
  floods: number;
  /** hub: frames from a peer relayed to the one other peer that has the destination MAC */
  relayed: number;
  /** hub: group / unknown-unicast frames from a peer flooded on to every other peer */
  relayFloods: number;
  eventsDropped: number;
  handshakeQueued: number;
  /** 1: sends use UDP GSO (UDP_SEGMENT); 0: not available, turned off, or refused by the kernel */
  udpGso: number;
  /** 1: the socket receives with UDP GRO (UDP_GRO); 0: not available or turned off */
  udpGro: number;
  /** super-datagrams (2+ datagrams each) sent with UDP GSO */
  txGsoSends: number;
  /** received buffers that held 2+ coalesced datagrams (UDP GRO) */
  rxGroBuffers: number;
  /** tunnel fragments (subtype 3) sent / authenticated fragments received / frames reassembled */
  txFragments: number;
  rxFragments: number;
  reassembled: number;
  /** TCP SYNs whose MSS option was lowered (setMssClamp) */
  mssClamped: number;
  /** 1: the TAP hands over TSO super-frames and partial checksums (IFF_VNET_HDR); 0: plain frames */
  tapOffload: number;
  /** TSO super-frames read from the TAP and segmented in the data plane */
  tapGsoFrames: number;
  /** the largest frame accepted (options.maxFrameSize) */
  maxFrameSize: number;
  /** TSO super-frames written to the TAP, merged from 2+ segments of one TCP flow (TAP offloads) */
  tapGroFrames: number;
  /** 1: runs of same-flow UDP datagrams are also merged (UDP_L4 super-frames; the kernel takes them, Linux 6.2+) */
  tapUdpGro: number;
  /** TAP batches the receive thread read and sent itself right after its TAP writes (replies, ACKs). */
  txInlineDrains: number;
  /** TAP frames read and sent by the receive thread (the light path, options.dataPath; inline drains included) */
  txLightFrames: number;
  /** TAP frames read and sent by the transmit thread (the pipeline) */
  txPipelineFrames: number;
  /** 1: io_uring chains read the TAP (options.tapReader), 0: one read() per frame */
  tapReaderIoUring: number;
  /** why io_uring does not read the TAP: the errno of its setup or of a failed submit (0: it runs, or 'read' asked) */
  tapReaderErrno: number;
  /** io_uring submits of TAP read chains (one syscall each) and the frames they read: frames per syscall */
  tapUringSubmits: number;
  tapUringFrames: number;
  /** automatic switches from the light path to the pipeline (a large batch) */
  pathToPipeline: number;
  /** automatic switches back to the light path (no busy batch for the dwell time) */
  pathToLight: number;
}

export interface MacTableStats {
  size: number;
  capacity: number;
  learned: number;
  moved: number;
  full: number;
  aged: number;
}

export interface PeerStats {
  id: number;
  endpoint: Endpoint | null;
  rxBytes: number;
  txBytes: number;
  rxFrames: number;
  txFrames: number;
  /** ms since the last authenticated packet, -1 never */
  lastRxMs: number;
  /** ms since the last packet sent, -1 never */
  lastTxMs: number;
  currentKey: { localIndex: number; ageMs: number; sendCounter: number } | null;
  /** the path MTU the data plane fragments to for this peer (setPathMtu); 0 = not set (no fragmentation) */
  pathMtu: number;
}

/** The fair-queued transmit path (options.fq); all zero with enabled false when off. */
export interface FqStats {
  enabled: boolean;
  enqueued: number;
  dequeued: number;
  /** dropped by CoDel (a flow's standing queue); also drops.fq_codel */
  codelDrops: number;
  /** dropped from the fattest flow's head when the pool was full; also drops.fq_overflow */
  overflowDrops: number;
  /** empty reads from the TAP (not queued) */
  rejected: number;
  backlogFrames: number;
  backlogBytes: number;
}

export interface DataPlaneStats {
  global: GlobalStats;
  fq: FqStats;
  drops: Record<DropReason, number> & { [reason: string]: number };
  macTable: MacTableStats;
  peers: PeerStats[];
}

export interface MacEntry {
  mac: string;
  /** 0 = local (the TAP side) */
  peer: number;
  ageMs: number;
}

export interface DataPlane extends FailoverDataPlane, QosDataPlane {
  /** actual interface name ('' for socketpair) */
  readonly tapName: string;
  /** actual bound UDP port */
  readonly port: number;
  start(): void;
  /** joins threads, closes TAP (removing it) and socket, zeroes keys; idempotent */
  stop(): void;
  /** id 1..65535 */
  addPeer(id: number, endpoint?: Endpoint): void;
  /** forgets keys, endpoint and its MACs (unknown id: no-op) */
  removePeer(id: number): void;
  setEndpoint(id: number, endpoint: Endpoint): void;
  installKeypair(id: number, kp: KeypairInstall): void;
  /** drop all keys of a peer (give-up, removal) */
  expireKeypairs(id: number): void;
  /** handshake datagrams built in JS */
  sendRaw(endpoint: Endpoint, data: Uint8Array): boolean;
  /** subtype 2 with the current key */
  sendControl(id: number, data: Uint8Array): boolean;
  /** subtype 1 with the current key */
  sendKeepalive(id: number): boolean;
  /** path MTU towards the peer (576..65535; 0 = not set, no fragmentation): frames whose
   * datagram would not fit are sent as tunnel fragments (docs/INTERNALS.md section 1b) */
  setPathMtu(id: number, bytes: number): void;
  /** one path MTU probe (subtype 4) whose IP packet is `size` bytes (576..1582); the peer answers
   * with a 'probe-ack' event {peer, id, size}. false: refused (above the local interface MTU),
   * no session, or stopped */
  sendProbe(id: number, size: number, probeId: number): boolean;
  /** lower the MSS of TCP SYN/SYN-ACK frames sent to a peer to fit its path MTU (default off) */
  setMssClamp(on: boolean): void;
  /** Which thread reads the TAP from now on (options.dataPath); no effect with the fair queue. */
  setDataPath(path: 'auto' | 'light' | 'pipeline'): void;
  /** Hub of a multi-site segment (config topology 'hub'): relay frames between peers with split
   *  horizon (docs/INTERNALS.md "Multi-site data plane"). Off by default; live. */
  setRelay(on: boolean): void;
  /** Steering program of the reuseport group (INTERNALS 9): front position, [slot, position] pairs. */
  setSteering(front: number, slots: Array<[number, number]>): void;
  /** The 32-byte mac1 key (control/messages.ts mac1Key(our public key)): from now on the RX thread
   *  drops initiations and responses with a wrong mac1 (drops.bad_mac1) before they become
   *  'handshake' events. Without it every handshake message of the right size is passed on. */
  setMac1Key(key: Uint8Array): void;
  stats(): DataPlaneStats;
  /** The CPU each data-plane thread was pinned to at start (null: not pinned). */
  threadCpus(): ThreadCpus;
  macTable(): MacEntry[];
  /** test hook (socketpair mode only): as if the frame arrived on the TAP */
  testWriteFrame(frame: Uint8Array): void;
  /** test hook (socketpair mode only): a frame the data plane wrote to the TAP, or null */
  testReadFrame(timeoutMs: number): Buffer | null;
}

export interface ThreadCpus {
  rx: number | null;
  tx: number | null;
  /** pinnings the kernel refused (EINVAL/EPERM from a cpuset); the thread then runs unpinned */
  errors: number;
  /** the last refusal's reason (strerror) */
  error?: string;
}

export interface DataPlaneConstructor {
  new (opts: DataPlaneOptions): DataPlane;
}

/** An integer range the data plane enforces, with its default where it has one. */
export interface LimitRange { readonly min: number; readonly max: number; readonly default?: number }

/** The addon's `limits` (native/napi/limits.c); src/dataplane/limits.ts exports them. */
export interface DataPlaneLimits {
  readonly pathMtu: LimitRange;
  readonly maxFrameSize: LimitRange & { readonly default: number };
  readonly threadNice: LimitRange & { readonly default: number };
  readonly wanRateBitsPerS: LimitRange;
  readonly realtimeSharePct: LimitRange & { readonly default: number };
  readonly qosRules: LimitRange;
  readonly busyPollUs: LimitRange & { readonly default: number };
  readonly pipelineBatch: LimitRange & { readonly default: number };
}

export interface NativeAddon {
  DataPlane: DataPlaneConstructor;
  limits: DataPlaneLimits;
  /** the data plane's ChaCha20-Poly1305 (RFC 8439), for vector tests: returns ct || tag */
  aeadSeal(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer;
  aeadOpen(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Buffer | null;
  /** glibc malloc_trim(0): free pages of every malloc arena back to the kernel; true if any were
   *  (src/daemon/memory-trim.ts calls it once a minute) */
  trimMemory(): boolean;
  /** the CPUs this process may run on (sched_getaffinity: systemd CPUAffinity=, cpusets), ascending */
  allowedCpus(): number[];
}

// ---- Partial failover (issue 3): the addon contract shared by the data plane and the daemon ----
// docs/INTERNALS.md section 5. IPs in canonical text (util/addr.ts), MACs lowercase 'aa:bb:..'.

export type NeighborOrigin = 'arp' | 'nd' | 'traffic' | 'peer' | 'static';
/** how the data plane saw a host on its LAN (the `how` of a 'neigh' event) */
export type NeighborHow = 'traffic' | 'arp' | 'nd' | 'garp' | 'una';
/** bh_neigh results as reported by events and setNeighbor */
export type NeighborResult =
  | 'new' | 'refreshed' | 'moved' | 'mac_changed' | 'updated' | 'stale' | 'conflict' | 'full' | 'ignored';

export interface NeighborSet {
  mac: string;
  /** 0 = this site (the LAN behind the TAP), else the peer id whose site has the host */
  peer: number;
  /** mobility sequence number (uint32) */
  seq: number;
  origin?: NeighborOrigin; // default 'peer' for peer != 0, 'static' never implied
  router?: boolean;
  /** QUARANTINE flag: not proxied, never changed by learning (split-brain freeze) */
  frozen?: boolean;
}

export interface NeighborEntry {
  ip: string;
  mac: string;
  peer: number;
  seq: number;
  origin: NeighborOrigin;
  router: boolean;
  frozen: boolean;
  /** ms since last seen / set */
  ageMs: number;
}

export interface StormRates {
  /** packets per second (0 = unlimited) and burst (packets) per class */
  broadcastPps: number;
  broadcastBurst: number;
  multicastPps: number;
  multicastBurst: number;
  unknownUnicastPps: number;
  unknownUnicastBurst: number;
}

export interface FailoverOptions {
  /** answer ARP requests / IPv6 NS for hosts known at the other site locally (default true) */
  proxyArp: boolean;
  proxyNd: boolean;
  /** learn IP->MAC from the source address of ordinary traffic only inside these prefixes
   * (CIDR strings; empty = never from traffic, only from ARP/ND) */
  learnPrefixes: string[];
  /** loop guard: probes on the LAN every 500 ms; another appliance's probe seen here blocks flooding
   *  into the tunnel ('loop' events). Default false (the daemon turns it on with failover.loopGuard). */
  loopGuard?: boolean;
  storm: { toTunnel: StormRates; fromTunnel: StormRates };
  /** isolation presets (bh_l2filter), each default false */
  isolate: { dhcp: boolean; vrrp: boolean; hsrp: boolean; ra: boolean };
}

export interface NeighborTableStats {
  size: number;
  capacity: number;
  learned: number;
  moved: number;
  macChanged: number;
  stale: number;
  conflicts: number;
  full: number;
  aged: number;
  ignored: number;
  removed: number;
}

export interface StormClassStats { passed: number; dropped: number }
export interface StormDirStats { broadcast: StormClassStats; multicast: StormClassStats; unknownUnicast: StormClassStats }

export interface FailoverStats {
  neighTable: NeighborTableStats;
  storm: { toTunnel: StormDirStats; fromTunnel: StormDirStats };
  /** ARP requests / NS answered locally on behalf of a host at another site */
  arpProxied: number;
  ndProxied: number;
  quarantinedMacs: number;
  /** frames dropped because their source or destination MAC is quarantined (both directions) */
  quarantinedDropped?: number;
  /** ARP/ND-learned hosts whose /24 or /64 did not fit in the 64 automatic learn prefixes */
  autoPrefixesFull?: number;
  /** ARP / ND frames from the LAN that failed to parse (forwarded anyway) */
  arpInvalid?: number;
  ndInvalid?: number;
  /** 'mac-table-full' events emitted */
  macTableFullEvents?: number;
  /** dp.probe: sent, answered ('probe-answer' events), expired unanswered, evicted (more than 16 pending) */
  probes?: { sent: number; answered: number; expired: number; evicted: number };
  /** loop guard (docs/INTERNALS.md 5.6): blocked = flooding into the tunnel is stopped now */
  loopGuard?: { blocked: boolean; loops: number; probesSent: number; foreignSeen: number; ownSeen: number;
    fromTunnelDropped: number };
}

export type FailoverEvent =
  | { type: 'neigh'; ip: string; mac: string; how: NeighborHow; router: boolean; result: NeighborResult; seq: number }
  | { type: 'neigh-gone'; ip: string }
  | { type: 'probe-answer'; ip: string; mac: string }
  /** the MAC table is full: new MACs are not learned (known hosts keep forwarding); <= 1 per 10 s */
  | { type: 'mac-table-full'; capacity: number }
  /** a second L2 path between the sites (another appliance's loop probe on this LAN): flooding into
   *  the tunnel is blocked until it is gone ('cleared'); mac = the other appliance's probe MAC */
  | { type: 'loop'; state: 'detected' | 'cleared'; mac?: string };

export interface FailoverDataPlane {
  setFailoverOptions(opts: FailoverOptions): void;
  /** bh_neigh_apply (+ the QUARANTINE flag); a remote entry also points the MAC table entry of
   * `mac` at that peer, so unicast from the LAN to the host crosses the tunnel at once */
  setNeighbor(ip: string, entry: NeighborSet): NeighborResult;
  deleteNeighbor(ip: string): boolean;
  neighbors(): NeighborEntry[];
  /** frames from / to this MAC are not bridged across the tunnel (drop reason 'quarantined');
   * at most 64 MACs (RangeError beyond) */
  setQuarantine(mac: string, on: boolean): void;
  /** gratuitous ARP (IPv4) or unsolicited NA (IPv6) on behalf of ip/mac, written to the TAP
   * (i.e. onto this site's LAN); false when stopped or the TAP write failed */
  announce(ip: string, mac: string, router?: boolean): boolean;
  /** RFC 5227 ARP probe (IPv4) or DAD NS (IPv6) for ip onto this site's LAN; an answer arrives
   * as a 'probe-answer' event; false when stopped / write failed */
  probe(ip: string): boolean;
  failoverStats(): FailoverStats;
}
