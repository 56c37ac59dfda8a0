// Enrollment through invite tokens on the inviting appliance. An unknown static key that presents a
// valid invite id becomes a provisional peer; when that peer's first authenticated packet arrives
// (it proves it derived the session from the invite's secret), the invite is marked used and the
// peer is persisted. Provisional peers that never confirm are dropped after PROVISIONAL_TTL_MS.

import { findInvite, markInviteUsed } from '../config/invites';
import { loadConfig, loadInvites, updateConfig, updateInvites } from '../config/store';
import { pairPsk } from '../control/token';
import type { DataPlane } from '../dataplane/types';
import type { InviteLookup } from './handshake-driver';
import { PROVISIONAL_TTL_MS, type PeerEntry, type PeerRegistry } from './peer-registry';

interface Log { info(o: object, msg: string): void; warn(o: object, msg: string): void }

export class Enrollments implements InviteLookup {
  constructor(private readonly d: { configDir: string; log: Log; registry: PeerRegistry }) {}

  find(inviteIdHex: string, nowMs: number): { ok: true; psk: Uint8Array } | { ok: false; reason: string } {
    let list;
    try { list = loadInvites(this.d.configDir); } catch { return { ok: false, reason: 'store_unreadable' }; }
    const r = findInvite(list, inviteIdHex, nowMs);
    if (!r.ok) return r;
    return { ok: true, psk: pairPsk(Buffer.from(r.invite.secret, 'base64')) };
  }

  /** Persists a provisional peer whose session is now proven; idempotent. Both files are
   *  updated under the config directory's lock, so a concurrent `bridgehead invite` loses nothing. */
  confirm(peer: PeerEntry, nowMs: number, name?: string): void {
    if (!peer.provisional) return;
    const inviteId = peer.provisional.inviteId;
    let refused: string | null = null;
    updateInvites(this.d.configDir, (list) => {
      const check = findInvite(list, inviteId, nowMs);
      if (!check.ok) { refused = check.reason; return list; }
      return markInviteUsed(list, inviteId, peer.publicKeyB64, nowMs);
    });
    if (refused) {
      // Another enrollment consumed it first (or it expired meanwhile): this one is not accepted.
      this.d.log.warn({ peer: peer.name, reason: refused }, 'enrollment refused at confirmation');
      return;
    }
    let finalName = name ?? peer.name;
    updateConfig(this.d.configDir, (config) => {
      const taken = new Set(config.peers.map((p) => p.name));
      for (let i = 2; taken.has(finalName); i++) finalName = `${(name ?? peer.name).slice(0, 28)}-${i}`;
      config.peers = config.peers.filter((p) => p.publicKey !== peer.publicKeyB64);
      config.peers.push({
        name: finalName, publicKey: peer.publicKeyB64, endpoint: null,
        psk: Buffer.from(peer.psk).toString('base64'), persistentKeepaliveS: 0,
        addedAt: new Date(nowMs).toISOString(),
      });
      return config;
    });
    peer.name = finalName;
    peer.provisional = null;
    this.d.log.info({ peer: finalName, publicKey: peer.publicKeyB64 }, 'peer enrolled with an invite and saved');
  }

  /** Renames an enrolled peer (the joiner's 'hello' carries its name). */
  rename(peer: PeerEntry, name: string): void {
    if (peer.name === name || loadConfig(this.d.configDir).peers.some((p) => p.name === name)) return;
    updateConfig(this.d.configDir, (config) => {
      const entry = config.peers.find((p) => p.publicKey === peer.publicKeyB64);
      if (entry && !config.peers.some((p) => p.name === name)) { entry.name = name; peer.name = name; }
      return config;
    });
  }

  expireIfStale(peer: PeerEntry, nowMs: number, dp: DataPlane): boolean {
    if (!peer.provisional || nowMs - peer.provisional.createdMs < PROVISIONAL_TTL_MS) return false;
    dp.removePeer(peer.id);
    this.d.registry.remove(peer.id);
    this.d.log.warn({ peer: peer.name }, 'enrollment not confirmed in time; dropped');
    return true;
  }
}
