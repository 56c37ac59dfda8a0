// bridgehead ha ...: one member of an active/standby pair (keepalived elects; docs/INTERNALS.md 11).

import { Option } from 'commander';
import { ValueError } from '../../util/value-error';
import { configOption, valueParser } from '../options';
import { haExportAction, haHandoverAction, haImportAction, haKeepalivedAction, haNotifyAction, haStatusAction } from '../actions/ha';
import type { CommandSpec } from './types';

function parseState(s: string): string {
  const u = s.toUpperCase();
  if (u !== 'MASTER' && u !== 'BACKUP' && u !== 'FAULT') throw new ValueError('must be MASTER, BACKUP or FAULT');
  return u;
}

export const haCommand: CommandSpec = {
  name: 'ha',
  define(parent, io, ctx, run) {
    const ha = parent
      .command('ha')
      .summary('active/standby pair: status, keepalived hooks, planned handover, identity sync')
      .description('Two appliances per site form a pair; keepalived (VRRP) elects the active one. The standby keeps ' +
        'its TAP out of the bridge and stays silent on the WAN, with the active\'s neighbor/mobility table replicated ' +
        'over the LAN; on takeover it joins the bridge, handshakes from the same static key and announces the hosts it proxies.');
    ha.command('status').allowExcessArguments(false)
      .summary('this member\'s role, the other member, the last takeover')
      .addOption(configOption(io))
      .option('--json', 'print the reply as JSON', false)
      .action(run(async (opts: { config: string; json: boolean }) => haStatusAction(opts, ctx)));
    ha.command('notify').allowExcessArguments(false)
      .summary('keepalived\'s notify hook: tell the daemon its VRRP state')
      .argument('<STATE>', 'MASTER, BACKUP or FAULT', valueParser('STATE', parseState))
      .addOption(configOption(io))
      .action(run(async (state: string, opts: { config: string }) => haNotifyAction(state, opts, ctx)));
    ha.command('handover').allowExcessArguments(false)
      .summary('planned switchover: this (active) member leaves first, keepalived moves MASTER to the other')
      .addOption(configOption(io))
      .action(run(async (opts: { config: string }) => haHandoverAction(opts, ctx)));
    ha.command('export').allowExcessArguments(false)
      .summary('seal this site\'s identity (static key, peers) with the pair secret for the other member')
      .addOption(configOption(io))
      .addOption(new Option('-o, --out <FILE>', 'write it to FILE (mode 0600); "-" = stdout').default('-'))
      .action(run(async (opts: { config: string; out: string }) => haExportAction(opts, ctx)));
    ha.command('import').allowExcessArguments(false)
      .summary('take the site identity exported by the other member (refuses another pair\'s or a conflicting one)')
      .argument('<FILE>', 'the bundle from "bridgehead ha export", "-" = stdin')
      .addOption(configOption(io))
      .option('--force', 'replace a different site name or static key that already has peers', false)
      .action(run(async (file: string, opts: { config: string; force: boolean }) => haImportAction(file, opts, ctx)));
    ha.command('keepalived-conf').allowExcessArguments(false)
      .summary('print keepalived.conf for this member (VRRP instance, notify hooks, track script)')
      .addOption(configOption(io))
      .addOption(new Option('--notify <COMMAND>', 'absolute notify command; keepalived appends STATE -c DIR ' +
        '(lean: "/usr/bin/node /opt/bridgehead/dist/src/cli/ha-notify-main.js")').default('/usr/local/bin/bridgehead ha notify'))
      .addOption(new Option('--check <PATH>', 'the track script').default('/opt/bridgehead/appliance/bridgehead-ha-check.sh'))
      .option('--no-script-security', 'leave out enable_script_security (scripts not owned by root)')
      .addOption(new Option('-o, --out <FILE>', 'write it to FILE; "-" = stdout').default('-'))
      .action(run(async (opts: { config: string; notify: string; check: string; scriptSecurity: boolean; out: string }) => haKeepalivedAction(opts, ctx)));
    return ha;
  },
};
