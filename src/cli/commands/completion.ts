// bridgehead completion bash: print the bash completion script (generated from this program).

import { Argument } from 'commander';
import { bashCompletion } from '../completion';
import type { CommandSpec } from './types';

export const completionCommand: CommandSpec = {
  name: 'completion',
  define(parent, _io, ctx, run) {
    return parent
      .command('completion')
      .summary('print the shell completion script (bash)')
      .description('Print a bash completion script for every command and option. Install it with ' +
        '`bridgehead completion bash > /etc/bash_completion.d/bridgehead`, or ' +
        '`source <(bridgehead completion bash)` for the current shell.')
      .addArgument(new Argument('<SHELL>', 'the shell').choices(['bash']))
      .option('--json', 'print {"shell", "script"} as JSON', false)
      .action(run(async (shell: string, opts: { json: boolean }) => {
        const script = bashCompletion(parent);
        if (opts.json) ctx.out(JSON.stringify({ shell, script }));
        else ctx.io.stdout.write(script);
        return 0;
      }));
  },
};
