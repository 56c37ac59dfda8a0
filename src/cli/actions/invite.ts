// invite: load config + key -> pick the endpoint peers will dial -> new invite (pure) -> encode
// the token (before saving, so a token that cannot be encoded leaves no dangling invite) ->
// locked read-modify-write of invites.json (prune, bound pending) -> token on stdout.

import { randomBytes } from 'node:crypto';
import * as crypto from '../../control/crypto';
import { encodeToken } from '../../control/token';
import { advertisedEndpoint } from '../../config/config';
import { MAX_PENDING_INVITES, isPending, newInvite, pruneInvites } from '../../config/invites';
import { configPaths, loadConfig, loadPrivateKey, updateInvites } from '../../config/store';
import { formatHostPort } from '../../config/validate';
import { formatDuration } from '../../util/duration';
import { CliContext, CliError } from '../io';

export interface InviteOptions {
  config: string;
  expires: number; // ms
  json?: boolean;
}

export async function inviteAction(o: InviteOptions, ctx: CliContext): Promise<number> {
  const p = configPaths(o.config);
  const config = loadConfig(p.dir);
  const endpoint = advertisedEndpoint(config);
  if (endpoint === null) {
    const listen = formatHostPort(config.listen.address, config.listen.port);
    throw new CliError(
      `no endpoint configured and listen address ${listen} is a wildcard, so peers cannot know where to reach us; ` +
        `re-run "bridgehead init" with --endpoint HOST:PORT (or set "endpoint" in ${p.config})`,
    );
  }
  const priv = loadPrivateKey(p.dir);
  await crypto.ready();
  let publicKey: Uint8Array;
  try {
    publicKey = crypto.publicKey(priv);
  } finally {
    crypto.wipe(priv);
  }

  const now = ctx.now();
  const invite = newInvite(now, o.expires, (n) => new Uint8Array(randomBytes(n)));
  const secret = new Uint8Array(Buffer.from(invite.secret, 'base64'));
  let token: string;
  try {
    token = encodeToken({
      inviterPublicKey: publicKey,
      inviteId: new Uint8Array(Buffer.from(invite.id, 'hex')),
      secret,
      expiresMs: Date.parse(invite.expiresAt),
      inviterName: config.name,
      endpoints: [endpoint],
    });
  } finally {
    secret.fill(0);
  }

  updateInvites(p.dir, (list) => {
    const kept = pruneInvites(list, now);
    const pending = kept.filter((i) => isPending(i, now)).length;
    if (pending >= MAX_PENDING_INVITES) {
      throw new CliError(`${pending} invites are still pending in ${p.invites} (max ${MAX_PENDING_INVITES}); wait for them to expire or be used`);
    }
    return pruneInvites([...kept, invite], now);
  });

  if (o.json) {
    ctx.out(JSON.stringify({ id: invite.id, token, inviter: config.name, endpoint, expiresAt: invite.expiresAt }, null, 2));
    return 0;
  }
  ctx.info(`invite ${invite.id} for "${config.name}" at ${endpoint}, valid for ${formatDuration(o.expires)} (until ${invite.expiresAt}), single use`);
  ctx.info('on the other appliance run: bridgehead join <token below>');
  ctx.out(token);
  return 0;
}
