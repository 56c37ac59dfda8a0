// Handshake flow of the running daemon: turns handshake datagrams (delivered by the data plane as
// events) and session-timer actions into Noise messages, installed keypairs and enrollments.
//
//   initiation in  -> guard (control/handshake-guard.ts): mac1, replay filter, per-source budget,
//                     under load: cookie reply unless mac2 is valid
//                  -> decrypt static (handshake.openInitiation)
//                  -> known peer? psk from config : invite id? -> enrollment (provisional peer)
//                  -> timestamp newer than the last one -> response out, keypair as 'next'
//   response in    -> guard: mac1, per-source budget, under load: cookie reply unless mac2 is valid
//                  -> our pending initiation by receiver index -> keypair as 'current'
//                     (our responses carry mac2 while we hold a valid cookie from that peer)
//   cookie reply   -> per-source budget -> our pending initiation -> keep the cookie (120 s) and,
//                     if that initiation had no mac2, send a new one with mac2 at once;
//                     or our last response to a peer -> keep the cookie for the next response
//   initiate       -> new ephemeral + index -> initiation (mac2 with a valid cookie) to the peer's endpoint
//
// Unauthenticated input never gets a reply; every refusal is a counted drop.

import { randomInt } from 'node:crypto';
import {
  consumeResponse, createInitiation, createResponse, openInitiation, compareTimestamps,
  type InitiatorPending, type Keypair, type StaticIdentity,
} from '../control/handshake';
import { COOKIE_VALID_MS, cookieReplyReceiver, openCookieReply } from '../control/cookie';
import { HandshakeGuard, type GuardStats } from '../control/handshake-guard';
import { MAC_LEN, RESPONSE_SIZE } from '../control/messages';
import type { DataPlane, Endpoint } from '../dataplane/types';
import { DropCounters } from './drop-counters';
import { MAX_PROVISIONAL, type PeerEntry, type PeerRegistry } from './peer-registry';
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
  /** multi-tenant provider (INTERNALS 9): the top byte of every local index, so the kernel steers
   *  this tenant's data to its socket; absent = any index */
  indexSlot?: number;
  onInitiatedKeypair(peer: PeerEntry, nowMs: number): void;
}

export class HandshakeDriver {
  private readonly liveIndices = new Map<number, number[]>(); // peer id -> recent local indices
  private readonly guard: HandshakeGuard;
  private cookiesReceived = 0;

  constructor(private readonly d: HandshakeDriverDeps) {
    this.guard = new HandshakeGuard(d.identity.publicKey);
  }

  onDatagram(from: Endpoint, data: Buffer, nowMs: number): void {
    if (data[0] === 1) this.onInitiation(from, data, nowMs);
    else if (data[0] === 2) this.onResponse(from, data, nowMs);
    else if (data[0] === 3) {
      if (!this.guard.other(from.address, nowMs)) { this.d.drops.add('handshake_ratelimited'); return; }
      this.onCookieReply(data, nowMs);
    } else this.d.drops.add('handshake_bad_type');
  }

  /** Status: the DoS defence's state and counters. */
  guardStats(nowMs: number): GuardStats & { cookieRepliesReceived: number } {
    return { ...this.guard.stats(nowMs), cookieRepliesReceived: this.cookiesReceived };
  }

  /** Sends a new initiation to the peer's endpoint; returns false when the peer has none. */
  initiate(peer: PeerEntry, nowMs: number, inviteId?: Uint8Array): boolean {
    if (!peer.endpoint) return false;
    const senderIndex = this.allocIndex(peer.id);
    const cookie = this.validCookie(peer, nowMs);
    const { message, state } = createInitiation({
      local: this.d.identity, remotePublicKey: peer.publicKey, psk: peer.psk, senderIndex, nowMs, inviteId, cookie,
    });
    this.d.registry.setPending(peer, { localIndex: senderIndex, state, enrollment: inviteId !== undefined });
    if (!this.d.dp.sendRaw(peer.endpoint, Buffer.from(message))) this.d.drops.add('handshake_send_failed');
    this.d.log.debug({ peer: peer.name, endpoint: fmt(peer.endpoint) }, 'handshake initiation sent');
    return true;
  }

  private onInitiation(from: Endpoint, data: Buffer, nowMs: number): void {
    const msg = new Uint8Array(data);
    const verdict = this.guard.initiation(msg, from.address, from.port, nowMs);
    if (verdict.kind === 'drop') { this.d.drops.add(`handshake_${verdict.reason}`); return; }
    if (verdict.kind === 'cookie') {
      // Under load: the initiation is not processed; its sender gets a cookie to retry with.
      this.d.drops.add('handshake_cookie_required');
      if (!this.d.dp.sendRaw(from, Buffer.from(verdict.reply))) this.d.drops.add('handshake_send_failed');
      return;
    }
    const opened = openInitiation(msg, this.d.identity);
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
    const { message, keypair } = createResponse(opened.state, { psk: peer.psk, senderIndex: localIndex,
      cookie: this.validCookie(peer, nowMs) });
    // a cookie reply to this response (the initiator is under load) is opened with its mac1
    peer.lastResponse = { localIndex, mac1: message.slice(RESPONSE_SIZE - 2 * MAC_LEN, RESPONSE_SIZE - MAC_LEN) };
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
    const verdict = this.guard.response(new Uint8Array(data), from.address, from.port, nowMs);
    if (verdict.kind === 'drop') { this.d.drops.add(`handshake_${verdict.reason}`); return; }
    if (verdict.kind === 'cookie') {
      // Under load: not processed; the responder gets a cookie and puts mac2 on its next response
      // (to our next initiation: the regular retry).
      this.d.drops.add('handshake_cookie_required');
      if (!this.d.dp.sendRaw(from, Buffer.from(verdict.reply))) this.d.drops.add('handshake_send_failed');
      return;
    }
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

  /** A cookie for our pending initiation: keep it; retry at once unless that one had mac2 already
   *  (then the regular retry timer uses the new cookie: no retry storm from forged replies). */
  private onCookieReply(data: Buffer, nowMs: number): void {
    const msg = new Uint8Array(data);
    const receiverIndex = cookieReplyReceiver(msg);
    const peer = receiverIndex === null ? undefined : this.d.registry.byPendingIndex(receiverIndex);
    if (!peer || !peer.pending) {
      if (receiverIndex !== null && this.onResponseCookie(msg, receiverIndex, nowMs)) return;
      this.d.drops.add('handshake_unknown_index');
      return;
    }
    const pending = peer.pending.state as InitiatorPending;
    const cookie = openCookieReply(msg, peer.publicKey, pending.mac1);
    if (!cookie) { this.d.drops.add('handshake_cookie_rejected'); return; }
    this.cookiesReceived++;
    peer.cookie = { value: cookie, receivedMs: nowMs };
    this.d.log.info({ peer: peer.name }, 'peer is under load: got a cookie, initiating with mac2');
    if (!pending.withCookie) this.initiate(peer, nowMs, peer.pending.enrollment ? pending.inviteId : undefined);
  }

  /** A cookie reply to our last response to a peer (that initiator is under load): keep the
   *  cookie; our next response to it carries mac2. No retry from here: the initiator retries. */
  private onResponseCookie(msg: Uint8Array, receiverIndex: number, nowMs: number): boolean {
    const peer = this.d.registry.all().find((p) => p.lastResponse?.localIndex === receiverIndex);
    if (!peer?.lastResponse) return false;
    const cookie = openCookieReply(msg, peer.publicKey, peer.lastResponse.mac1);
    if (!cookie) { this.d.drops.add('handshake_cookie_rejected'); return true; }
    this.cookiesReceived++;
    peer.cookie = { value: cookie, receivedMs: nowMs };
    peer.lastResponse = null; // one cookie per response
    this.d.log.info({ peer: peer.name }, 'peer is under load: got a cookie for our response, the next one carries mac2');
    return true;
  }

  private validCookie(peer: PeerEntry, nowMs: number): Uint8Array | undefined {
    return peer.cookie && nowMs - peer.cookie.receivedMs < COOKIE_VALID_MS ? peer.cookie.value : undefined;
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
    const slot = this.d.indexSlot;
    do {
      idx = slot === undefined ? randomInt(1, 0xffffffff) : ((slot << 24) | randomInt(1, 1 << 24)) >>> 0;
    } while (inUse(idx));
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
