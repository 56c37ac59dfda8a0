// bridgehead failover HOST [--to SITE] / failback HOST [--to SITE]: move a host (IP or MAC) to a
// site (default: the provider's for failover, the tenant's for failback) on every appliance. One
// definition for the two directions.

import { Argument, Option } from 'commander';
import { parseSiteName } from '../../config/site';
import { configOption, valueParser } from '../options';
import { moveAction, MoveOptions } from '../actions/failover';
import { parseHost } from '../../util/host-arg';
import type { CommandSpec } from './types';

function moveCommand(name: 'failover' | 'failback', site: 'provider' | 'tenant'): CommandSpec {
  return {
    name,
    define(parent, io, ctx, run) {
      return parent
        .command(name)
        .summary(`move a host (IP or MAC) to the ${site} site, or to the site named by --to`)
        .description(`Move HOST (an IPv4/IPv6 address, or a MAC: all of its addresses) to the ${site} site, or with --to to ` +
          'the named site (a tenant with more than two sites; two sites: tenant or provider): every appliance updates ' +
          'its tables and the site the host left announces the move on its LAN (gratuitous ARP / unsolicited NA). The host ' +
          'is first probed at the site it is on record at (RFC 5227 ARP probe / DAD NS); while it still answers the move ' +
          'is refused unless --force. --check only reports what would happen.')
        .addArgument(new Argument('<HOST>', 'IPv4, IPv6 or MAC address of the host').argParser(valueParser('HOST', parseHost)))
        .addOption(configOption(io))
        .addOption(new Option('--to <SITE>', `the site to move the host to: a site name (failover.siteName of its appliance) or a role held by one site (default: ${site})`)
          .argParser(valueParser('--to', parseSiteName)))
        .option('--check', 'dry run: probe the host at its current site and report, change nothing', false)
        .option('--force', 'move even while the original still answers (split-brain risk)', false)
        .option('--json', 'print the result as JSON', false)
        .action(run(async (host: string, opts: MoveOptions) => moveAction(name)(host, opts, ctx)));
    },
  };
}

export const failoverCommand = moveCommand('failover', 'provider');
export const failbackCommand = moveCommand('failback', 'tenant');
