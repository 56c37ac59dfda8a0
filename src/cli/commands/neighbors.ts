// bridgehead neighbors: the running daemon's IP -> MAC -> site table (partial failover).

import { configOption } from '../options';
import { neighborsAction, TableOptions } from '../actions/failover';
import type { CommandSpec } from './types';

export const neighborsCommand: CommandSpec = {
  name: 'neighbors',
  define(parent, io, ctx, run) {
    return parent
      .command('neighbors')
      .summary('show the IP -> MAC -> site table (partial failover)')
      .description('Ask the running daemon for its neighbor table: every IP with its MAC, the site it lives at, ' +
        'its age, how it was learned (arp, nd, traffic, peer) and its mobility sequence number.')
      .addOption(configOption(io))
      .option('--json', 'print the table as JSON', false)
      .action(run(async (opts: TableOptions) => neighborsAction(opts, ctx)));
  },
};
