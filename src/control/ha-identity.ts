// The site identity one HA member hands to the other (`bridgehead ha export` / `ha import`): the
// appliance name, advertised endpoint, static private key and peer list, sealed with the pair
// secret so it can travel over any channel (ssh, a USB stick) without exposing the key.
//
//   "bhha-id1:" base64( salt 16 | ChaCha20-Poly1305(key = BLAKE2b-256 keyed(secret, label | salt), nonce 0, json) )
//
// A fresh salt per bundle gives a fresh key, so the fixed nonce is never reused. Pure apart from
// the salt the caller passes.

import * as crypto from './crypto';

export const IDENTITY_PREFIX = 'bhha-id1:';
const LABEL = new TextEncoder().encode('bridgehead ha identity v1');
const MAX_BUNDLE = 1 << 20;

export interface IdentityBundle {
  /** the member that exported it */
  from: string;
  name: string;
  endpoint: string | null;
  privateKey: string;
  peers: unknown[];
}

function keyFor(secret: Uint8Array, salt: Uint8Array): Uint8Array {
  return crypto.mac(secret, crypto.concat(LABEL, salt), 32);
}

export function sealIdentity(b: IdentityBundle, secret: Uint8Array, salt: Uint8Array): string {
  if (salt.length !== 16) throw new RangeError('salt must be 16 bytes');
  const plain = new TextEncoder().encode(JSON.stringify(b));
  const sealed = crypto.aeadSeal(keyFor(secret, salt), 0n, LABEL, plain);
  return IDENTITY_PREFIX + Buffer.from(crypto.concat(salt, sealed)).toString('base64');
}

export class IdentityError extends Error {}

export function openIdentity(text: string, secret: Uint8Array): IdentityBundle {
  const t = text.trim();
  if (!t.startsWith(IDENTITY_PREFIX)) throw new IdentityError(`not an identity bundle (expected a line starting with "${IDENTITY_PREFIX}")`);
  if (t.length > MAX_BUNDLE) throw new IdentityError('identity bundle too large');
  const raw = Buffer.from(t.slice(IDENTITY_PREFIX.length), 'base64');
  if (raw.length < 16 + 16) throw new IdentityError('identity bundle truncated');
  const plain = crypto.aeadOpen(keyFor(secret, raw.subarray(0, 16)), 0n, LABEL, raw.subarray(16));
  if (!plain) throw new IdentityError('identity bundle does not open with this member\'s ha.secret (another pair\'s bundle, or a damaged copy)');
  let b: unknown;
  try { b = JSON.parse(new TextDecoder().decode(plain)); } catch { throw new IdentityError('identity bundle content is not JSON'); }
  const o = b as Record<string, unknown>;
  if (!o || typeof o !== 'object' || typeof o.from !== 'string' || typeof o.name !== 'string' || typeof o.privateKey !== 'string' ||
    !(o.endpoint === null || typeof o.endpoint === 'string') || !Array.isArray(o.peers)) throw new IdentityError('identity bundle content is malformed');
  return { from: o.from, name: o.name, endpoint: o.endpoint as string | null, privateKey: o.privateKey, peers: o.peers };
}
