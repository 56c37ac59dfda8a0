// The answer of the control socket's `reload` method (src/daemon/reload.ts) that
// `bridgehead reload` and the peer-editing commands print. Plain JSON.

export interface ReloadReply {
  ok: boolean;
  /** Why the reload was refused (invalid file) or failed part-way; absent when ok. */
  error?: string;
  added: string[];
  removed: string[];
  updated: string[];
  /** Top-level settings that differ from the running ones but only take effect after a restart. */
  needRestart: string[];
}

export function isReloadReply(x: unknown): x is ReloadReply {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  const strs = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
  return typeof r.ok === 'boolean' && strs(r.added) && strs(r.removed) && strs(r.updated) && strs(r.needRestart);
}
