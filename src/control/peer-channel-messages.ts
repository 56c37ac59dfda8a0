// Messages on the authenticated peer channel (transport subtype 2): small JSON objects.
// Pure encode/decode; anything malformed, oversized or unknown decodes to null (a counted drop).
// Neighbor-sync messages ('nb-*') are defined and checked in neighbor-messages.ts.

import {
  decodeNeighborObject, encodeNeighborMessage, isNeighborMessageType, type NeighborMessage,
} from './neighbor-messages';
import { decodeFailoverObject, isFailoverMessageType, type FailoverMessage } from './failover-messages';

export const MAX_PEER_MESSAGE = 1200;

export type PeerMessage =
  | { t: 'hello'; name: string }      // joiner -> inviter, repeated until 'welcome'
  | { t: 'welcome'; name: string }    // inviter -> joiner, after persisting the joiner
  | { t: 'key-rotate'; publicKey: string } // `rotate-key`: the sender's new static key (base64, 32 bytes)
  | { t: 'key-ack'; publicKey: string }    // the receiver stored that key (echoes it)
  | NeighborMessage                    // neighbor sync (partial failover), see neighbor-sync.ts
  | FailoverMessage;                   // site / remote probe (partial failover), see failover-messages.ts

const NAME_RE = /^[A-Za-z0-9._-]{1,32}$/;

export function encodePeerMessage(m: PeerMessage): Buffer {
  if (isNeighborMessageType(m.t)) return encodeNeighborMessage(m as NeighborMessage);
  const b = Buffer.from(JSON.stringify(m), 'utf8');
  if (b.length > MAX_PEER_MESSAGE) throw new RangeError('peer-channel message too large');
  return b;
}

export function decodePeerMessage(data: Uint8Array): PeerMessage | null {
  if (data.length === 0 || data.length > MAX_PEER_MESSAGE) return null;
  let v: unknown;
  try { v = JSON.parse(Buffer.from(data).toString('utf8')); } catch { return null; }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (isNeighborMessageType(o.t)) return decodeNeighborObject(o);
  if (isFailoverMessageType(o.t)) return Array.isArray(o) ? null : decodeFailoverObject(o);
  if ((o.t === 'hello' || o.t === 'welcome') && typeof o.name === 'string' && NAME_RE.test(o.name)) {
    return { t: o.t, name: o.name };
  }
  if ((o.t === 'key-rotate' || o.t === 'key-ack') && Object.keys(o).length === 2 && isPublicKeyB64(o.publicKey)) {
    return { t: o.t, publicKey: o.publicKey };
  }
  return null;
}

/** Canonical base64 of 32 bytes that are not all zero (an X25519 public key). */
export function isPublicKeyB64(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 44) return false;
  const b = Buffer.from(v, 'base64');
  return b.length === 32 && b.toString('base64') === v && b.some((x) => x !== 0);
}
