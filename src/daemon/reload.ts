// Config reload of the running daemon: on SIGHUP and on the control socket's `reload` method.
//
//   read + validate the config file --error--> one log line, keep running with the old config
//     -> peers: add / remove, endpoint, psk and keepalive of existing peers (peer-sync.ts)
//     -> failover section (failover.reconfigure), QoS rates/rules (when QoS is on)
//     -> mtu.pathMtu (every peer restarts from the new pin / discovery) and mtu.mssClamp
//     -> topology (hub: relay between peers, or mesh)
//     -> everything else is fixed at start: name the settings that changed and need a restart
//
// One reload at a time: a SIGHUP during a reload runs once more after it (the file may have
// changed again), never concurrently.

import { loadConfig } from '../config/store';
import type { Config } from '../config/types';
import type { ReloadReply } from '../ipc/reload-reply';
import type { DataPlane } from '../dataplane/types';
import type { PeerRegistry } from './peer-registry';
import { syncPeersFromConfig } from './peer-sync';
import { applyQos } from './qos';
import { relays } from '../config/topology-config';

/** The reply shape lives in src/ipc (the CLI reads it). */
export type ReloadResult = ReloadReply;

export interface ReloadDeps {
  configDir: string;
  registry: PeerRegistry;
  dp: DataPlane;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
  /** The failover driver when partial failover runs. */
  failover: { reconfigure(c: NonNullable<Config['failover']>): void; setRelay?(on: boolean, nowMs: number): void } | null;
  /** The config the daemon started with (restart-only settings are compared against it). */
  running: Config;
  /** The path MTU driver (mtu.pathMtu applies live); absent in tests that do not need it. */
  pmtu?: { setPinned(pinned: number | null, peerIds: readonly number[]): void };
  /** Called with the new QoS section after it was applied (the control socket's `qos` view). */
  onQos?(qos: NonNullable<Config['qos']>): void;
}

/** Settings the daemon reads only at start. */
const RESTART_ONLY = ['name', 'listen', 'tap', 'bridge', 'macTableCapacity', 'macAgeS', 'logLevel', 'fairQueue',
  'tapOffload', 'threadNice', 'cpuAffinity', 'dataPath', 'tapReader', 'busyPollUs', 'rekeyAfterS', 'metrics', 'evpn', 'ha'] as const;

export function restartOnlyChanges(running: Config, fresh: Config): string[] {
  const changed: string[] = RESTART_ONLY.filter((k) => JSON.stringify(running[k]) !== JSON.stringify(fresh[k]));
  // the TAP's MTU and the data plane's buffers are sized at start; mtu.pathMtu / mssClamp apply live
  if (running.mtu?.maxFrameSize !== fresh.mtu?.maxFrameSize) changed.push('mtu.maxFrameSize');
  if (Boolean(running.failover) !== Boolean(fresh.failover)) changed.push('failover (on/off)');
  if (Boolean(running.qos) !== Boolean(fresh.qos)) changed.push('qos (on/off)');
  return changed;
}

export class Reloader {
  private running: Promise<ReloadResult> | null = null;
  private again = false;

  constructor(private readonly d: ReloadDeps) {}

  /** Reload now (or after the reload in progress). Never throws. */
  reload(trigger: string): Promise<ReloadResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.once(trigger).finally(() => {
      this.running = null;
      if (this.again) { this.again = false; void this.reload(trigger); }
    });
    return this.running;
  }

  private async once(trigger: string): Promise<ReloadResult> {
    let fresh: Config;
    try {
      fresh = loadConfig(this.d.configDir);
    } catch (e) {
      const error = (e as Error).message.split('\n')[0];
      this.d.log.error({ trigger, err: error }, 'config reload refused; still running with the previous config');
      return { ok: false, error, added: [], removed: [], updated: [], needRestart: [] };
    }
    try {
      const r = await syncPeersFromConfig({ config: fresh, registry: this.d.registry, dp: this.d.dp, log: this.d.log });
      if (this.d.failover && fresh.failover) this.d.failover.reconfigure(fresh.failover);
      this.d.pmtu?.setPinned(fresh.mtu?.pathMtu ?? null, this.d.registry.all().map((p) => p.id));
      this.d.dp.setMssClamp(fresh.mtu?.mssClamp ?? false);
      this.d.dp.setRelay(relays(fresh.topology)); // hub <-> mesh applies to the next frame
      this.d.failover?.setRelay?.(relays(fresh.topology), Date.now()); // and to the failover records the hub passes on
      if (this.d.dp.qosStats().enabled && fresh.qos) {
        applyQos(this.d.dp, fresh, true); // rate, share, rules, DSCP take effect at once
        this.d.onQos?.(fresh.qos);
      }
      const needRestart = restartOnlyChanges(this.d.running, fresh);
      if (needRestart.length) {
        this.d.log.warn({ trigger, settings: needRestart }, `config reload: ${needRestart.join(', ')} changed and take effect after a restart`);
      }
      this.d.log.info({ trigger, added: r.added, removed: r.removed, updated: r.updated }, 'config reloaded');
      return { ok: true, ...r, needRestart };
    } catch (e) {
      const error = (e as Error).message.split('\n')[0];
      this.d.log.error({ trigger, err: error }, 'config reload failed part-way; the peers applied so far stay');
      return { ok: false, error, added: [], removed: [], updated: [], needRestart: [] };
    }
  }
}
