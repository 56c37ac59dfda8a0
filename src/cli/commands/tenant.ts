// bridgehead tenant add NAME --bridge BR | --vlan ID --trunk IF | --vni ID [--local IP] | tenant list | tenant remove NAME: the named tenants of
// a multi-tenant provider appliance (docs/INTERNALS.md section 9). Every other command takes
// --tenant NAME (added in program.ts) to act on one tenant.

import { isIP } from 'node:net';
import { Option } from 'commander';
import { parseIfName } from '../../config/validate';
import { parseTenantName } from '../../config/tenants';
import { ValueError } from '../../util/value-error';
import { configOption, valueParser } from '../options';
import { tenantAddAction, tenantListAction, tenantRemoveAction,
  type TenantAddOptions, type TenantListOptions, type TenantRemoveOptions } from '../actions/tenant';
import type { CommandSpec } from './types';

const nameArg = valueParser('NAME', parseTenantName);

function parseIPv4(s: string): string {
  if (isIP(s) !== 4) throw new ValueError('expected an IPv4 address');
  return s;
}

function parseId(max: number) {
  return (s: string): number => {
    if (!/^\d+$/.test(s)) throw new ValueError('not a whole number');
    const n = Number(s);
    if (n < 1 || n > max) throw new ValueError(`must be 1..${max}`);
    return n;
  };
}

export const tenantCommand: CommandSpec = {
  name: 'tenant',
  define(parent, io, ctx, run) {
    const cmd = parent
      .command('tenant')
      .summary('add, list or remove the tenants of a provider appliance')
      .description('A provider appliance serves several tenants on one UDP port, each an isolated segment with its own ' +
        'keys, invites, TAP and bridge, MAC and neighbor tables, failover state, storm limits and QoS. Each tenant ' +
        'is a config directory tenants/NAME/; other commands act on it with --tenant NAME.');
    cmd.enablePositionalOptions();
    cmd.command('add').allowExcessArguments(false)
      .summary('add a tenant: new key pair, its own TAP in bridge BR, a VLAN of a trunk or an EVPN VNI (a running daemon starts it)')
      .argument('<NAME>', 'tenant name: 1..12 of a-z, 0-9, "-", starting with a letter', nameArg)
      .addOption(configOption(io))
      .option('--bridge <BR>', 'the tenant LAN\'s Linux bridge (the TAP is attached to it)', valueParser('--bridge', parseIfName))
      .option('--tap <TAP>', 'TAP name (default bt-NAME)', valueParser('--tap', parseIfName))
      .addOption(new Option('--vlan <ID>', 'the segment is VLAN ID (1..4094) on --trunk: the appliance creates the subinterface and the bridge (default bb-NAME)')
        .argParser(valueParser('--vlan', parseId(4094))))
      .option('--trunk <IF>', 'the interface carrying the tagged VLANs (with --vlan)', valueParser('--trunk', parseIfName))
      .addOption(new Option('--vni <ID>', 'the segment is VXLAN VNI ID (1..16777215) of the EVPN fabric: the appliance creates vxlanID and the bridge (default brID)')
        .argParser(valueParser('--vni', parseId(16777215))))
      .option('--local <IP>', 'this VTEP\'s IPv4 address on the fabric (with --vni; later VNI tenants reuse it)', valueParser('--local', parseIPv4))
      .option('--json', 'print the result as JSON', false)
      .action(run(async (name: string, opts: TenantAddOptions) => tenantAddAction(name, opts, ctx)));
    cmd.command('list').allowExcessArguments(false)
      .summary('list the tenants with their slot, TAP, bridge and (daemon running) live state')
      .addOption(configOption(io))
      .option('--json', 'print the list as JSON', false)
      .action(run(async (opts: TenantListOptions) => tenantListAction(opts, ctx)));
    cmd.command('remove').allowExcessArguments(false)
      .summary('remove a tenant (a running daemon stops it; its directory is kept aside)')
      .argument('<NAME>', 'tenant name', nameArg)
      .addOption(configOption(io))
      .option('--json', 'print the result as JSON', false)
      .action(run(async (name: string, opts: TenantRemoveOptions) => tenantRemoveAction(name, opts, ctx)));
    return cmd;
  },
};
