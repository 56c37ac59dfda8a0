// bridgehead rotate-key: new static key, peers told over the authenticated channel.

import { configOption } from '../options';
import { rotateKeyAction, type RotateKeyOptions } from '../actions/rotate-key';
import type { CommandSpec } from './types';

export const rotateKeyCommand: CommandSpec = {
  name: 'rotate-key',
  define(parent, io, ctx, run) {
    return parent
      .command('rotate-key').allowExcessArguments(false)
      .summary('replace this appliance\'s static key; connected peers learn it without re-pairing')
      .description('The running daemon draws a new X25519 key and announces it to every connected peer over the ' +
        'authenticated tunnel; each peer stores it in its bridgehead.json and acknowledges. Then private.key is replaced ' +
        'and new handshakes use the new key; traffic continues on the old sessions until they complete. Peers that are ' +
        'not connected, or do not answer within 5 s, are named: re-pair them or put the new key in their config. ' +
        'Needs the running daemon (without it the peers could not be told; exit 1, nothing changes).')
      .addOption(configOption(io))
      .option('--json', 'print the daemon\'s reply as JSON', false)
      .action(run(async (opts: RotateKeyOptions) => rotateKeyAction(opts, ctx)));
  },
};
