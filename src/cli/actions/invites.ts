// invites: the invites in invites.json with their state; invite revoke ID: remove a pending
// invite under the config lock (a join with its token then fails as an unknown invite: the
// daemon reads invites.json at each enrollment, so no reload is needed).

import { isExpired } from '../../config/invites';
import type { Invite } from '../../config/invites';
import { configPaths, loadInvites, updateInvites } from '../../config/store';
import { CliContext, CliError, UsageError } from '../io';

export interface InvitesOptions { config: string; json: boolean }

export type InviteState = 'pending' | 'used' | 'expired';

export function inviteState(i: Invite, nowMs: number): InviteState {
  return i.usedAt !== null ? 'used' : isExpired(i, nowMs) ? 'expired' : 'pending';
}

export async function invitesAction(o: InvitesOptions, ctx: CliContext): Promise<number> {
  const now = ctx.now();
  // never print the secrets: they are half of a token
  const list = loadInvites(o.config).map((i) => ({ id: i.id, state: inviteState(i, now), createdAt: i.createdAt,
    expiresAt: i.expiresAt, usedAt: i.usedAt, usedBy: i.usedBy }));
  if (o.json) { ctx.out(JSON.stringify({ invites: list }, null, 2)); return 0; }
  if (list.length === 0) { ctx.out('no invites'); return 0; }
  const rows = list.map((i) => [i.id, i.state, i.createdAt, i.expiresAt, i.usedBy ?? '-']);
  const head = ['ID', 'STATE', 'CREATED', 'EXPIRES', 'USED BY'];
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  for (const r of [head, ...rows]) ctx.out(r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(w[k]))).join('  '));
  return 0;
}

/** An invite id as printed by `invite` / `invites`: 32 hex digits; a unique prefix of >= 8 also works. */
export function parseInviteId(s: string): string {
  if (!/^[0-9a-fA-F]{8,32}$/.test(s)) throw new UsageError(`invalid ID "${s.slice(0, 64)}": expected 8..32 hex digits of an invite id`);
  return s.toLowerCase();
}

export async function inviteRevokeAction(idArg: string, o: InvitesOptions, ctx: CliContext): Promise<number> {
  const id = parseInviteId(idArg);
  const file = configPaths(o.config).invites;
  let revoked: Invite | undefined;
  updateInvites(o.config, (list) => {
    const hits = list.filter((i) => i.id.startsWith(id));
    if (hits.length === 0) throw new CliError(`no invite ${id} in ${file}`);
    if (hits.length > 1) throw new CliError(`invite id prefix ${id} is ambiguous (${hits.length} invites); give more digits`);
    const inv = hits[0];
    if (inv.usedAt !== null) throw new CliError(`invite ${inv.id} was already used by ${inv.usedBy ?? '?'}; remove the peer instead (bridgehead peer remove NAME)`);
    revoked = inv;
    return list.filter((i) => i !== inv);
  });
  const inv = revoked as Invite;
  if (o.json) ctx.out(JSON.stringify({ revoked: inv.id, wasExpired: isExpired(inv, ctx.now()) }, null, 2));
  else ctx.out(`revoked invite ${inv.id}${isExpired(inv, ctx.now()) ? ' (it had expired already)' : ''}`);
  return 0;
}
