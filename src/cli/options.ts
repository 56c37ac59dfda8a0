// Option helpers shared by the command definitions: value parsers that turn a validator's
// ValueError into a one-line UsageError naming the flag and the value, and the --config option.

import * as path from 'node:path';
import { Option } from 'commander';
import { ValueError, quote } from '../util/value-error';
import { DEFAULT_CONFIG_DIR } from '../config/store';
import { CliIo, UsageError } from './io';

/** Wrap a validator for commander's argParser: `invalid --listen "x": problem`. */
export function valueParser<T>(flag: string, fn: (s: string) => T): (value: string) => T {
  return (value: string): T => {
    try {
      return fn(value);
    } catch (e) {
      if (e instanceof ValueError) throw new UsageError(`invalid ${flag} ${quote(value)}: ${e.message}`);
      throw e;
    }
  };
}

export function parseConfigDir(s: string): string {
  if (s.trim() === '') throw new ValueError('must not be empty');
  if (s.includes('\0')) throw new ValueError('must not contain NUL');
  return path.resolve(s);
}

export function defaultConfigDir(io: CliIo): string {
  const env = (io.env ?? process.env).BRIDGEHEAD_CONFIG;
  return env && env.trim() !== '' ? path.resolve(env) : DEFAULT_CONFIG_DIR;
}

/** --config DIR, default $BRIDGEHEAD_CONFIG or /etc/bridgehead. */
export function configOption(io: CliIo): Option {
  return new Option('-c, --config <DIR>', 'config directory (env BRIDGEHEAD_CONFIG)')
    .default(defaultConfigDir(io))
    .argParser(valueParser('--config', parseConfigDir));
}
