// The data-plane threads' CPU priority (nice value; docs/INTERNALS.md section 2e, docs/BENCHMARKS.md):
// the environment variable BRIDGEHEAD_THREAD_NICE (benchmarks, field trials) wins over the config key
// `threadNice`, which wins over the built-in default.
import type { Config } from '../config/types';

/** Built-in default: forwarding wins the CPU against everything else on the appliance. */
export const THREAD_NICE_DEFAULT = -10;

export function threadNice(config: Pick<Config, 'threadNice'>, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BRIDGEHEAD_THREAD_NICE;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < -20 || n > 19) {
      throw new Error(`BRIDGEHEAD_THREAD_NICE=${JSON.stringify(raw)}: expected an integer from -20 to 19`);
    }
    return n;
  }
  return config.threadNice ?? THREAD_NICE_DEFAULT;
}
