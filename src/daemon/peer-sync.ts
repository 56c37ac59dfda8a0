// Brings the registry and the data plane in line with the peers of the config file: at start, and
// on reload (reload.ts: SIGHUP, a join done while the daemon runs). Hostnames in endpoints are
// resolved here. Existing peers take a changed endpoint, psk (next handshake) and keepalive.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseHostPort } from '../config/validate';
import type { Config, PeerConfig } from '../config/types';
import type { DataPlane, Endpoint } from '../dataplane/types';
import type { PeerEntry, PeerRegistry } from './peer-registry';
import { applyPathMtu } from './pmtu-driver';

interface Log { info(o: object, msg: string): void; warn(o: object, msg: string): void }

export async function resolveEndpoint(hostPort: string): Promise<Endpoint> {
  const { host, port } = parseHostPort(hostPort);
  if (isIP(host)) return { address: host, port };
  const r = await lookup(host);
  return { address: r.address, port };
}

export async function syncPeersFromConfig(d: { config: Config; registry: PeerRegistry; dp: DataPlane; log: Log }):
  Promise<{ added: string[]; removed: string[]; updated: string[] }> {
  const added: string[] = [];
  const removed: string[] = [];
  const updated: string[] = [];
  const wanted = new Set(d.config.peers.map((p) => p.publicKey));
  for (const peer of d.registry.all()) {
    if (!peer.provisional && !wanted.has(peer.publicKeyB64)) {
      d.dp.removePeer(peer.id);
      d.registry.remove(peer.id);
      removed.push(peer.name);
    }
  }
  for (const pc of d.config.peers) {
    const existing = d.registry.byPublicKey(Buffer.from(pc.publicKey, 'base64'));
    if (existing) {
      if (await updateExisting(existing, pc, d)) updated.push(existing.name);
      continue;
    }
    let endpoint: Endpoint | null = null;
    if (pc.endpoint) {
      try { endpoint = await resolveEndpoint(pc.endpoint); } catch (e) {
        d.log.warn({ peer: pc.name, endpoint: pc.endpoint, err: (e as Error).message }, 'cannot resolve peer endpoint');
      }
    }
    const peer = d.registry.add({
      name: pc.name, publicKey: new Uint8Array(Buffer.from(pc.publicKey, 'base64')),
      psk: new Uint8Array(Buffer.from(pc.psk, 'base64')), configuredEndpoint: pc.endpoint, endpoint,
      persistentKeepaliveMs: pc.persistentKeepaliveS * 1000, provisional: null,
    });
    d.dp.addPeer(peer.id, endpoint ?? undefined);
    applyPathMtu(d.dp, peer.id, d.config);
    added.push(pc.name);
  }
  if (added.length || removed.length || updated.length) d.log.info({ added, removed, updated }, 'peers updated from config');
  return { added, removed, updated };
}

/** A peer already running: apply what changed in its config entry; true when anything did. */
async function updateExisting(peer: PeerEntry, pc: PeerConfig, d: { dp: DataPlane; log: Log }): Promise<boolean> {
  let changed = false;
  if (pc.endpoint !== peer.configuredEndpoint) {
    peer.configuredEndpoint = pc.endpoint;
    changed = true;
    if (pc.endpoint) {
      try {
        const ep = await resolveEndpoint(pc.endpoint);
        peer.endpoint = ep;
        d.dp.setEndpoint(peer.id, ep);
      } catch (e) {
        d.log.warn({ peer: pc.name, endpoint: pc.endpoint, err: (e as Error).message }, 'cannot resolve peer endpoint');
      }
    } // no configured endpoint any more: keep the one the peer roams from
  }
  const psk = Buffer.from(pc.psk, 'base64');
  if (!psk.equals(Buffer.from(peer.psk))) {
    peer.psk.fill(0);
    peer.psk = new Uint8Array(psk);
    changed = true; // used from the next handshake on
  }
  psk.fill(0);
  if (pc.persistentKeepaliveS * 1000 !== peer.persistentKeepaliveMs) {
    peer.persistentKeepaliveMs = pc.persistentKeepaliveS * 1000;
    changed = true;
  }
  if (pc.name !== peer.name) { peer.name = pc.name; changed = true; }
  return changed;
}
