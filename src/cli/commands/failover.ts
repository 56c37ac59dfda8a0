// bridgehead failover HOST / failback HOST: move a host (IP or MAC) to the provider site or back to
// the tenant site on both appliances. One definition for the two directions.

import { Argument } from 'commander';
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
        .summary(`move a host (IP or MAC) to the ${site} site`)
        .description(`Move HOST (an IPv4/IPv6 address, or a MAC: all of its addresses) to the ${site} site: both appliances ` +
          'update their tables and announce the move on their LANs (gratuitous ARP / unsolicited NA). The host is first ' +
          'probed at its current site (RFC 5227 ARP probe / DAD NS); while it still answers the move is refused unless ' +
          '--force. --check only reports what would happen.')
        .addArgument(new Argument('<HOST>', 'IPv4, IPv6 or MAC address of the host').argParser(valueParser('HOST', parseHost)))
        .addOption(configOption(io))
        .option('--check', 'dry run: probe the host at its current site and report, change nothing', false)
        .option('--force', 'move even while the original still answers (split-brain risk)', false)
        .option('--json', 'print the result as JSON', false)
        .action(run(async (host: string, opts: MoveOptions) => moveAction(name)(host, opts, ctx)));
    },
  };
}

export const failoverCommand = moveCommand('failover', 'provider');
export const failbackCommand = moveCommand('failback', 'tenant');
