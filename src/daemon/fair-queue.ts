// Whether the data plane runs the fair-queued transmit path (fq_codel, docs/INTERNALS.md 2b):
// the environment variable BRIDGEHEAD_FQ=1/0 (benchmarks, field trials) wins over the config key
// `fairQueue`, which wins over the built-in default.
import type { Config } from '../config/types';
import { readEnvSwitches } from './env-switch';

/** Built-in default: decided by measurement (docs/INTERNALS.md 2b: no gain measured, so off). */
export const FAIR_QUEUE_DEFAULT = false;

export function fairQueueEnabled(config: Pick<Config, 'fairQueue'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return readEnvSwitches(env).fq ?? config.fairQueue ?? FAIR_QUEUE_DEFAULT;
}
