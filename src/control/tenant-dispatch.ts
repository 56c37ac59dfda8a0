// Which tenant an initiation is for (multi-tenant provider, docs/INTERNALS.md 9.1): the one whose
// static public key its mac1 was made for. Pure (no clock, no I/O): the daemon's driver calls
// `pick` for every initiation that reached the front socket.
//
//   exact 164-byte initiation? no -> null (the front's own driver counts it)
//   the tenant that last completed a handshake from this source address first, then all others:
//   mac1 = BLAKE2b-128(BLAKE2b-256("mac1----" || tenant public key), msg[0:116]) == msg[116:132]?
//
// The mac1 keys are cached per tenant and recomputed when the tenant's public key changes
// (rotate-key overwrites it in place). The source hints are bounded (oldest forgotten first).
// A scan of every tenant costs N keyed BLAKE2b (64 tenants: ~110 us); at most
// FULL_SCANS_PER_SECOND scans run per second (a 1 s window), beyond that an initiation from a
// source without a hint (or whose hinted tenant does not match) is 'overload': a garbage flood
// costs the JS thread a bounded share, and a legitimate initiator retries 5 s later.

import { concat, equal, mac } from './crypto';
import { INITIATION_SIZE, MAC_LEN, MSG_INITIATION } from './messages';

const MAC1_LABEL = new TextEncoder().encode('mac1----');
export const SOURCE_HINTS_MAX = 4096;
export const FULL_SCANS_PER_SECOND = 1000;

export interface DispatchTenant { name: string; publicKey: Uint8Array }

export class TenantDispatch {
  private readonly keys = new Map<string, { pub: Uint8Array; key: Uint8Array }>();
  private readonly hints = new Map<string, string>(); // source address -> tenant name (insertion order = age)
  private windowStartMs = -Infinity;
  private scansInWindow = 0;
  /** mac1 computations done (the cost of dispatch; status/benchmark) */
  macsComputed = 0;
  /** initiations refused because the full-scan budget of the second was used up */
  overloaded = 0;

  constructor(private readonly hintsMax = SOURCE_HINTS_MAX, private readonly scansPerSecond = FULL_SCANS_PER_SECOND) {}

  /** The tenant an initiation is addressed to; null: not an initiation or no tenant's mac1;
   *  'overload': no scan budget left this second (nothing computed beyond the hinted tenant). */
  pick(msg: Uint8Array, sourceAddress: string, tenants: readonly DispatchTenant[], nowMs: number): DispatchTenant | 'overload' | null {
    if (msg.length !== INITIATION_SIZE || msg[0] !== MSG_INITIATION) return null;
    const body = msg.subarray(0, INITIATION_SIZE - 2 * MAC_LEN);
    const got = msg.subarray(INITIATION_SIZE - 2 * MAC_LEN, INITIATION_SIZE - MAC_LEN);
    const matches = (t: DispatchTenant): boolean => {
      this.macsComputed++;
      return equal(mac(this.mac1Key(t), body, MAC_LEN), got);
    };
    const hinted = this.hints.get(sourceAddress);
    const first = hinted === undefined ? undefined : tenants.find((t) => t.name === hinted);
    if (first && matches(first)) return first;
    if (nowMs - this.windowStartMs >= 1000 || nowMs < this.windowStartMs) { this.windowStartMs = nowMs; this.scansInWindow = 0; }
    if (this.scansInWindow >= this.scansPerSecond) { this.overloaded++; return 'overload'; }
    this.scansInWindow++;
    for (const t of tenants) if (t !== first && matches(t)) return t;
    return null;
  }

  /** Remember that `source` completed a handshake with `tenant` (tried first next time). */
  remember(sourceAddress: string, tenant: string): void {
    this.hints.delete(sourceAddress);
    this.hints.set(sourceAddress, tenant);
    if (this.hints.size > this.hintsMax) this.hints.delete(this.hints.keys().next().value as string);
  }

  /** A tenant left: forget its key and hints. */
  forget(tenant: string): void {
    this.keys.delete(tenant);
    for (const [src, t] of this.hints) if (t === tenant) this.hints.delete(src);
  }

  get hintCount(): number { return this.hints.size; }

  private mac1Key(t: DispatchTenant): Uint8Array {
    const c = this.keys.get(t.name);
    if (c && equal(c.pub, t.publicKey)) return c.key;
    const key = mac(new Uint8Array(0), concat(MAC1_LABEL, t.publicKey), 32);
    this.keys.set(t.name, { pub: Uint8Array.from(t.publicKey), key });
    return key;
  }
}
