// bridgehead fdb: the running daemon's MAC table (where each MAC lives).

import { configOption } from '../options';
import { fdbAction, TableOptions } from '../actions/failover';
import type { CommandSpec } from './types';

export const fdbCommand: CommandSpec = {
  name: 'fdb',
  define(parent, io, ctx, run) {
    return parent
      .command('fdb')
      .summary('show the MAC table (which site each MAC lives at)')
      .description('Ask the running daemon for its MAC forwarding table: every MAC, its site (this one or the peer\'s) and its age.')
      .addOption(configOption(io))
      .option('--json', 'print the table as JSON', false)
      .action(run(async (opts: TableOptions) => fdbAction(opts, ctx)));
  },
};
