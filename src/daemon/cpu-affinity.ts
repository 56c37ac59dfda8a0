// Where the data-plane threads run (docs/INTERNALS.md 2g, issue 15): the environment variable
// BRIDGEHEAD_CPU_AFFINITY (A/B measurements; env-switch.ts) wins over the config key
// `cpuAffinity`, which wins over the default (decided by measurement, docs/BENCHMARKS.md).
// The choice itself is pure (src/config/cpu-affinity.ts); here it meets the process's allowed
// CPUs (sched_getaffinity via the addon) and, after start, what the kernel granted.
import type { Config } from '../config/types';
import { type CpuAffinity, type CpuChoice, chooseCpus, formatCpuAffinity, parseCpuAffinity } from '../config/cpu-affinity';
import type { ThreadCpus } from '../dataplane/types';
import { readEnvSwitches } from './env-switch';

export const CPU_AFFINITY_DEFAULT: CpuAffinity = { kind: 'off' };

/** The setting in force (env > config > default). Throws one line on a bad env value. */
export function cpuAffinitySetting(config: Pick<Config, 'cpuAffinity'>, env: NodeJS.ProcessEnv = process.env): CpuAffinity {
  const fromEnv = readEnvSwitches(env).cpuAffinity;
  if (fromEnv) return fromEnv;
  if (config.cpuAffinity !== undefined) {
    const a = parseCpuAffinity(config.cpuAffinity);
    if (typeof a !== 'string') return a;
  }
  return CPU_AFFINITY_DEFAULT;
}

/** The plan for one data plane: the setting, and the pair to pin (or why none / the error).
 *  `allowed` is asked only when pinning is on; if it fails (a seccomp filter refusing
 *  sched_getaffinity) the threads run unpinned, with a note: affinity never stops forwarding. */
export function planCpuAffinity(config: Pick<Config, 'cpuAffinity'>, allowed: readonly number[] | (() => readonly number[]),
  tenant: number, env: NodeJS.ProcessEnv = process.env): { setting: CpuAffinity; choice: CpuChoice } {
  const setting = cpuAffinitySetting(config, env);
  if (setting.kind === 'off') return { setting, choice: { pin: null } };
  let cpus: readonly number[];
  try {
    cpus = typeof allowed === 'function' ? allowed() : allowed;
  } catch (e) {
    return { setting, choice: { pin: null, note: `cpuAffinity ${formatCpuAffinity(setting)}: allowed CPUs unknown (${(e as Error).message}), threads not pinned` } };
  }
  return { setting, choice: chooseCpus(setting, cpus, tenant) };
}

/** status --json `cpuAffinity`: the setting and the CPU each thread was pinned to ('off': not pinned). */
export interface CpuAffinityStatus { setting: string; rx: number | 'off'; tx: number | 'off'; errors: number; error?: string }

export function cpuAffinityStatus(setting: CpuAffinity, got: ThreadCpus): CpuAffinityStatus {
  return {
    setting: formatCpuAffinity(setting),
    rx: got.rx ?? 'off', tx: got.tx ?? 'off', errors: got.errors,
    ...(got.error ? { error: got.error } : {}),
  };
}
