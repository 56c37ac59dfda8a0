// bridgehead resolve HOST --keep SITE: end a split-brain conflict, keeping one copy (SITE: one of the
// two sites in conflict, by name, or tenant|provider when that names one of them).

import { Argument, Option } from 'commander';
import { configOption, valueParser } from '../options';
import { resolveAction, ResolveOptions } from '../actions/failover';
import { parseHost } from '../../util/host-arg';
import { parseSiteName } from '../../config/site';
import type { CommandSpec } from './types';

export const resolveCommand: CommandSpec = {
  name: 'resolve',
  define(parent, io, ctx, run) {
    return parent
      .command('resolve')
      .summary('end a failover conflict, keeping the copy of a host at one of the two sites')
      .description('Resolve the split-brain conflict of HOST (IP or MAC): the copy at the --keep site is bridged again ' +
        'and wins on every appliance; the other copy stays cut off until it is gone. SITE: one of the two sites the ' +
        'conflict names (bridgehead status), by name or, when it names one of them, by role (tenant, provider).')
      .addArgument(new Argument('<HOST>', 'IPv4, IPv6 or MAC address of the host').argParser(valueParser('HOST', parseHost)))
      .addOption(configOption(io))
      .addOption(new Option('--keep <SITE>', 'the copy to keep: tenant, provider or a site name').argParser(valueParser('--keep', parseSiteName)).makeOptionMandatory())
      .option('--json', 'print the result as JSON', false)
      .action(run(async (host: string, opts: ResolveOptions) => resolveAction(host, opts, ctx)));
  },
};
