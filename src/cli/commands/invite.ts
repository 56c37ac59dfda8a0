// bridgehead invite: create a single-use invite and print its token (one line on stdout).

import { Option } from 'commander';
import { INVITE_TTL_BOUNDS, parseDuration } from '../../config/validate';
import { configOption, valueParser } from '../options';
import { inviteAction, InviteOptions } from '../actions/invite';
import type { CommandSpec } from './types';

export const DEFAULT_INVITE_TTL = '24h';

export const inviteCommand: CommandSpec = {
  name: 'invite',
  define(parent, io, ctx, run) {
    return parent
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
      .action(run(async (opts: InviteOptions) => inviteAction(opts, ctx)));
  },
};
