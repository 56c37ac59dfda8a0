// bridgehead qos: the running daemon's classification rules, shaper rate and live band depths.

import { configOption } from '../options';
import { qosAction, QosOptions } from '../actions/qos';
import type { CommandSpec } from './types';

export const qosCommand: CommandSpec = {
  name: 'qos',
  define(parent, io, ctx, run) {
    return parent
      .command('qos')
      .summary('show QoS: classification rules, shaper rate and live band depths')
      .description('Ask the running daemon (over its control socket) for its QoS view: the rules that ' +
        'classify frames into bands, the WAN shaper rate, the outer DSCP per band and each band\'s live ' +
        'depth and counters.')
      .addOption(configOption(io))
      .option('--json', 'print the raw reply as JSON', false)
      .action(run(async (opts: QosOptions) => qosAction(opts, ctx)));
  },
};
