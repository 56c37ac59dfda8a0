// The Prometheus metrics of `up` (docs/INTERNALS.md section 8), collected on scrape: the status
// snapshot (buildStatus in status.ts, the same figures `bridgehead status` prints) and the data
// plane's thread CPU go into prom-client gauges and counters, which render the text format.
//
//   scrape -> metrics-server.ts -> render(): buildStatus() + dataPlaneThreadCpu() -> update() -> text
//
// Cardinality is bounded by the config: labels are the peer name, the drop reason, the QoS band,
// and code-fixed sets (failover event, data-plane thread, build info, data path, TAP reader and
// the errno name of its fallback, the CPU affinity setting). Nothing is counted in
// JavaScript per packet; counters mirror the data plane's own (reset to its values on each scrape).

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatusSnapshot } from '../ipc/status-types';
import type { Logger } from 'pino';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findPackageRoot } from '../dataplane/native';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import { dataPlaneThreadCpu, type ThreadCpu } from './thread-cpu';

export interface MetricsInput { status: StatusSnapshot; threadCpu: ThreadCpu[]; nowMs: number }
export interface BuildInfo { version: string; nodeVersion: string }

type Labels = Record<string, string>;
type Family = { reset(): void };

export class BridgeheadMetrics {
  readonly registry = new Registry();
  private readonly families: Family[] = [];

  private gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    const g = new Gauge({ name: `bridgehead_${name}`, help, labelNames, registers: [this.registry] });
    this.families.push(g);
    return g;
  }
  private counter(name: string, help: string, labelNames: string[] = []): Counter {
    const c = new Counter({ name: `bridgehead_${name}_total`, help, labelNames, registers: [this.registry] });
    this.families.push(c);
    return c;
  }

  // peers
  private readonly peerUp = this.gauge('peer_up', '1 when the peer has a current session (handshake done, keys not expired)', ['peer']);
  private readonly peerHandshaking = this.gauge('peer_handshake_in_progress', '1 while a handshake with the peer is in flight', ['peer']);
  private readonly peerLastHandshake = this.gauge('peer_last_handshake_timestamp_seconds', 'Unix time of the last completed handshake (0: never)', ['peer']);
  private readonly peerRxBytes = this.counter('peer_receive_bytes', 'Authenticated tunnel bytes (UDP payload) received from the peer', ['peer']);
  private readonly peerTxBytes = this.counter('peer_transmit_bytes', 'Tunnel bytes (UDP payload) sent to the peer', ['peer']);
  private readonly peerRxPackets = this.counter('peer_receive_packets', 'Ethernet frames received from the peer', ['peer']);
  private readonly peerTxPackets = this.counter('peer_transmit_packets', 'Ethernet frames sent to the peer', ['peer']);
  private readonly peerPathMtu = this.gauge('peer_path_mtu_bytes', 'Path MTU towards the peer (outer IP packet); larger frames are sent as tunnel fragments', ['peer']);
  private readonly peerEndpointChanges = this.counter('peer_endpoint_changes', 'Times the peer\'s UDP endpoint changed (roaming, NAT rebinding)', ['peer']);
  // data plane totals
  private readonly tunnelRxDatagrams = this.counter('tunnel_receive_datagrams', 'UDP datagrams received on the tunnel socket');
  private readonly tunnelTxDatagrams = this.counter('tunnel_transmit_datagrams', 'UDP datagrams sent on the tunnel socket');
  private readonly tunnelRxBytes = this.counter('tunnel_receive_bytes', 'UDP payload bytes received on the tunnel socket');
  private readonly tunnelTxBytes = this.counter('tunnel_transmit_bytes', 'UDP payload bytes sent on the tunnel socket');
  private readonly tapRxFrames = this.counter('tap_receive_frames', 'Frames read from the TAP (the local LAN)');
  private readonly tapTxFrames = this.counter('tap_transmit_frames', 'Frames written to the TAP (the local LAN)');
  private readonly floods = this.counter('floods', 'Frames flooded to every peer (broadcast, multicast, unknown unicast)');
  private readonly relayed = this.counter('relayed_frames', 'Hub only: frames from one peer relayed to the one other peer that has the destination MAC');
  private readonly relayFloods = this.counter('relay_flood_frames', 'Hub only: broadcast, multicast and unknown-unicast frames from one peer flooded on to every other peer');
  private readonly drops = this.counter('drops', 'Frames and datagrams dropped, by reason (data plane and control plane)', ['reason']);
  private readonly eventsDropped = this.counter('events_dropped', 'Data-plane events lost because the event queue to JavaScript was full');
  private readonly fragTx = this.counter('tunnel_fragments_sent', 'Tunnel fragments sent (frames larger than the path MTU allows)');
  private readonly fragRx = this.counter('tunnel_fragments_received', 'Authenticated tunnel fragments received');
  private readonly fragDone = this.counter('tunnel_fragments_reassembled', 'Frames reassembled from tunnel fragments');
  // tables
  private readonly macSize = this.gauge('mac_table_entries', 'MAC addresses in the MAC table');
  private readonly macCapacity = this.gauge('mac_table_capacity', 'Capacity of the MAC table (new MACs are not learned when full)');
  private readonly macLearned = this.counter('mac_table_learned', 'MAC addresses learned');
  private readonly macMoved = this.counter('mac_table_moves', 'MAC addresses that moved between the LAN and a peer or between peers');
  private readonly macFull = this.counter('mac_table_full', 'Learns refused because the MAC table was full');
  private readonly macAged = this.counter('mac_table_aged', 'MAC addresses aged out');
  private readonly neighSize = this.gauge('neighbor_table_entries', 'IP-to-MAC entries in the neighbor table (partial failover)');
  private readonly neighCapacity = this.gauge('neighbor_table_capacity', 'Capacity of the neighbor table (partial failover)');
  private readonly neighFull = this.counter('neighbor_table_full', 'Neighbor entries refused because the table was full');
  // partial failover
  private readonly foEvents = this.counter('failover_events', 'Partial-failover events by kind (moves, conflicts, quarantines, sync, ...)', ['event']);
  private readonly foConflicts = this.gauge('failover_conflicts_open', 'Open address conflicts (split brain: one IP answered at both sites), by the peer they involve', ['peer']);
  private readonly foQuarantined = this.gauge('failover_quarantined_macs', 'MACs cut off the tunnel by a conflict (quarantine)');
  private readonly foProxied = this.counter('proxy_answers', 'ARP requests and IPv6 neighbor solicitations answered locally for hosts at the other site');
  // QoS and the fair queue
  private readonly qosEnqueued = this.counter('qos_enqueued_packets', 'Frames queued in the QoS band', ['band']);
  private readonly qosSent = this.counter('qos_sent_packets', 'Frames sent from the QoS band', ['band']);
  private readonly qosSentBytes = this.counter('qos_sent_bytes', 'Bytes sent from the QoS band', ['band']);
  private readonly qosDropped = this.counter('qos_dropped_packets', 'Frames dropped because the QoS band was full', ['band']);
  private readonly qosDepth = this.gauge('qos_depth_packets', 'Frames waiting in the QoS band', ['band']);
  private readonly qosDepthBytes = this.gauge('qos_depth_bytes', 'Bytes waiting in the QoS band', ['band']);
  private readonly qosLimit = this.gauge('qos_limit_packets', 'Capacity of the QoS band in frames', ['band']);
  private readonly qosShaperDelayed = this.counter('qos_shaper_delays', 'Times the WAN shaper made the sender wait for tokens');
  private readonly fqBacklog = this.gauge('fq_backlog_packets', 'Frames waiting in the fair queue (fq_codel transmit path)');
  // data path (docs/INTERNALS.md 2e-2h): which thread carried the TAP's frames, the TAP reader, thread placement
  private readonly pathFrames = this.counter('datapath_frames', 'TAP frames read and sent to peers, by the data-plane thread that carried them: light (the receive thread, inline drains included) or pipeline (the transmit thread); they add up to tap_receive_frames_total', ['path']);
  private readonly pathSwitches = this.counter('datapath_switches', 'Automatic data-path switches (dataPath auto), by the path switched to; a forced path counts none', ['to']);
  private readonly inlineDrains = this.counter('datapath_inline_drains', 'TAP batches the receive thread read and sent itself right after its TAP writes (replies, ACKs)');
  private readonly tapReader = this.gauge('tap_reader_info', 'TAP reader in use (value 1): io_uring chains or read() per frame, with why read() runs (asked, or the errno of io_uring\'s failure)', ['reader', 'why']);
  private readonly uringSubmits = this.counter('tap_uring_submits', 'io_uring submits (syscalls) of TAP read chains');
  private readonly uringFrames = this.counter('tap_uring_frames', 'TAP frames read by io_uring chains (frames per syscall: divide by tap_uring_submits_total)');
  private readonly affinityInfo = this.gauge('cpu_affinity_info', 'Thread CPU affinity setting in force (value 1): off, spread or RX,TX', ['setting']);
  private readonly threadPinnedCpu = this.gauge('dataplane_thread_pinned_cpu', 'CPU the data-plane thread is pinned to (-1: not pinned)', ['thread']);
  private readonly affinityRefusals = this.counter('cpu_affinity_refusals', 'Thread CPU pinnings the kernel refused (cpuset, seccomp); the thread forwards unpinned');
  private readonly busyPoll = this.gauge('busy_poll_seconds', 'Light path: how long the receive thread keeps polling after a wake-up that carried traffic (busyPollUs; 0: off)');
  // process
  private readonly threadCpu = this.counter('dataplane_thread_cpu_seconds', 'CPU time of a data-plane thread (user + system)', ['thread']);
  // HA pair member (absent: no series)
  private readonly haActive = this.gauge('ha_active', '1 while this HA member is active (TAP in the bridge, sending on the WAN)', ['member']);
  private readonly haRole = this.gauge('ha_role', 'keepalived state of this HA member (1 for the current one)', ['member', 'role']);
  private readonly haPeerAlive = this.gauge('ha_peer_member_alive', '1 while the other HA member\'s heartbeats arrive', ['member']);
  private readonly haLastTakeover = this.gauge('ha_last_takeover_timestamp_seconds', 'Unix time this member last became active (0: never)', ['member']);
  private readonly haEvents = this.counter('ha_events', 'HA member counters (takeovers, splits, handovers, replication drops, ...)', ['event']);
  private readonly uptime = this.gauge('uptime_seconds', 'Seconds since the daemon started');

  constructor(build: BuildInfo, opts: { processMetrics?: boolean } = {}) {
    const info = new Gauge({ name: 'bridgehead_build_info', help: 'Build of the running daemon (value 1)',
      labelNames: ['version', 'nodejs_version'], registers: [this.registry] });
    info.set({ version: build.version, nodejs_version: build.nodeVersion }, 1);
    // process_* and nodejs_* (CPU, memory, file descriptors, event-loop lag, GC): fixed label sets.
    // Left out: the active handle/request/resource families (gauges named _total, which
    // `promtool check metrics` rejects, labelled by JavaScript class names).
    if (opts.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      for (const n of ['handles', 'requests', 'resources']) {
        this.registry.removeSingleMetric(`nodejs_active_${n}`);
        this.registry.removeSingleMetric(`nodejs_active_${n}_total`);
      }
    }
  }

  /** Set every family from one snapshot; peers, reasons or bands that disappeared leave no series. */
  update(m: MetricsInput): void {
    for (const f of this.families) f.reset();
    const s = m.status;
    for (const p of s.peers) {
      const l: Labels = { peer: p.name };
      this.peerUp.set(l, p.state === 'up' ? 1 : 0);
      this.peerHandshaking.set(l, p.state === 'handshaking' ? 1 : 0);
      this.peerLastHandshake.set(l, p.lastHandshakeAgeMs === null ? 0 : (m.nowMs - p.lastHandshakeAgeMs) / 1000);
      this.peerRxBytes.inc(l, p.rxBytes);
      this.peerTxBytes.inc(l, p.txBytes);
      this.peerRxPackets.inc(l, p.rxFrames);
      this.peerTxPackets.inc(l, p.txFrames);
      if (p.pathMtu !== undefined) this.peerPathMtu.set(l, p.pathMtu);
      this.peerEndpointChanges.inc(l, p.endpointChanges ?? 0);
    }
    const t = s.totals;
    this.tunnelRxDatagrams.inc(t.rxDatagrams);
    this.tunnelTxDatagrams.inc(t.txDatagrams);
    this.tunnelRxBytes.inc(t.rxBytes);
    this.tunnelTxBytes.inc(t.txBytes);
    this.tapRxFrames.inc(t.tapRxFrames);
    this.tapTxFrames.inc(t.tapTxFrames);
    this.floods.inc(t.floods);
    if (s.topology) {
      this.relayed.inc(s.topology.relayed);
      this.relayFloods.inc(s.topology.relayFloods);
    }
    for (const [reason, n] of Object.entries(s.drops)) this.drops.inc({ reason }, n);
    this.eventsDropped.inc(s.events.dropped);
    if (s.fragments) {
      this.fragTx.inc(s.fragments.tx);
      this.fragRx.inc(s.fragments.rx);
      this.fragDone.inc(s.fragments.reassembled);
    }
    this.macSize.set(s.macTable.size);
    this.macCapacity.set(s.macTable.capacity);
    this.macLearned.inc(s.macTable.learned);
    this.macMoved.inc(s.macTable.moved);
    this.macFull.inc(s.macTable.full);
    this.macAged.inc(s.macTable.aged);
    this.updateFailover(s);
    this.updateQueues(s);
    this.updateHa(s, m.nowMs);
    this.updateDataPath(s);
    for (const c of m.threadCpu) this.threadCpu.inc({ thread: c.thread }, c.seconds);
    this.uptime.set(s.uptimeMs / 1000);
  }

  private updateFailover(s: StatusSnapshot): void {
    const fo = s.failover;
    if (!fo || !fo.enabled) return;
    for (const [event, n] of Object.entries(fo.counters)) this.foEvents.inc({ event: snakeCase(event) }, n);
    for (const p of fo.peers) this.foConflicts.set({ peer: p.name }, 0);
    for (const c of fo.conflicts) this.foConflicts.inc({ peer: c.peer }, 1);
    const dp = fo.dataPlane;
    if (!dp) return;
    this.neighSize.set(dp.neighTable.size);
    this.neighCapacity.set(dp.neighTable.capacity);
    this.neighFull.inc(dp.neighTable.full);
    this.foQuarantined.set(dp.quarantinedMacs);
    this.foProxied.inc(dp.arpProxied + dp.ndProxied);
  }

  private updateDataPath(s: StatusSnapshot): void {
    const d = s.dataPath;
    if (d) {
      this.pathFrames.inc({ path: 'light' }, d.lightFrames);
      this.pathFrames.inc({ path: 'pipeline' }, d.pipelineFrames);
      this.pathSwitches.inc({ to: 'pipeline' }, d.toPipeline);
      this.pathSwitches.inc({ to: 'light' }, d.toLight);
      if (d.inlineDrains !== undefined) this.inlineDrains.inc(d.inlineDrains);
    }
    const r = s.tapReader;
    if (r) {
      this.tapReader.set(r.why ? { reader: r.reader, why: r.why } : { reader: r.reader }, 1);
      this.uringSubmits.inc(r.submits);
      this.uringFrames.inc(r.frames);
    }
    const a = s.cpuAffinity;
    if (a) {
      this.affinityInfo.set({ setting: a.setting }, 1);
      this.threadPinnedCpu.set({ thread: 'bh-rx' }, a.rx === 'off' ? -1 : a.rx);
      this.threadPinnedCpu.set({ thread: 'bh-tx' }, a.tx === 'off' ? -1 : a.tx);
      this.affinityRefusals.inc(a.errors);
    }
    if (s.busyPollUs !== undefined) this.busyPoll.set(s.busyPollUs / 1e6);
  }

  private updateHa(s: StatusSnapshot, nowMs: number): void {
    const h = s.ha;
    if (!h || !h.enabled) return;
    const member = h.member;
    this.haActive.set({ member }, h.active ? 1 : 0);
    for (const role of ['init', 'master', 'backup', 'fault']) this.haRole.set({ member, role }, h.role === role ? 1 : 0);
    this.haPeerAlive.set({ member }, h.peerMember?.alive ? 1 : 0);
    this.haLastTakeover.set({ member }, h.lastTakeover ? (nowMs - h.lastTakeover.ageMs) / 1000 : 0);
    for (const [event, n] of Object.entries(h.counters)) this.haEvents.inc({ event: snakeCase(event) }, n);
  }

  private updateQueues(s: StatusSnapshot): void {
    if (s.qos?.enabled) {
      for (const b of s.qos.bands) {
        const l: Labels = { band: b.name };
        this.qosEnqueued.inc(l, b.enqueued);
        this.qosSent.inc(l, b.sent);
        this.qosSentBytes.inc(l, b.sentBytes);
        this.qosDropped.inc(l, b.dropped);
        this.qosDepth.set(l, b.depthPackets);
        this.qosDepthBytes.set(l, b.depthBytes);
        this.qosLimit.set(l, b.limitPackets);
      }
      this.qosShaperDelayed.inc(s.qos.shaperDelayed);
    }
    if (s.fq?.enabled) this.fqBacklog.set(s.fq.backlogFrames);
  }

  /** The text exposition of one snapshot. */
  async render(m: MetricsInput): Promise<string> {
    this.update(m);
    return this.registry.metrics();
  }

  get contentType(): string { return this.registry.contentType; }
}

/** 'quarantinesLeftToPeer' -> 'quarantines_left_to_peer' (Prometheus label values are free text,
 *  but one naming style across the exposition reads better in queries). */
export function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** `up`: serve /metrics on `listen` from the daemon's status snapshot; rejects with one line
 *  ("cannot serve metrics on ADDR:PORT: EADDRINUSE") when the address cannot be bound. */
export async function serveMetrics(d: { listen: { address: string; port: number }; status: () => StatusSnapshot;
  now: () => number; log: Logger }): Promise<MetricsServer> {
  const metrics = new BridgeheadMetrics({ version: packageVersion(), nodeVersion: process.version });
  const server = await startMetricsServer({
    listen: d.listen, contentType: metrics.contentType,
    render: () => metrics.render({ status: d.status(), threadCpu: dataPlaneThreadCpu(), nowMs: d.now() }),
    onError: (err) => d.log.warn({ err: err.message }, 'metrics: scrape failed'),
  });
  d.log.info({ listen: d.listen.address.includes(':') ? `[${d.listen.address}]:${server.port}` : `${d.listen.address}:${server.port}` },
    'metrics served at /metrics');
  return server;
}

export function packageVersion(): string {
  try {
    const v = (JSON.parse(fs.readFileSync(path.join(findPackageRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  } catch { return 'unknown'; }
}
