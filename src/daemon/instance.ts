// One appliance instance: config -> native data plane -> handshake driver -> session timers ->
// failover, QoS, path MTU. `bridgehead up` runs one (daemon.ts); a multi-tenant provider runs one
// per tenant in the same process on one UDP port (provider.ts, docs/INTERNALS.md section 9).
//
//   data plane events ──> handshake driver (Noise) ──> installKeypair / sendRaw
//                     ──> session step() ───────────> initiate / keepalive / give-up / wipe
//   tick (250 ms) ──> dp.stats() per peer ──> session step(); peers' endpoints -> endpoints.json
//   start: endpoints.json ──> peers without a configured endpoint initiate to their last one
//   reload (reload.ts), rotate-key (key-rotation.ts), failover/qos methods: `handlers`
//   neigh events, nb-*/fo-* messages, tick ──> partial failover (failover.ts, when enabled)
//   keepalived notify / LAN replication ──> HA member (ha-driver.ts, when config.ha): standby = TAP
//     out of the bridge, no WAN sends; active = TAP in, fresh handshakes, announcements
//
// The caller owns the control socket, metrics, signals and the process.

import { randomInt } from 'node:crypto';
import pino from 'pino';
import * as crypto from '../control/crypto';
import { initialSession, step, type SessionAction, type SessionEvent } from '../control/session';
import { mac1Key } from '../control/messages';
import { loadConfig, loadPrivateKey } from '../config/store';
import type { Config } from '../config/types';
import { LIMITS } from '../dataplane/limits';
import { loadDataPlane } from '../dataplane/native';
import type { DataPlane, Endpoint, NativeEvent } from '../dataplane/types';
import type { StatusSnapshot } from '../ipc/status-types';
import type { CtlsockHandlers } from './ctlsock-server';
import { DropCounters } from './drop-counters';
import { Enrollments } from './enrollments';
import { HandshakeDriver, fmt } from './handshake-driver';
import { attachToBridge } from './link';
import { PeerRegistry, type PeerEntry } from './peer-registry';
import { syncPeersFromConfig } from './peer-sync';
import { Reloader } from './reload';
import { EndpointMemory } from './endpoint-memory';
import { buildStatus, processMemory } from './status';
import { cpuAffinityStatus, planCpuAffinity } from './cpu-affinity';
import { PmtuDriver } from './pmtu-driver';
import { fairQueueEnabled } from './fair-queue';
import { tapOffloadEnabled } from './tap-offload';
import { readEnvSwitches } from './env-switch';
import { TAP_READER_DEFAULT, tapReaderLogLine, tapReaderState } from './tap-reader';
import { threadNice } from './thread-nice';
import { rekeyAfterMs } from './rekey-timer';
import { setTapMtu, tapMtuFor } from './tap-mtu';
import { MAX_FRAME_SIZE_DEFAULT } from '../config/mtu-config';
import { handlePeerMessage } from './peer-channel';
import { KeyRotation } from './key-rotation';
import { startFailover } from './failover-setup';
import { failoverHandlers } from './failover-ctlsock';
import { startEvpn } from './evpn-driver';
import { ensureSegment } from './segment';
import { haHandlers, startHaDriver } from './ha-setup';
import type { HaDriver } from './ha-driver';
import { applyQos, qosEnabled, qosHandlers } from './qos';
import { relays } from '../config/topology-config';

const TICK_MS = 250;

export interface InstanceOptions {
  configDir: string;
  logLevel?: string;
  /** multi-tenant provider (INTERNALS 9): the tenant's name (log lines), its slot (top byte of
   *  its receiver indices), the UDP port the reuseport group shares, and who handles initiations
   *  that reach this instance's socket (the front's go to the tenant dispatcher) */
  tenant?: {
    name: string;
    slot: number;
    port: number;
    routeInitiation?: (from: Endpoint, data: Buffer, nowMs: number) => void;
  };
  /** told the one-line reason when start-up fails (also written to stderr) */
  onError?: (line: string) => void;
}

export interface Instance {
  config: Config;
  dp: DataPlane;
  publicKey: Uint8Array;
  log: pino.Logger;
  drops: DropCounters;
  status(): StatusSnapshot;
  /** control socket methods of this instance (status, reload, rotate-key, qos, failover...) */
  handlers: CtlsockHandlers;
  reload(reason: string): Promise<unknown>;
  /** a handshake datagram for this instance (the tenant dispatcher hands initiations over) */
  onHandshake(from: Endpoint, data: Buffer, nowMs: number): void;
  /** stops timers, failover and the data plane; wipes keys */
  stop(): void;
}

/** Starts one instance; on failure writes one line to stderr and returns null. */
export async function startInstance(opts: InstanceOptions): Promise<Instance | null> {
  await crypto.ready();
  const config = loadConfig(opts.configDir);
  const privateKey = loadPrivateKey(opts.configDir);
  const identity = { privateKey, publicKey: crypto.publicKey(privateKey) };
  const tenant = opts.tenant;
  const log = pino({ level: opts.logLevel ?? config.logLevel, base: tenant ? { name: config.name, tenant: tenant.name } : { name: config.name } });
  const prefix = tenant ? `tenant ${tenant.name}: ` : '';
  const fail = (line: string): null => {
    process.stderr.write(`bridgehead: ${prefix}${line}\n`);
    opts.onError?.(line);
    return null;
  };
  const startedMs = Date.now();
  const drops = new DropCounters();
  const rekeyAfter = rekeyAfterMs(config); // a bad BRIDGEHEAD_REKEY_AFTER_S stops here, before anything starts
  const registry = new PeerRegistry();
  const now = () => Date.now();
  if (tenant && config.listen.port !== tenant.port) {
    return fail(`listen port ${config.listen.port} differs from the appliance's ${tenant.port} (all tenants share one port)`);
  }

  // the segment's kernel objects first: the EVPN driver reads its bridge from the first poll
  if (config.segment && config.bridge) {
    try {
      const created = await ensureSegment(opts.configDir, config.segment, config.bridge);
      if (created.length) log.info({ created, segment: config.segment, bridge: config.bridge }, 'segment created');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'startup failed');
      return fail((e as Error).message);
    }
  }

  // thread CPU affinity (INTERNALS 2g): a bad env value or an explicit CPU outside the allowed set stops here
  let affinity: ReturnType<typeof planCpuAffinity>;
  try {
    const addon = loadDataPlane();
    affinity = planCpuAffinity(config, () => addon.allowedCpus(), tenant?.slot ?? 0);
  } catch (e) {
    return fail((e as Error).message);
  }
  if ('error' in affinity.choice) return fail(affinity.choice.error);
  if (affinity.choice.pin === null && affinity.choice.note) log.warn(affinity.choice.note); // once, at start
  const cpuPin = affinity.choice.pin;

  let dp: DataPlane;
  // Events are queued by the native side and delivered here in order; `driver` is set below
  // before the data plane starts, so no event can arrive before it exists.
  let onEvent: (ev: NativeEvent) => void = () => undefined;
  let tapReader: 'auto' | 'io_uring' | 'read' = TAP_READER_DEFAULT;
  let busyPollUs: number = LIMITS.busyPollUs.default;
  try {
    const { DataPlane: NativeDataPlane } = loadDataPlane();
    const sw = readEnvSwitches();
    tapReader = sw.tapReader ?? config.tapReader ?? TAP_READER_DEFAULT;
    busyPollUs = sw.busyPollUs ?? config.busyPollUs ?? LIMITS.busyPollUs.default;
    dp = new NativeDataPlane({
      tap: { name: config.tap },
      listen: tenant ? { address: config.listen.address, port: tenant.port } : config.listen,
      macTableCapacity: config.macTableCapacity,
      macAgeMs: config.macAgeS * 1000,
      eventQueueCapacity: 1024,
      fq: fairQueueEnabled(config),
      qos: qosEnabled(config),
      tapOffload: tapOffloadEnabled(config),
      maxFrameSize: config.mtu?.maxFrameSize ?? MAX_FRAME_SIZE_DEFAULT,
      threadNice: threadNice(config),
      dataPath: sw.dataPath ?? config.dataPath ?? 'auto',
      tapReader,
      busyPollUs,
      udpOffload: sw.udpOffload ?? true,
      tapGro: sw.tapGro ?? true,
      ...(tenant ? { reusePort: true } : {}),
      ...(cpuPin ? { cpuAffinity: cpuPin } : {}),
      onEvent: (ev: NativeEvent) => onEvent(ev),
    });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'cannot start the data plane');
    return fail(`cannot start the data plane: ${(e as Error).message}`);
  }

  const enrollments = new Enrollments({ configDir: opts.configDir, log, registry });
  let ha: HaDriver | null = null;
  const runActions = (peer: PeerEntry, actions: SessionAction[], nowMs: number): void => {
    for (const a of actions) {
      if (ha && !ha.active && (a.kind === 'initiate' || a.kind === 'keepalive')) continue; // HA standby: silent on the WAN
      switch (a.kind) {
        case 'initiate':
          if (driver.initiate(peer, nowMs)) log.debug({ peer: peer.name, reason: a.reason }, 'handshake started');
          break;
        case 'keepalive':
          dp.sendKeepalive(peer.id);
          break;
        case 'give-up':
          log.warn({ peer: peer.name }, 'handshake did not complete within 90 s; giving up until there is traffic');
          registry.setPending(peer, null);
          break;
        case 'wipe-keys':
          dp.expireKeypairs(peer.id);
          log.info({ peer: peer.name }, 'session keys wiped after 540 s without a handshake');
          break;
      }
    }
  };
  const feed = (peer: PeerEntry, ev: SessionEvent, nowMs: number): void => {
    const r = step(peer.session, ev, nowMs);
    peer.session = r.state;
    runActions(peer, r.actions, nowMs);
  };

  const driver = new HandshakeDriver({
    identity, registry, dp, drops, invites: enrollments, log,
    ...(tenant ? { indexSlot: tenant.slot } : {}),
    onResponded: (peer, t) => feed(peer, { kind: 'responded' }, t),
    onInitiatedKeypair: (peer, t) => {
      feed(peer, { kind: 'initiated-keypair' }, t);
      log.info({ peer: peer.name }, 'tunnel up');
    },
  });

  // forged handshakes end in the RX thread (bad_mac1). Not on a multi-tenant provider's front: its
  // socket receives every tenant's initiations, and the dispatcher checks mac1 per tenant.
  const mac1InDataPlane = !tenant?.routeInitiation;
  if (mac1InDataPlane) dp.setMac1Key(mac1Key(identity.publicKey));
  const keyRotation = new KeyRotation({ configDir: opts.configDir, dp, registry, log, identity, mac1InDataPlane,
    initiate: (peer) => { driver.initiate(peer, now()); } });
  const endpointMemory = new EndpointMemory(opts.configDir, log);
  const remembered = endpointMemory.load();
  const pmtu = new PmtuDriver(dp, config, log);
  if (config.mtu?.mssClamp) dp.setMssClamp(true);
  if (relays(config.topology)) dp.setRelay(true); // the hub of a multi-site segment
  let qosConfig = config.qos;
  applyQos(dp, config, qosEnabled(config));
  const failover = startFailover({ dp, config, registry, log });
  const evpn = startEvpn({ cfg: config.evpn, failover, dp, log });
  ha = startHaDriver(config, { configDir: opts.configDir, tap: dp.tapName || config.tap, dp, registry, failover, drops, log, now,
    // a fresh session per peer both ways: no stale handshake timer delays the takeover's first initiation
    onActivate: () => { for (const p of registry.all()) if (!p.provisional) { p.session = initialSession(); feed(p, { kind: 'start', canInitiate: p.endpoint !== null }, now()); } },
    onDeactivate: () => { for (const p of registry.all()) { dp.expireKeypairs(p.id); registry.setPending(p, null); p.session = initialSession(); } } });
  onEvent = (ev: NativeEvent): void => {
    const t = now();
    try {
      switch (ev.type) {
        case 'handshake':
          if (ha && !ha.active) { drops.add('ha_standby'); break; } // the active member answers
          if (tenant?.routeInitiation && ev.data[0] === 1) tenant.routeInitiation(ev.from, ev.data, t);
          else driver.onDatagram(ev.from, ev.data, t);
          break;
        case 'keypair-confirmed': {
          const peer = registry.get(ev.peer);
          if (!peer) break;
          feed(peer, { kind: 'keypair-confirmed' }, t);
          if (peer.provisional) enrollments.confirm(peer, t);
          log.info({ peer: peer.name }, 'tunnel up');
          break;
        }
        case 'endpoint': {
          const peer = registry.get(ev.peer);
          if (!peer) break;
          registry.moveEndpoint(peer, ev.endpoint);
          log.info({ peer: peer.name, endpoint: fmt(ev.endpoint) }, 'peer endpoint changed');
          break;
        }
        case 'need-handshake': {
          const peer = registry.get(ev.peer);
          if (peer) feed(peer, { kind: 'need-handshake', canInitiate: peer.endpoint !== null }, t);
          break;
        }
        case 'control': {
          const peer = registry.get(ev.peer);
          if (peer) handlePeerMessage({ peer, data: ev.data, dp, drops, log, config, enrollments, failover, nowMs: t, keyRotation });
          break;
        }
        case 'probe-ack':
          pmtu.onAck(ev.peer, ev.id, ev.size, t);
          break;
        case 'mtu-exceeded':
          pmtu.onMsgSize(ev.peer, t);
          break;
        case 'neigh':
        case 'neigh-gone':
        case 'probe-answer':
          failover?.onEvent(ev, t);
          break;
        case 'loop':
          if (ev.state === 'detected') {
            log.error({ otherAppliance: ev.mac }, 'alarm: a second L2 path connects this LAN with the other site (loop); flooding into the tunnel is blocked until it is removed');
          } else {
            log.info({}, 'loop gone: flooding into the tunnel resumes');
          }
          break;
        case 'mac-table-full':
          // the data plane rate-limits this to one per 10 s; status shows macTable.full (refused learns)
          log.warn({ capacity: ev.capacity }, 'alarm: the MAC table is full; new MACs are not learned (known hosts keep forwarding)');
          break;
      }
    } catch (e) {
      drops.add('event_handler_error');
      log.error({ err: (e as Error).message, event: ev.type }, 'event handler failed');
    }
  };

  try {
    await syncPeersFromConfig({ config, registry, dp, log });
    for (const peer of registry.all()) {
      const ep = !peer.endpoint && !peer.configuredEndpoint ? remembered.get(peer.publicKeyB64) : undefined;
      if (!ep) continue;
      peer.endpoint = ep;
      dp.setEndpoint(peer.id, ep);
      log.info({ peer: peer.name, endpoint: fmt(ep) }, 'initiating to the peer\'s last known endpoint');
    }
    const tapMtu = tapMtuFor(config.mtu?.maxFrameSize ?? MAX_FRAME_SIZE_DEFAULT);
    if (tapMtu !== null && dp.tapName) await setTapMtu(dp.tapName, tapMtu);
    dp.start();
    const cpus = dp.threadCpus();
    if (cpus.errors) log.warn({ asked: cpuPin, got: { rx: cpus.rx, tx: cpus.tx }, err: cpus.error }, 'thread CPU affinity refused; forwarding continues unpinned');
    else if (cpuPin) log.info({ rx: cpus.rx, tx: cpus.tx }, 'data-plane threads pinned');
    if (ha) await ha.start(); // standby until keepalived says MASTER
    else if (config.bridge) await attachToBridge(dp.tapName, config.bridge);
  } catch (e) {
    ha?.close();
    evpn?.stop();
    failover?.close();
    dp.stop();
    log.error({ err: (e as Error).message }, 'startup failed');
    return fail((e as Error).message);
  }

  const reloader = new Reloader({ configDir: opts.configDir, registry, dp, log, failover, running: config, pmtu,
    onQos: (q) => { qosConfig = q; } });
  const status = () => ({ ...buildStatus({ config, identity, registry, dp, drops, startedMs, nowMs: now(),
    pathMtuSource: (id) => pmtu.source(id), failover: () => failover?.status() ?? null, evpn: () => evpn?.status() ?? null,
    handshakeGuard: (t) => driver.guardStats(t), memory: processMemory }), cpuAffinity: cpuAffinityStatus(affinity.setting, dp.threadCpus()),
    busyPollUs, ...(ha ? { ha: ha.status() } : {}) });
  const handlers: CtlsockHandlers = {
    status,
    reload: async () => {
      const r = await reloader.reload('control socket');
      if (!r.ok) throw new Error(r.error);
      return r;
    },
    'rotate-key': () => keyRotation.rotate(),
    ...qosHandlers(dp, () => ({ qos: qosConfig })),
    ...haHandlers(ha),
    ...failoverHandlers({ dp, driver: failover, now, peerName: (id) => registry.get(id)?.name ?? `peer ${id}` }),
  };

  log.info({ tap: dp.tapName, bridge: config.bridge, listen: `${config.listen.address}:${dp.port}`,
    publicKey: Buffer.from(identity.publicKey).toString('base64'), peers: registry.all().length,
    tapOffload: dp.stats().global.tapOffload, maxFrameSize: dp.stats().global.maxFrameSize }, 'bridgehead up');
  const reader = tapReaderState(dp.stats().global);
  const readerLine = tapReaderLogLine(reader, tapReader);
  if (reader.why && reader.why !== 'asked') log.warn({ tapReader: reader.reader, why: reader.why }, readerLine);
  else log.info({ tapReader: reader.reader }, readerLine);
  for (const peer of registry.all()) feed(peer, { kind: 'start', canInitiate: peer.endpoint !== null }, now());

  const timer = setInterval(() => {
    const t = now();
    const stats = dp.stats();
    for (const peer of registry.all()) {
      if (enrollments.expireIfStale(peer, t, dp)) continue;
      const ps = stats.peers.find((p) => p.id === peer.id);
      feed(peer, {
        kind: 'tick', rxBytes: ps?.rxBytes ?? 0, txBytes: ps?.txBytes ?? 0,
        sendCounter: ps?.currentKey ? BigInt(ps.currentKey.sendCounter) : null,
        canInitiate: peer.endpoint !== null && !peer.provisional,
        persistentKeepaliveMs: peer.persistentKeepaliveMs, jitterMs: randomInt(0, 334), rekeyAfterMs: rekeyAfter,
      }, t);
    }
    pmtu.tick(stats, t);
    failover?.tick(stats, t);
    endpointMemory.save(registry.all(), t);
  }, TICK_MS);

  let stopped = false;
  return {
    config, dp, publicKey: identity.publicKey, log, drops, status, handlers,
    reload: (reason) => reloader.reload(reason),
    onHandshake: (from, data, nowMs) => {
      if (ha && !ha.active) { drops.add('ha_standby'); return; } // the active member answers
      driver.onDatagram(from, data, nowMs);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      evpn?.stop();
      ha?.close();
      failover?.close();
      dp.stop(); // removes the TAP, zeroes the session keys
      for (const p of registry.all()) p.psk.fill(0);
      identity.privateKey.fill(0);
    },
  };
}
