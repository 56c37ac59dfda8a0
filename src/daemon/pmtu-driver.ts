// Path MTU per peer: tells the data plane what to fragment to (dp.setPathMtu) and runs path MTU
// discovery (src/control/pmtu.ts) for every peer with a session.
//
//   addPeer -> applyPathMtu: pinned (`mtu.pathMtu`) or the base 1280 (fits every IPv6 path and
//     practically every IPv4 one; the tunnel socket sends with DF, so frames never rely on IP
//     fragmentation)
//   tick (with the session tick) -> per peer: session came up -> 'start'; else 'tick'
//     actions: 'probe' -> dp.sendProbe (refused by the kernel -> 'refused'), 'set-mtu' -> dp.setPathMtu
//   'probe-ack' event -> 'ack'; 'mtu-exceeded' event (EMSGSIZE from a data send) -> 'msgsize'

import type { Config } from '../config/types';
import { BASE_PLPMTU, PmtuEvent, PmtuState, initPmtu, pmtuSource, step } from '../control/pmtu';
import type { DataPlane, DataPlaneStats } from '../dataplane/types';

export const DEFAULT_PATH_MTU = BASE_PLPMTU;

export type PathMtuSource = 'pinned' | 'default' | 'discovered';

export function configuredPathMtu(config: Config): { pathMtu: number; source: PathMtuSource } {
  const pinned = config.mtu?.pathMtu ?? null;
  return pinned === null ? { pathMtu: DEFAULT_PATH_MTU, source: 'default' } : { pathMtu: pinned, source: 'pinned' };
}

/** Call right after dp.addPeer. */
export function applyPathMtu(dp: DataPlane, peerId: number, config: Config): void {
  dp.setPathMtu(peerId, configuredPathMtu(config).pathMtu);
}

interface Log { info(o: object, msg: string): void; debug(o: object, msg: string): void }

export class PmtuDriver {
  private readonly peers = new Map<number, { s: PmtuState; up: boolean }>();
  private pinned: number | null;

  constructor(private readonly dp: DataPlane, config: Config, private readonly log: Log) {
    this.pinned = config.mtu?.pathMtu ?? null;
  }

  /** Reload changed `mtu.pathMtu`: every peer restarts from the new pin (or the base + discovery). */
  setPinned(pinned: number | null, peerIds: readonly number[]): void {
    if (pinned === this.pinned) return;
    this.pinned = pinned;
    this.peers.clear(); // the next tick re-creates each peer's state and starts discovery if up
    for (const id of peerIds) this.dp.setPathMtu(id, pinned ?? DEFAULT_PATH_MTU);
  }

  /** With the session tick: starts discovery when a peer's session comes up, runs the timers. */
  tick(stats: DataPlaneStats, nowMs: number): void {
    const seen = new Set<number>();
    for (const ps of stats.peers) {
      seen.add(ps.id);
      let e = this.peers.get(ps.id);
      if (!e) {
        e = { s: initPmtu({ pinned: this.pinned }, ps.id * 0x10000), up: false };
        this.peers.set(ps.id, e);
      }
      const up = ps.currentKey !== null && ps.endpoint !== null;
      if (up && !e.up) this.run(ps.id, { type: 'start' }, nowMs);
      else if (up) this.run(ps.id, { type: 'tick' }, nowMs);
      e.up = up;
    }
    for (const id of [...this.peers.keys()]) if (!seen.has(id)) this.peers.delete(id);
  }

  onAck(peer: number, id: number, size: number, nowMs: number): void {
    this.run(peer, { type: 'ack', id, size }, nowMs);
  }

  /** A data send was refused with EMSGSIZE: confirm the current size at once. */
  onMsgSize(peer: number, nowMs: number): void {
    this.run(peer, { type: 'msgsize' }, nowMs);
  }

  /** The path MTU's source for status, null when the peer has no discovery state yet. */
  source(peer: number): PathMtuSource | null {
    const e = this.peers.get(peer);
    return e ? pmtuSource(e.s) : null;
  }

  private run(peer: number, ev: PmtuEvent, nowMs: number): void {
    const e = this.peers.get(peer);
    if (!e) return;
    const before = e.s.pmtu;
    const r = step(e.s, ev, nowMs);
    for (const a of r.actions) {
      if (a.type === 'set-mtu') {
        this.dp.setPathMtu(peer, a.bytes);
      } else if (!this.dp.sendProbe(peer, a.size, a.id)) {
        this.run(peer, { type: 'refused', id: a.id }, nowMs); // larger than the local interface MTU
      }
    }
    if (e.s.pmtu !== before && r.actions.some((a) => a.type === 'set-mtu'))
      this.log.debug({ peer, pathMtu: e.s.pmtu, source: pmtuSource(e.s) }, 'path mtu');
  }
}
