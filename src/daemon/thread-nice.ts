// The data-plane threads' CPU priority (nice value; docs/INTERNALS.md section 2e, docs/BENCHMARKS.md):
// the environment variable BRIDGEHEAD_THREAD_NICE (benchmarks, field trials; env-switch.ts) wins
// over the config key `threadNice`, which wins over the data plane's default.
import type { Config } from '../config/types';
import { LIMITS } from '../dataplane/limits';
import { readEnvSwitches } from './env-switch';

/** The data plane's default (-10): forwarding wins the CPU against everything else on the appliance. */
export const THREAD_NICE_DEFAULT = LIMITS.threadNice.default;

export function threadNice(config: Pick<Config, 'threadNice'>, env: NodeJS.ProcessEnv = process.env): number {
  return readEnvSwitches(env).threadNice ?? config.threadNice ?? THREAD_NICE_DEFAULT;
}
