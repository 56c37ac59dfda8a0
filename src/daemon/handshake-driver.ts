// Handshake flow of the running daemon: turns handshake datagrams (delivered by the data plane as
// events) and session-timer actions into Noise messages, installed keypairs and enrollments.
//
//   initiation in  -> rate limit -> mac1 + decrypt static (handshake.openInitiation)
//                  -> known peer? psk from config : invite id? -> enrollment (provisional peer)
//                  -> timestamp newer than the last one -> response out, keypair as 'next'
//   response in    -> our pending initiation by receiver index -> keypair as 'current'
//   initiate       -> new ephemeral + index -> initiation out to the peer's endpoint
//
// Unauthenticated input never gets a reply; every refusal is a counted drop.

import { randomInt } from 'node:crypto';
import {
  consumeResponse, createInitiation, createResponse, openInitiation, compareTimestamps,
  type InitiatorPending, type Keypair, type StaticIdentity,
} from '../control/handshake';
import type { DataPlane, Endpoint } from '../dataplane/types';
import { DropCounters } from './drop-counters';
import { MAX_PROVISIONAL, type PeerEntry, type PeerRegistry } from './peer-registry';
import { TokenBucket } from './token-bucket';
import { DEFAULT_PATH_MTU } from './pmtu-driver';

export interface InviteLookup {
  /** Looks an invite up by id (hex); returns the pair psk when it may be used now. */
  find(inviteIdHex: string, nowMs: number): { ok: true; psk: Uint8Array } | { ok: false; reason: string };
}

export interface HandshakeDriverDeps {
  identity: StaticIdentity;
  registry: PeerRegistry;
  dp: DataPlane;
  drops: DropCounters;
  invites: InviteLookup;
  log: { info(o: object, msg: string): void; debug(o: object, msg: string): void; warn(o: object, msg: string): void };
  onResponded(peer: PeerEntry, nowMs: number): void;
  onInitiatedKeypair(peer: PeerEntry, nowMs: number): void;
}

const HANDSHAKES_PER_SECOND = 50;

export class HandshakeDriver {
  private readonly limiter = new TokenBucket(HANDSHAKES_PER_SECOND, HANDSHAKES_PER_SECOND);
  private readonly liveIndices = new Map<number, number[]>(); // peer id -> recent local indices

  constructor(private readonly d: HandshakeDriverDeps) {}

  onDatagram(from: Endpoint, data: Buffer, nowMs: number): void {
    if (!this.limiter.take(nowMs)) { this.d.drops.add('handshake_ratelimited'); return; }
    if (data[0] === 1) this.onInitiation(from, data, nowMs);
    else if (data[0] === 2) this.onResponse(from, data, nowMs);
    else this.d.drops.add('handshake_bad_type');
  }

  /** Sends a new initiation to the peer's endpoint; returns false when the peer has none. */
  initiate(peer: PeerEntry, nowMs: number, inviteId?: Uint8Array): boolean {
    if (!peer.endpoint) return false;
    const senderIndex = this.allocIndex(peer.id);
    const { message, state } = createInitiation({
      local: this.d.identity, remotePublicKey: peer.publicKey, psk: peer.psk, senderIndex, nowMs, inviteId,
    });
    this.d.registry.setPending(peer, { localIndex: senderIndex, state, enrollment: inviteId !== undefined });
    if (!this.d.dp.sendRaw(peer.endpoint, Buffer.from(message))) this.d.drops.add('handshake_send_failed');
    this.d.log.debug({ peer: peer.name, endpoint: fmt(peer.endpoint) }, 'handshake initiation sent');
    return true;
  }

  private onInitiation(from: Endpoint, data: Buffer, nowMs: number): void {
    const opened = openInitiation(new Uint8Array(data), this.d.identity);
    if (!opened.ok) { this.d.drops.add(`handshake_${opened.reason}`); return; }
    let peer = this.d.registry.byPublicKey(opened.initiatorPublicKey);
    if (peer && peer.lastTimestamp && compareTimestamps(opened.timestamp, peer.lastTimestamp) <= 0) {
      this.d.drops.add('handshake_replayed_initiation');
      return;
    }
    if (!peer || peer.provisional) {
      const enrolled = this.enroll(peer, opened.initiatorPublicKey, opened.inviteId, from, nowMs);
      if (!enrolled) return;
      peer = enrolled;
    }
    const localIndex = this.allocIndex(peer.id);
    const { message, keypair } = createResponse(opened.state, { psk: peer.psk, senderIndex: localIndex });
    peer.lastTimestamp = opened.timestamp;
    this.setEndpoint(peer, from);
    this.install(peer, keypair);
    if (!this.d.dp.sendRaw(from, Buffer.from(message))) this.d.drops.add('handshake_send_failed');
    this.d.log.debug({ peer: peer.name, endpoint: fmt(from) }, 'handshake response sent');
    this.d.onResponded(peer, nowMs);
  }

  /** An unknown key that presents a valid invite becomes a provisional peer; the invite is
   *  consumed only when that peer proves the session (first authenticated packet). */
  private enroll(existing: PeerEntry | undefined, publicKey: Uint8Array, inviteId: Uint8Array,
    from: Endpoint, nowMs: number): PeerEntry | null {
    if (inviteId.every((b) => b === 0)) { this.d.drops.add('handshake_unknown_peer'); return null; }
    const found = this.d.invites.find(Buffer.from(inviteId).toString('hex'), nowMs);
    if (!found.ok) { this.d.drops.add(`handshake_invite_${found.reason}`); return null; }
    if (existing) { existing.psk = found.psk; return existing; }
    if (this.d.registry.provisionalCount() >= MAX_PROVISIONAL) {
      this.d.drops.add('handshake_enrollments_full');
      return null;
    }
    const keyB64 = Buffer.from(publicKey).toString('base64');
    const peer = this.d.registry.add({
      name: `peer-${keyB64.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`, publicKey, psk: found.psk,
      configuredEndpoint: null, endpoint: from, persistentKeepaliveMs: 0,
      provisional: { inviteId: Buffer.from(inviteId).toString('hex'), createdMs: nowMs },
    });
    this.d.dp.addPeer(peer.id, from);
    this.d.dp.setPathMtu(peer.id, DEFAULT_PATH_MTU);
    this.d.log.info({ peer: peer.name, endpoint: fmt(from) }, 'enrollment started with an invite');
    return peer;
  }

  private onResponse(from: Endpoint, data: Buffer, nowMs: number): void {
    const receiverIndex = data.readUInt32LE(8);
    const peer = this.d.registry.byPendingIndex(receiverIndex);
    if (!peer || !peer.pending) { this.d.drops.add('handshake_unknown_index'); return; }
    const r = consumeResponse(peer.pending.state as InitiatorPending, new Uint8Array(data));
    if (!r.ok) { this.d.drops.add('handshake_response_rejected'); return; }
    this.d.registry.setPending(peer, null);
    this.setEndpoint(peer, from);
    this.install(peer, r.keypair);
    this.d.log.info({ peer: peer.name, endpoint: fmt(from) }, 'handshake complete (initiator)');
    this.d.onInitiatedKeypair(peer, nowMs);
  }

  private install(peer: PeerEntry, kp: Keypair): void {
    this.d.dp.installKeypair(peer.id, {
      localIndex: kp.localIndex, remoteIndex: kp.remoteIndex, initiator: kp.initiator,
      sendKey: Buffer.from(kp.sendKey), recvKey: Buffer.from(kp.recvKey),
    });
    kp.sendKey.fill(0);
    kp.recvKey.fill(0);
  }

  private setEndpoint(peer: PeerEntry, from: Endpoint): void {
    if (!this.d.registry.moveEndpoint(peer, from)) return;
    this.d.dp.setEndpoint(peer.id, from);
  }

  /** A random 32-bit index not used by any peer's last few handshakes (the data plane keeps at
   *  most three keypairs per peer and refuses a duplicate index). */
  private allocIndex(peerId: number): number {
    const recent = this.liveIndices.get(peerId) ?? [];
    const inUse = (i: number) => [...this.liveIndices.values()].some((l) => l.includes(i)) ||
      this.d.registry.byPendingIndex(i) !== undefined;
    let idx: number;
    do { idx = randomInt(1, 0xffffffff); } while (inUse(idx));
    recent.push(idx);
    if (recent.length > 4) recent.shift();
    this.liveIndices.set(peerId, recent);
    return idx;
  }

  forget(peerId: number): void { this.liveIndices.delete(peerId); }
}

export function fmt(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
