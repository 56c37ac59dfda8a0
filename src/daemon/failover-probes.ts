// Waiting for the answers to "does this host still answer?" probes (failover --check), bounded.
//
//   local LAN:  dp.probe(ip) a few times -> 'probe-answer' event for ip -> answered (mac) | silent
//   peer's LAN: fo-probe {id, ip} to the peer -> its fo-probe-res {id, a, m} -> answered | silent;
//               no answer in time -> unknown (the peer is unreachable or runs without failover)
// At most MAX_WAITING probes wait at once; beyond that a probe is refused ('busy').

import type { ProbeOutcome } from '../ipc/failover-replies';

export const MAX_WAITING = 16;
export const LOCAL_PROBE_WAIT_MS = 350;    // a live host on the LAN answers an ARP probe / DAD NS within ms
export const LOCAL_PROBE_REPEAT_MS = 100;  // probes sent at 0, 100, 200 ms (a lost probe or answer is retried)
export const REMOTE_PROBE_WAIT_MS = 2000;  // the peer's 0.35 s probe + the WAN round trip + margin

interface Waiter { ip: string; done: (o: ProbeOutcome) => void; timers: NodeJS.Timeout[] }

export class ProbeWaiters {
  private readonly local = new Set<Waiter>();
  private readonly remote = new Map<number, Waiter>();
  private nextId = 1;

  constructor(private readonly timing = { localWaitMs: LOCAL_PROBE_WAIT_MS, repeatMs: LOCAL_PROBE_REPEAT_MS,
    remoteWaitMs: REMOTE_PROBE_WAIT_MS }) {}

  get waiting(): number { return this.local.size + this.remote.size; }

  /** Probes this site's LAN with `send` (false: could not send) and waits for answer(). */
  probeLocal(ip: string, send: () => boolean): Promise<ProbeOutcome> {
    if (this.waiting >= MAX_WAITING) return Promise.reject(new Error('too many probes in progress; try again'));
    return new Promise((resolve) => {
      const w: Waiter = { ip, timers: [], done: (o) => { for (const t of w.timers) clearTimeout(t); this.local.delete(w); resolve(o); } };
      this.local.add(w);
      if (!send()) { w.done({ result: 'unknown' }); return; }
      for (let at = this.timing.repeatMs; at < this.timing.localWaitMs - this.timing.repeatMs; at += this.timing.repeatMs) {
        w.timers.push(setTimeout(() => void send(), at));
      }
      w.timers.push(setTimeout(() => w.done({ result: 'silent' }), this.timing.localWaitMs));
    });
  }

  /** A 'probe-answer' event: completes every local probe waiting for ip. */
  answer(ip: string, mac: string): void {
    for (const w of [...this.local]) if (w.ip === ip) w.done({ result: 'answered', mac });
  }

  /** Asks the peer (send(id) puts fo-probe on the peer channel) and waits for its result. */
  probeRemote(ip: string, send: (id: number) => boolean): Promise<ProbeOutcome> {
    if (this.waiting >= MAX_WAITING) return Promise.reject(new Error('too many probes in progress; try again'));
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    return new Promise((resolve) => {
      const w: Waiter = { ip, timers: [], done: (o) => { for (const t of w.timers) clearTimeout(t); this.remote.delete(id); resolve(o); } };
      this.remote.set(id, w);
      if (!send(id)) { w.done({ result: 'unknown' }); return; }
      w.timers.push(setTimeout(() => w.done({ result: 'unknown' }), this.timing.remoteWaitMs));
    });
  }

  /** The peer's fo-probe-res; false when nobody waits for it (late or forged: counted by the caller). */
  remoteResult(id: number, ip: string, answered: boolean, mac: string): boolean {
    const w = this.remote.get(id);
    if (!w || w.ip !== ip) return false;
    w.done(answered ? { result: 'answered', mac } : { result: 'silent' });
    return true;
  }

  /** Daemon stop: every waiter gets 'unknown'. */
  close(): void {
    for (const w of [...this.local]) w.done({ result: 'unknown' });
    for (const w of [...this.remote.values()]) w.done({ result: 'unknown' });
  }
}
