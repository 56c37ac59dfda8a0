// `bridgehead rotate-key`: a new static key without re-pairing.
//
//   rotating side                                   each connected peer
//   new X25519 pair (memory only)
//   'key-rotate' {publicKey} every 500 ms   -->     config: the peer's publicKey (locked, atomic),
//                                                   registry key index follows
//                                           <--     'key-ack' {publicKey}
//   all acked, or 5 s: private.key written (atomic, 0600), identity swapped in place,
//   a new handshake to every peer with the new key; the old sessions carry traffic until then.
//
// Peers that were not connected or did not ack are named in the reply: they still expect the old
// key and must be re-paired or given the new key by hand (bridgehead.json peers[].publicKey).

import { encodePeerMessage } from '../control/peer-channel-messages';
import { mac1Key } from '../control/messages';
import * as crypto from '../control/crypto';
import { savePrivateKey, updateConfig } from '../config/store';
import type { DataPlane } from '../dataplane/types';
import type { RotateKeyReply } from '../ipc/rotate-key-reply';
import { b64, type PeerEntry, type PeerRegistry } from './peer-registry';

export const ROTATE_RESEND_MS = 500;
export const ROTATE_TIMEOUT_MS = 5000;

interface Log { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void }

interface InFlight { publicKeyB64: string; waiting: Map<number, string>; acked: string[]; done: () => void }

export class KeyRotation {
  private inFlight: InFlight | null = null;

  constructor(private readonly d: {
    configDir: string; dp: DataPlane; registry: PeerRegistry; log: Log;
    identity: { privateKey: Uint8Array; publicKey: Uint8Array };
    /** start a handshake to the peer now (the driver, with the identity as it is then) */
    initiate(peer: PeerEntry): void;
    /** false on a multi-tenant provider's front, whose data plane passes every initiation on to
     *  the tenant dispatcher (mac1 checked per tenant in JS); default true */
    mac1InDataPlane?: boolean;
  }) {}

  /** Control socket method. One rotation at a time. */
  async rotate(): Promise<RotateKeyReply> {
    if (this.inFlight) throw new Error('a key rotation is already in progress');
    const kp = crypto.generateKeyPair();
    const publicKeyB64 = b64(kp.publicKey);
    const connected = new Set(this.d.dp.stats().peers.filter((s) => s.currentKey).map((s) => s.id));
    const targets = this.d.registry.all().filter((p) => !p.provisional && connected.has(p.id));
    const notConnected = this.d.registry.all().filter((p) => !p.provisional && !connected.has(p.id)).map((p) => p.name);
    const waiting = new Map(targets.map((p) => [p.id, p.name] as [number, string]));
    const msg = encodePeerMessage({ t: 'key-rotate', publicKey: publicKeyB64 });
    const acked: string[] = [];
    let resend: NodeJS.Timeout | undefined;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve) => {
        this.inFlight = { publicKeyB64, waiting, acked, done: resolve };
        const send = (): void => { for (const id of waiting.keys()) this.d.dp.sendControl(id, msg); };
        if (waiting.size === 0) { resolve(); return; }
        send();
        resend = setInterval(send, ROTATE_RESEND_MS);
        timeout = setTimeout(resolve, ROTATE_TIMEOUT_MS);
      });
    } finally {
      clearInterval(resend);
      clearTimeout(timeout);
      this.inFlight = null;
    }
    // The key on disk first: if that fails nothing changed here (peers that acked must then be
    // re-paired; the error says so).
    try {
      savePrivateKey(this.d.configDir, kp.privateKey);
    } catch (e) {
      kp.privateKey.fill(0);
      throw new Error(`cannot write the new private key (${(e as Error).message}); the old key stays in use` +
        (acked.length ? `, but ${acked.join(', ')} already took the new one and must be re-paired` : ''));
    }
    this.d.identity.privateKey.set(kp.privateKey); // in place: the handshake guard and status share these arrays
    this.d.identity.publicKey.set(kp.publicKey);
    if (this.d.mac1InDataPlane !== false) this.d.dp.setMac1Key(mac1Key(kp.publicKey)); // the data plane's mac1 check follows the new key
    kp.privateKey.fill(0);
    const notUpdated = [...notConnected, ...waiting.values()];
    this.d.log.info({ publicKey: publicKeyB64, updated: acked }, 'static key rotated');
    if (notUpdated.length) {
      this.d.log.warn({ peers: notUpdated }, 'peers not told the new key: re-pair them or set the new publicKey in their config');
    }
    for (const p of this.d.registry.all()) if (!p.provisional && p.endpoint) this.d.initiate(p);
    return { publicKey: publicKeyB64, updated: acked, notUpdated };
  }

  /** 'key-ack' from a peer. */
  onAck(peer: PeerEntry, publicKeyB64: string): void {
    const f = this.inFlight;
    if (!f || f.publicKeyB64 !== publicKeyB64 || !f.waiting.has(peer.id)) return;
    f.waiting.delete(peer.id);
    f.acked.push(peer.name);
    if (f.waiting.size === 0) f.done();
  }

  /** 'key-rotate' from a peer: store its new key (config under the lock, then the registry), ack.
   *  A repeat (our ack was lost) is acked again. */
  onAnnounce(peer: PeerEntry, publicKeyB64: string): void {
    if (peer.provisional) return;
    if (peer.publicKeyB64 !== publicKeyB64) {
      const oldB64 = peer.publicKeyB64;
      const key = new Uint8Array(Buffer.from(publicKeyB64, 'base64'));
      if (this.d.registry.byPublicKey(key)) {
        this.d.log.warn({ peer: peer.name }, 'peer announced a key another peer already has; ignored');
        return;
      }
      updateConfig(this.d.configDir, (config) => {
        const entry = config.peers.find((p) => p.publicKey === oldB64);
        if (entry) entry.publicKey = publicKeyB64;
        return config;
      });
      this.d.registry.changeKey(peer, key);
      this.d.log.info({ peer: peer.name, publicKey: publicKeyB64 }, 'peer rotated its static key; config updated');
    }
    this.d.dp.sendControl(peer.id, encodePeerMessage({ t: 'key-ack', publicKey: publicKeyB64 }));
  }
}
