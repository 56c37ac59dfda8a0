// The answer of the control socket's `rotate-key` method (src/daemon/key-rotation.ts). Plain JSON.

export interface RotateKeyReply {
  /** The daemon's new static public key (base64), now on disk and used for every new handshake. */
  publicKey: string;
  /** Peers that acknowledged the new key over the authenticated channel. */
  updated: string[];
  /** Peers that were not connected or did not acknowledge in time: re-pair them or set the key by hand. */
  notUpdated: string[];
}

export function isRotateKeyReply(x: unknown): x is RotateKeyReply {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  const strs = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
  return typeof r.publicKey === 'string' && strs(r.updated) && strs(r.notUpdated);
}
