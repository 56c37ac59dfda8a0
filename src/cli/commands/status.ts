// bridgehead status: ask the running daemon for its status snapshot and print it.

import { configOption } from '../options';
import { statusAction, StatusOptions } from '../actions/status';
import type { CommandSpec } from './types';

export const statusCommand: CommandSpec = {
  name: 'status',
  define(parent, io, ctx, run) {
    return parent
      .command('status')
      .summary('show the running daemon\'s peers, traffic and counters')
      .description('Ask the running daemon (over its control socket) for a status snapshot and print it.')
      .addOption(configOption(io))
      .option('--json', 'print the raw status snapshot as JSON', false)
      .action(run(async (opts: StatusOptions) => statusAction(opts, ctx)));
  },
};
