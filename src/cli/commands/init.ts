// bridgehead init: create the config directory, config and static X25519 key pair.

import { Option } from 'commander';
import { parseIfName, parseListen, parseName, parseHostPort, formatHostPort } from '../../config/validate';
import { DEFAULT_TAP } from '../../config/config';
import { parseSite } from '../../config/site';
import { parseRate } from '../../config/qos-config';
import { METRICS_DEFAULT_LISTEN } from '../../config/metrics-config';
import { parseTopologyArg } from '../../config/topology-config';
import { configOption, valueParser } from '../options';
import { initAction, InitOptions } from '../actions/init';
import type { CommandSpec } from './types';

export const initCommand: CommandSpec = {
  name: 'init',
  define(parent, io, ctx, run) {
    return parent
      .command('init')
      .summary('create this appliance\'s identity (config + X25519 key pair)')
      .description(
        'Create the config directory, bridgehead.json and a static X25519 key pair (private.key, mode 0600), ' +
          'and print the public key. Refuses to replace an existing identity unless --force is given.',
      )
      .addOption(configOption(io))
      .addOption(new Option('--name <NAME>', 'appliance name, 1..32 of [A-Za-z0-9._-]').argParser(valueParser('--name', parseName)).makeOptionMandatory())
      .addOption(
        new Option('--listen <IP:PORT>', 'UDP address to listen on, e.g. 0.0.0.0:51820 or [::]:51820')
          .argParser(valueParser('--listen', parseListen))
          .makeOptionMandatory(),
      )
      .addOption(
        new Option('--endpoint <HOST:PORT>', 'address peers use to reach us (needed for invites when --listen is a wildcard)').argParser(
          valueParser('--endpoint', (s) => {
            const hp = parseHostPort(s);
            return formatHostPort(hp.host, hp.port);
          }),
        ),
      )
      .addOption(new Option('--tap <IFNAME>', 'TAP interface name').default(DEFAULT_TAP).argParser(valueParser('--tap', parseIfName)))
      .addOption(new Option('--bridge <IFNAME>', 'Linux bridge to attach the TAP to').argParser(valueParser('--bridge', parseIfName)))
      .addOption(new Option('--site <SITE>', 'turn partial failover on for this site: tenant or provider').argParser(valueParser('--site', parseSite)))
      .addOption(new Option('--wan-rate <RATE>', 'turn QoS on, shaping to this WAN uplink rate, e.g. 200mbit, 1gbit, 500000kbit').argParser(valueParser('--wan-rate', parseRate)))
      .addOption(new Option('--metrics [IP:PORT]', `serve Prometheus /metrics (default address ${METRICS_DEFAULT_LISTEN}, loopback)`)
        .argParser(valueParser('--metrics', (s) => { const l = parseListen(s); return formatHostPort(l.address, l.port); })))
      .addOption(new Option('--topology <LAYOUT>', `multi-site layout: hub (this site relays between the sites paired with it) or mesh (default)`)
        .argParser(valueParser('--topology', parseTopologyArg)))
      .option('--force', 'replace an existing identity (existing peers must pair again)', false)
      .option('--json', 'print {name, publicKey, config} as JSON', false)
      .action(run(async (opts: InitOptions) => initAction(opts, ctx)));
  },
};
