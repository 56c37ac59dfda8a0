// invites.json entries: pure creation, lookup, use and pruning. No clock and no randomness of
// its own: callers pass nowMs and an rng, so the daemon and the tests decide both.
//
// Life of an invite: newInvite (pending) -> findInvite ok -> markInviteUsed (kept for audit)
//                                        -> expires unused -> dropped a day after expiry.
// The list is bounded (MAX_INVITES); pruneInvites enforces it, dropping the least useful
// entries first.

import { knownFields } from './fields';
import { ValueError, parseBase64Key, parseIsoTime, parsePublicKey, quote } from './validate';
import { ConfigError } from './errors';

export interface Invite {
  id: string; // hex, 16 bytes
  secret: string; // base64, 32 bytes
  createdAt: string; // ISO
  expiresAt: string; // ISO
  usedAt: string | null;
  usedBy: string | null; // base64 public key of the joiner
}

export type Rng = (n: number) => Uint8Array;

export type FindResult = { ok: true; invite: Invite } | { ok: false; reason: 'unknown' | 'expired' | 'used' };

export const INVITE_ID_BYTES = 16;
export const INVITE_SECRET_BYTES = 32;
/** Upper bound on invites.json entries (pending + used + recently expired). */
export const MAX_INVITES = 100;
/** Upper bound on pending (unused, unexpired) invites; `bridgehead invite` refuses beyond it. */
export const MAX_PENDING_INVITES = 50;
/** Expired unused invites are kept this long after expiry so a late join gets "expired". */
export const EXPIRED_RETENTION_MS = 86_400_000;

function bytesOf(rng: Rng, n: number): Uint8Array {
  const b = rng(n);
  if (!(b instanceof Uint8Array) || b.length !== n) throw new Error(`invites: rng must return ${n} bytes`);
  return b;
}

export function newInvite(nowMs: number, ttlMs: number, rng: Rng): Invite {
  if (!Number.isFinite(nowMs) || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`invites: bad time (now ${nowMs}, ttl ${ttlMs})`);
  }
  return {
    id: Buffer.from(bytesOf(rng, INVITE_ID_BYTES)).toString('hex'),
    secret: Buffer.from(bytesOf(rng, INVITE_SECRET_BYTES)).toString('base64'),
    createdAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + ttlMs).toISOString(),
    usedAt: null,
    usedBy: null,
  };
}

export function isExpired(inv: Invite, nowMs: number): boolean {
  return nowMs >= Date.parse(inv.expiresAt);
}

export function isPending(inv: Invite, nowMs: number): boolean {
  return inv.usedAt === null && !isExpired(inv, nowMs);
}

function normId(idHex: string): string | null {
  return typeof idHex === 'string' && /^[0-9a-fA-F]{32}$/.test(idHex) ? idHex.toLowerCase() : null;
}

/** Look an invite up by id. Used wins over expired (it is the more useful thing to log). */
export function findInvite(list: readonly Invite[], idHex: string, nowMs: number): FindResult {
  const id = normId(idHex);
  const invite = id === null ? undefined : list.find((i) => i.id === id);
  if (!invite) return { ok: false, reason: 'unknown' };
  if (invite.usedAt !== null) return { ok: false, reason: 'used' };
  if (isExpired(invite, nowMs)) return { ok: false, reason: 'expired' };
  return { ok: true, invite };
}

/** A new list in which invite `id` is used by `publicKeyB64` at nowMs. Throws if the invite
 *  is not pending (unknown, expired or already used): single use is enforced here too. */
export function markInviteUsed(list: readonly Invite[], id: string, publicKeyB64: string, nowMs: number): Invite[] {
  const found = findInvite(list, id, nowMs);
  if (!found.ok) throw new Error(`invite ${id}: cannot mark used: ${found.reason}`);
  const usedAt = new Date(nowMs).toISOString();
  return list.map((i) => (i === found.invite ? { ...i, usedAt, usedBy: publicKeyB64 } : i));
}

/**
 * Bound the list: drop unused invites that expired more than EXPIRED_RETENTION_MS ago, then, if
 * still above MAX_INVITES, drop in this order until it fits: the oldest used ones, the oldest
 * expired ones, the oldest pending ones. Order of the survivors is kept.
 */
export function pruneInvites(list: readonly Invite[], nowMs: number, max = MAX_INVITES): Invite[] {
  let out = list.filter((i) => i.usedAt !== null || nowMs < Date.parse(i.expiresAt) + EXPIRED_RETENTION_MS);
  if (out.length <= max) return out;
  const rank = (i: Invite): number => (i.usedAt !== null ? 0 : isExpired(i, nowMs) ? 1 : 2);
  const byAge = (i: Invite): number => Date.parse(i.usedAt ?? i.createdAt);
  const victims = [...out].sort((a, b) => rank(a) - rank(b) || byAge(a) - byAge(b)).slice(0, out.length - max);
  const drop = new Set(victims);
  out = out.filter((i) => !drop.has(i));
  return out;
}

/** Validate invites.json content (an array of Invite); errors name the entry and field. */
export function parseInvites(raw: unknown, source = 'invites.json'): Invite[] {
  const fail = (path: string, problem: string, value?: unknown): never => {
    throw new ConfigError(`${source}: ${path}${problem}${value === undefined ? '' : `: ${quote(value)}`}`);
  };
  if (!Array.isArray(raw)) fail('', 'expected a JSON array', raw);
  const list = raw as unknown[];
  if (list.length > MAX_INVITES * 10) fail('', `too many entries (${list.length})`);
  const keys = ['id', 'secret', 'createdAt', 'expiresAt', 'usedAt', 'usedBy'];
  const seen = new Set<string>();
  return list.map((r, idx) => {
    const p = `[${idx}]`;
    const o = knownFields(r, p, keys, (path, problem, ...v) => fail(`${path}: `, problem, ...v));
    const str = (k: string, fn: (s: string) => unknown, nullable = false): string | null => {
      const v = o[k];
      if (v === undefined) return fail(`${p}.${k}: `, 'missing');
      if (v === null && nullable) return null;
      if (typeof v !== 'string') return fail(`${p}.${k}: `, 'expected a string', v);
      try {
        fn(v);
      } catch (e) {
        if (e instanceof ValueError) fail(`${p}.${k}: `, e.message, v);
        throw e;
      }
      return v;
    };
    const id = str('id', (s) => {
      if (!/^[0-9a-f]{32}$/.test(s)) throw new ValueError('not 16 bytes of lower-case hex');
    }) as string;
    if (seen.has(id)) fail(`${p}.id: `, 'duplicate id', id);
    seen.add(id);
    return {
      id,
      secret: str('secret', (s) => {
        try {
          parseBase64Key(s, INVITE_SECRET_BYTES);
        } catch {
          return fail(`${p}.secret: `, 'not 32 bytes of base64 (value not shown)');
        }
      }) as string,
      createdAt: str('createdAt', parseIsoTime) as string,
      expiresAt: str('expiresAt', parseIsoTime) as string,
      usedAt: str('usedAt', parseIsoTime, true),
      usedBy: str('usedBy', parsePublicKey, true),
    };
  });
}

export function formatInvites(list: readonly Invite[]): string {
  const ordered = list.map((i) => ({
    id: i.id,
    secret: i.secret,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    usedAt: i.usedAt,
    usedBy: i.usedBy,
  }));
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
