// The daemon's view of its peers: configuration, current endpoint, session timers, the handshake
// we have in flight, and the last initiation timestamp seen (replay protection). Bounded: peers
// come from the config (validated) plus at most MAX_PROVISIONAL enrollments in progress.

import { initialSession, type SessionState } from '../control/session';
import type { Endpoint } from '../dataplane/types';

export const MAX_PROVISIONAL = 8;
export const PROVISIONAL_TTL_MS = 30_000;
const FIRST_PROVISIONAL_ID = 60_000;

export interface PendingInitiation {
  localIndex: number;
  state: unknown;               // the handshake module's InitiatorPending
  enrollment: boolean;
}

export interface PeerEntry {
  id: number;                   // data-plane peer id
  name: string;
  publicKey: Uint8Array;
  publicKeyB64: string;
  psk: Uint8Array;
  configuredEndpoint: string | null;   // "host:port" from the config
  endpoint: Endpoint | null;           // what the data plane uses now
  persistentKeepaliveMs: number;
  session: SessionState;
  pending: PendingInitiation | null;
  lastTimestamp: Uint8Array | null;
  /** The peer's last cookie (control/cookie.ts): mac2 on our initiations while it is valid. */
  cookie: { value: Uint8Array; receivedMs: number } | null;
  /** Our last response to this peer (sender index, mac1): a cookie reply to it is opened with it. */
  lastResponse: { localIndex: number; mac1: Uint8Array } | null;
  /** Enrollment through an invite that is not confirmed yet. */
  provisional: { inviteId: string; createdMs: number } | null;
  /** Times the endpoint in use changed after the peer was set up (roaming; /metrics) */
  endpointChanges: number;
}

export class PeerRegistry {
  private readonly byId = new Map<number, PeerEntry>();
  private readonly byKey = new Map<string, PeerEntry>();
  private readonly pendingByIndex = new Map<number, PeerEntry>();
  private nextStaticId = 1;
  private nextProvisionalId = FIRST_PROVISIONAL_ID;

  all(): PeerEntry[] { return [...this.byId.values()]; }
  get(id: number): PeerEntry | undefined { return this.byId.get(id); }
  byPublicKey(key: Uint8Array): PeerEntry | undefined { return this.byKey.get(b64(key)); }
  byPendingIndex(index: number): PeerEntry | undefined { return this.pendingByIndex.get(index); }
  provisionalCount(): number { return this.all().filter((p) => p.provisional).length; }

  add(p: Omit<PeerEntry, 'id' | 'session' | 'pending' | 'lastTimestamp' | 'publicKeyB64' | 'cookie' | 'lastResponse' | 'endpointChanges'>): PeerEntry {
    const keyB64 = b64(p.publicKey);
    if (this.byKey.has(keyB64)) throw new Error(`peer with public key ${keyB64} already present`);
    const id = p.provisional ? this.allocProvisionalId() : this.nextStaticId++;
    const entry: PeerEntry = { ...p, id, publicKeyB64: keyB64, session: initialSession(), pending: null,
      lastTimestamp: null, cookie: null, lastResponse: null, endpointChanges: 0 };
    this.byId.set(id, entry);
    this.byKey.set(keyB64, entry);
    return entry;
  }

  remove(id: number): void {
    const p = this.byId.get(id);
    if (!p) return;
    this.setPending(p, null);
    this.byId.delete(id);
    this.byKey.delete(p.publicKeyB64);
  }

  /** The peer announced a new static key (`rotate-key`): the key index follows it. Refused when
   *  another peer already holds that key. */
  changeKey(p: PeerEntry, key: Uint8Array): void {
    const keyB64 = b64(key);
    if (keyB64 === p.publicKeyB64) return;
    if (this.byKey.has(keyB64)) throw new Error(`another peer already has public key ${keyB64}`);
    if (this.byId.get(p.id) !== p) throw new Error(`peer ${p.name} is not in the registry`);
    this.byKey.delete(p.publicKeyB64);
    p.publicKey = new Uint8Array(key);
    p.publicKeyB64 = keyB64;
    this.byKey.set(keyB64, p);
  }

  /** The endpoint the data plane now uses for p (a handshake or an authenticated packet from a new
   *  address); false when it is the one already in use. */
  moveEndpoint(p: PeerEntry, to: Endpoint): boolean {
    if (p.endpoint && p.endpoint.address === to.address && p.endpoint.port === to.port) return false;
    p.endpoint = { address: to.address, port: to.port };
    p.endpointChanges++;
    return true;
  }

  setPending(p: PeerEntry, pending: PendingInitiation | null): void {
    if (p.pending) this.pendingByIndex.delete(p.pending.localIndex);
    p.pending = pending;
    if (pending) this.pendingByIndex.set(pending.localIndex, p);
  }

  private allocProvisionalId(): number {
    for (let i = 0; i < 5000; i++) {
      const id = this.nextProvisionalId;
      this.nextProvisionalId = id >= 65_000 ? FIRST_PROVISIONAL_ID : id + 1;
      if (!this.byId.has(id)) return id;
    }
    throw new Error('no free provisional peer id');
  }
}

export function b64(bytes: Uint8Array): string { return Buffer.from(bytes).toString('base64'); }
