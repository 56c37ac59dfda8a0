// bridgehead resolve HOST --keep tenant|provider: end a split-brain conflict, keeping one copy.

import { Argument, Option } from 'commander';
import { configOption, valueParser } from '../options';
import { resolveAction, ResolveOptions } from '../actions/failover';
import { parseHost } from '../../util/host-arg';
import { parseSite } from '../../config/site';
import type { CommandSpec } from './types';

export const resolveCommand: CommandSpec = {
  name: 'resolve',
  define(parent, io, ctx, run) {
    return parent
      .command('resolve')
      .summary('end a failover conflict, keeping the tenant or the provider copy of a host')
      .description('Resolve the split-brain conflict of HOST (IP or MAC): the copy at the --keep site is bridged again ' +
        'and wins on both appliances; the other copy stays cut off until it is gone.')
      .addArgument(new Argument('<HOST>', 'IPv4, IPv6 or MAC address of the host').argParser(valueParser('HOST', parseHost)))
      .addOption(configOption(io))
      .addOption(new Option('--keep <SITE>', 'the copy to keep: tenant or provider').argParser(valueParser('--keep', parseSite)).makeOptionMandatory())
      .option('--json', 'print the result as JSON', false)
      .action(run(async (host: string, opts: ResolveOptions) => resolveAction(host, opts, ctx)));
  },
};
