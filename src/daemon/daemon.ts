// `bridgehead up`: the only impure glue. Wires config -> native data plane -> handshake driver ->
// session timers -> control socket -> pino, and tears it all down on SIGTERM/SIGINT.
//
//   data plane events ──> handshake driver (Noise) ──> installKeypair / sendRaw
//                     ──> session step() ───────────> initiate / keepalive / give-up / wipe
//   tick (250 ms) ──> dp.stats() per peer ──> session step(); peers' endpoints -> endpoints.json
//   start: endpoints.json ──> peers without a configured endpoint initiate to their last one
//   control socket ──> status / reload / rotate-key (key-rotation.ts) / failover methods (failover-control.ts)
//   SIGHUP, control socket `reload` ──> reload.ts (re-read config, apply what can change live)
//   neigh events, nb-*/fo-* messages, tick ──> partial failover (failover.ts, when enabled)
//   GET /metrics ──> buildStatus + thread CPU ──> Prometheus text (metrics.ts, when enabled)

import { randomInt } from 'node:crypto';
import pino from 'pino';
import * as crypto from '../control/crypto';
import { step, type SessionAction, type SessionEvent } from '../control/session';
import { mac1Key } from '../control/messages';
import { loadConfig, loadPrivateKey } from '../config/store';
import type { Config } from '../config/types';
import { loadDataPlane } from '../dataplane/native';
import type { DataPlane, NativeEvent } from '../dataplane/types';
import { startControlServer } from './control-socket';
import { DropCounters } from './drop-counters';
import { Enrollments } from './enrollments';
import { HandshakeDriver, fmt } from './handshake-driver';
import { attachToBridge } from './link';
import { PeerRegistry, type PeerEntry } from './peer-registry';
import { syncPeersFromConfig } from './peer-sync';
import { Reloader } from './reload';
import { EndpointMemory } from './endpoint-memory';
import { buildStatus, processMemory } from './status';
import { PmtuDriver } from './pmtu-driver';
import { fairQueueEnabled } from './fair-queue';
import { tapOffloadEnabled } from './tap-offload';
import { readEnvSwitches } from './env-switch';
import { MEMORY_TRIM_DEFAULT_S, MemoryTrim, fullGc } from './memory-trim';
import { threadNice } from './thread-nice';
import { rekeyAfterMs } from './rekey-timer';
import { setTapMtu, tapMtuFor } from './tap-mtu';
import { MAX_FRAME_SIZE_DEFAULT } from '../config/mtu-config';
import { handleControlMessage } from './control-channel';
import { KeyRotation } from './key-rotation';
import { startFailover } from './failover-setup';
import { failoverHandlers } from './failover-control';
import { applyQos, qosEnabled, qosHandlers } from './qos';
import { serveMetrics } from './metrics';
import { metricsListen } from '../config/metrics-config';

export interface DaemonOptions { configDir: string; logLevel?: string }

const TICK_MS = 250;

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  // From the first moment SIGHUP must not end the daemon (Node's default): until the reloader
  // exists a HUP is remembered and served once start-up is done.
  let hupHandler: (() => void) | null = null;
  let hupEarly = false;
  const onHup = (): void => { if (hupHandler) hupHandler(); else hupEarly = true; };
  process.on('SIGHUP', onHup);
  try {
    return await runDaemonInner(opts, (h) => { hupHandler = h; if (hupEarly) { hupEarly = false; h(); } });
  } finally {
    process.off('SIGHUP', onHup);
  }
}

async function runDaemonInner(opts: DaemonOptions, setHupHandler: (h: () => void) => void): Promise<number> {
  await crypto.ready();
  const config = loadConfig(opts.configDir);
  const privateKey = loadPrivateKey(opts.configDir);
  const identity = { privateKey, publicKey: crypto.publicKey(privateKey) };
  const log = pino({ level: opts.logLevel ?? config.logLevel, base: { name: config.name } });
  const startedMs = Date.now();
  const drops = new DropCounters();
  const rekeyAfter = rekeyAfterMs(config); // a bad BRIDGEHEAD_REKEY_AFTER_S stops here, before anything starts
  const registry = new PeerRegistry();
  const now = () => Date.now();

  let dp: DataPlane;
  // Events are queued by the native side and delivered here in order; `driver` is set below
  // before the data plane starts, so no event can arrive before it exists.
  let onEvent: (ev: NativeEvent) => void = () => undefined;
  try {
    const { DataPlane: NativeDataPlane } = loadDataPlane();
    const sw = readEnvSwitches();
    dp = new NativeDataPlane({
      tap: { name: config.tap },
      listen: config.listen,
      macTableCapacity: config.macTableCapacity,
      macAgeMs: config.macAgeS * 1000,
      eventQueueCapacity: 1024,
      fq: fairQueueEnabled(config),
      qos: qosEnabled(config),
      tapOffload: tapOffloadEnabled(config),
      maxFrameSize: config.mtu?.maxFrameSize ?? MAX_FRAME_SIZE_DEFAULT,
      threadNice: threadNice(config),
      udpOffload: sw.udpOffload ?? true,
      tapGro: sw.tapGro ?? true,
      onEvent: (ev: NativeEvent) => onEvent(ev),
    });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'cannot start the data plane');
    process.stderr.write(`bridgehead: cannot start the data plane: ${(e as Error).message}\n`);
    return 1;
  }

  const enrollments = new Enrollments({ configDir: opts.configDir, log, registry });
  const runActions = (peer: PeerEntry, actions: SessionAction[], nowMs: number): void => {
    for (const a of actions) {
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
    onResponded: (peer, t) => feed(peer, { kind: 'responded' }, t),
    onInitiatedKeypair: (peer, t) => {
      feed(peer, { kind: 'initiated-keypair' }, t);
      log.info({ peer: peer.name }, 'tunnel up');
    },
  });

  const keyRotation = new KeyRotation({ configDir: opts.configDir, dp, registry, log, identity,
    initiate: (peer) => { driver.initiate(peer, now()); } });
  const endpointMemory = new EndpointMemory(opts.configDir, log);
  const remembered = endpointMemory.load();
  const pmtu = new PmtuDriver(dp, config, log);
  if (config.mtu?.mssClamp) dp.setMssClamp(true);
  dp.setMac1Key(mac1Key(identity.publicKey)); // forged handshakes end in the RX thread (bad_mac1)
  let qosConfig = config.qos;
  applyQos(dp, config, qosEnabled(config));
  const failover = startFailover({ dp, config, registry, log });
  onEvent = (ev: NativeEvent): void => {
    const t = now();
    try {
      switch (ev.type) {
        case 'handshake':
          driver.onDatagram(ev.from, ev.data, t);
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
          if (peer) handleControlMessage({ peer, data: ev.data, dp, drops, log, config, enrollments, failover, nowMs: t, keyRotation });
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
    if (config.bridge) await attachToBridge(dp.tapName, config.bridge);
  } catch (e) {
    dp.stop();
    log.error({ err: (e as Error).message }, 'startup failed');
    process.stderr.write(`bridgehead: ${(e as Error).message}\n`);
    return 1;
  }

  const reloader = new Reloader({ configDir: opts.configDir, registry, dp, log, failover, running: config, pmtu,
    onQos: (q) => { qosConfig = q; } });
  setHupHandler(() => { void reloader.reload('SIGHUP'); });

  const status = () => buildStatus({ config, identity, registry, dp, drops, startedMs, nowMs: now(),
    pathMtuSource: (id) => pmtu.source(id), failover: () => failover?.status() ?? null,
    handshakeGuard: (t) => driver.guardStats(t), memory: processMemory });
  let server: { close(): Promise<void> } | null = null;
  let metrics: { close(): Promise<void> } | null = null;
  try {
    server = await startControlServer(`${opts.configDir}/bridgehead.sock`, {
      status,
      reload: async () => {
        const r = await reloader.reload('control socket');
        if (!r.ok) throw new Error(r.error);
        return r;
      },
      'rotate-key': () => keyRotation.rotate(),
      ...qosHandlers(dp, () => ({ qos: qosConfig })),
      ...failoverHandlers({ dp, driver: failover, now, peerName: (id) => registry.get(id)?.name ?? `peer ${id}` }),
    });
    const metricsAt = metricsListen(config.metrics); // settings take effect at start (reload keeps them)
    if (metricsAt) metrics = await serveMetrics({ listen: metricsAt, status, now, log });
  } catch (e) {
    await server?.close();
    dp.stop();
    process.stderr.write(`bridgehead: ${(e as Error).message}\n`);
    return 1;
  }

  log.info({ tap: dp.tapName, bridge: config.bridge, listen: `${config.listen.address}:${dp.port}`,
    publicKey: Buffer.from(identity.publicKey).toString('base64'), peers: registry.all().length,
    tapOffload: dp.stats().global.tapOffload, maxFrameSize: dp.stats().global.maxFrameSize }, 'bridgehead up');
  for (const peer of registry.all()) feed(peer, { kind: 'start', canInitiate: peer.endpoint !== null }, now());

  const trimEveryS = readEnvSwitches().memoryTrimS ?? MEMORY_TRIM_DEFAULT_S;
  const memoryTrim = new MemoryTrim(() => loadDataPlane().trimMemory(), trimEveryS, trimEveryS > 0 ? fullGc() : null);
  const timer = setInterval(() => {
    const t = now();
    memoryTrim.tick(t);
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

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      clearInterval(timer);
      failover?.close();
      void Promise.all([server?.close(), metrics?.close()]).finally(() => {
        dp.stop(); // removes the TAP, zeroes the session keys
        for (const p of registry.all()) p.psk.fill(0);
        identity.privateKey.fill(0);
        log.info('stopped');
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export type { Config };
