// bridgehead join TOKEN: pair with the appliance that created the invite token.

import { Option } from 'commander';
import { JOIN_TIMEOUT_BOUNDS, parseDuration } from '../../config/validate';
import { configOption, valueParser } from '../options';
import { joinAction, JoinOptions } from '../actions/join';
import type { CommandSpec } from './types';

export const DEFAULT_JOIN_TIMEOUT = '15s';

export const joinCommand: CommandSpec = {
  name: 'join',
  define(parent, io, ctx, run) {
    return parent
      .command('join')
      .summary('pair with another appliance using its invite token')
      .description(
        'Pair with the appliance that printed TOKEN (`bridgehead invite` there); both sides store each ' +
          "other's public key. The token is checked (format, checksum, expiry) before any network traffic. " +
          'Exit code 2 for a malformed or altered token, 1 for an expired one or a failed join.',
      )
      .argument('<TOKEN>', 'invite token (bh1.…)')
      .addOption(configOption(io))
      .addOption(
        new Option('--timeout <DURATION>', 'how long to try: 15s, 1m, ... (1s..10m)')
          .default(parseDuration(DEFAULT_JOIN_TIMEOUT), DEFAULT_JOIN_TIMEOUT)
          .argParser(valueParser('--timeout', (s) => parseDuration(s, JOIN_TIMEOUT_BOUNDS))),
      )
      .option('--json', 'print {peer, endpoint} as JSON', false)
      .action(run(async (token: string, opts: JoinOptions) => joinAction(token, opts, ctx)));
  },
};
