// The shape of one subcommand definition (src/cli/commands/*.ts): flags, help text and argument
// validation live there; the work is in src/cli/actions/*.ts.

import type { Command } from 'commander';
import type { CliContext, CliIo } from '../io';

/** Wraps an action so its exit code reaches runCli. */
export type ActionRunner = <A extends unknown[]>(fn: (...args: A) => Promise<number | void>) => (...args: A) => Promise<void>;

export interface CommandSpec {
  name: string;
  define(parent: Command, io: CliIo, ctx: CliContext, run: ActionRunner): Command;
}
