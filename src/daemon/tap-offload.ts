// Whether the data plane asks for TAP offloads (IFF_VNET_HDR + TSO, docs/INTERNALS.md 2d): the
// environment variable BRIDGEHEAD_TAP_OFFLOAD=1/0 (benchmarks, field trials; BH_TAP_OFFLOAD=off wins
// over it, env-switch.ts) wins over the config key `tapOffload`, which wins over the built-in
// default. The native side falls back by itself when the kernel refuses (stats global.tapOffload).
import type { Config } from '../config/types';
import { readEnvSwitches } from './env-switch';

/** Built-in default: on. Measured 2-3x faster single-stream TCP and a lower loaded RTT
 * (docs/BENCHMARKS.md); the kernel segments in software wherever a bridge port cannot take TSO. */
export const TAP_OFFLOAD_DEFAULT = true;

export function tapOffloadEnabled(config: Pick<Config, 'tapOffload'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return readEnvSwitches(env).tapOffload ?? config.tapOffload ?? TAP_OFFLOAD_DEFAULT;
}
