// bridgehead invite: create a single-use invite and print its token (one line on stdout);
// invite revoke ID, invites: the pending ones and their removal.

import { Option, type Command } from 'commander';
import { INVITE_TTL_BOUNDS, parseDuration } from '../../config/validate';
import { configOption, valueParser } from '../options';
import { inviteAction, InviteOptions } from '../actions/invite';
import { inviteRevokeAction, invitesAction, type InvitesOptions } from '../actions/invites';
import type { CliContext, CliIo } from '../io';
import type { ActionRunner, CommandSpec } from './types';

export const DEFAULT_INVITE_TTL = '24h';

export const inviteCommand: CommandSpec = {
  name: 'invite',
  define(parent, io, ctx, run) {
    const cmd = parent
      .command('invite')
      .summary('create a single-use invite token for another appliance')
      .description(
        'Create a single-use, expiring invite (stored in invites.json) and print its token as one line on ' +
          'stdout; everything else goes to stderr, so `bridgehead invite | tail -1` is the token. The daemon ' +
          'need not be running; a running daemon picks the invite up when it is used.',
      )
      .addOption(configOption(io))
      .addOption(
        new Option('--expires <DURATION>', 'lifetime: 90s, 30m, 24h, 7d or seconds (1m..30d)')
          .default(parseDuration(DEFAULT_INVITE_TTL), DEFAULT_INVITE_TTL)
          .argParser(valueParser('--expires', (s) => parseDuration(s, INVITE_TTL_BOUNDS))),
      )
      .option('--json', 'print {id, token, inviter, endpoint, expiresAt} as JSON', false)
      .action(run(async (opts: InviteOptions) => inviteAction(opts, ctx)));
    cmd.enablePositionalOptions(); // `invite revoke ID -c DIR`: -c belongs to revoke
    defineRevoke(cmd, io, ctx, run);
    return cmd;
  },
};

function defineRevoke(parent: Command, io: CliIo, ctx: CliContext, run: ActionRunner): void {
  parent.command('revoke').allowExcessArguments(false)
    .summary('revoke a pending invite (its token stops working at once)')
    .description('Remove the pending invite ID (as printed by "bridgehead invite" and "bridgehead invites"; a unique ' +
      'prefix of 8 or more hex digits is enough) from invites.json. A join with its token then fails; a running ' +
      'daemon needs no reload. A used invite cannot be revoked: remove the peer instead.')
    .argument('<ID>', 'invite id (hex)')
    .addOption(configOption(io))
    .option('--json', 'print the result as JSON', false)
    .action(run(async (id: string, opts: InvitesOptions) => inviteRevokeAction(id, opts, ctx)));
}

export const invitesCommand: CommandSpec = {
  name: 'invites',
  define(parent, io, ctx, run) {
    return parent
      .command('invites')
      .summary('list the invites: pending, used (by whom), expired')
      .description('List the invites of invites.json with their state, creation and expiry time and, for used ones, ' +
        'the public key of the appliance that joined. The secrets are never printed.')
      .addOption(configOption(io))
      .option('--json', 'print the list as JSON', false)
      .action(run(async (opts: InvitesOptions) => invitesAction(opts, ctx)));
  },
};
