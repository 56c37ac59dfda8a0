// bridgehead up: run the daemon in the foreground until SIGTERM/SIGINT.

import { Option } from 'commander';
import { LOG_LEVELS, parseLogLevel } from '../../config/validate';
import { configOption, valueParser } from '../options';
import { upAction, UpOptions } from '../actions/up';
import type { CommandSpec } from './types';

export const upCommand: CommandSpec = {
  name: 'up',
  define(parent, io, ctx, run) {
    return parent
      .command('up')
      .summary('run the daemon in the foreground')
      .description('Bring the tunnel up and run in the foreground until SIGTERM or SIGINT (systemd runs this).')
      .addOption(configOption(io))
      .addOption(
        new Option('--log-level <LEVEL>', `override the config's logLevel (${LOG_LEVELS.join(', ')})`).argParser(
          valueParser('--log-level', parseLogLevel),
        ),
      )
      .action(run(async (opts: UpOptions) => upAction(opts, ctx)));
  },
};
