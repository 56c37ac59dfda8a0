// up: hand over to the daemon (loaded lazily so the other commands work without the native
// addon) and exit with its code.

import type { LogLevel } from '../../config/validate';
import type { CliContext } from '../io';

export interface UpOptions {
  config: string;
  logLevel?: LogLevel;
}

export async function upAction(o: UpOptions, _ctx: CliContext): Promise<number> {
  const { runDaemon } = await import('../../daemon/daemon');
  const opts: { configDir: string; logLevel?: string } = { configDir: o.config };
  if (o.logLevel !== undefined) opts.logLevel = o.logLevel;
  const code = await runDaemon(opts);
  return Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1;
}
