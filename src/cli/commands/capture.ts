// bridgehead capture: a bounded libpcap capture on the appliance's TAP (the site side) or WAN side,
// printed as one line per packet or written to a pcap file, for troubleshooting.

import { Option } from 'commander';
import { parseIfName } from '../../config/validate';
import { ValueError } from '../../util/value-error';
import { captureAction, CaptureOptions } from '../actions/capture';
import { configOption, valueParser } from '../options';
import type { CommandSpec } from './types';

function intIn(min: number, max: number): (s: string) => number {
  return (s: string) => {
    if (!/^\d+$/.test(s)) throw new ValueError(`not a whole number`);
    const n = Number(s);
    if (n < min || n > max) throw new ValueError(`must be ${min}..${max}`);
    return n;
  };
}

export const captureCommand: CommandSpec = {
  name: 'capture',
  define(parent, io, ctx, run) {
    return parent
      .command('capture')
      .summary('capture packets on the TAP (site side) or the WAN side (libpcap)')
      .description('A bounded libpcap capture: stops after --count packets or --seconds, whichever comes ' +
        'first. --where tap shows the Ethernet frames bridged to/from the site; --where wan shows the ' +
        'encrypted tunnel datagrams (UDP on the listen port, all interfaces). Needs root/CAP_NET_RAW.')
      .addOption(configOption(io))
      .addOption(new Option('--where <SIDE>', 'tap or wan').choices(['tap', 'wan']).default('tap'))
      .addOption(new Option('--interface <IF>', 'capture on this interface instead')
        .argParser(valueParser('--interface', parseIfName)))
      .addOption(new Option('--filter <BPF>', 'extra BPF filter expression, e.g. "arp or icmp"'))
      .addOption(new Option('--count <N>', 'stop after N packets (1..1000000)').default(50)
        .argParser(valueParser('--count', intIn(1, 1_000_000))))
      .addOption(new Option('--seconds <S>', 'stop after S seconds (1..3600)').default(30)
        .argParser(valueParser('--seconds', intIn(1, 3600))))
      .addOption(new Option('--write <FILE>', 'write a pcap file instead of printing packets'))
      .action(run(async (opts: CaptureOptions) => captureAction(opts, ctx)));
  },
};
