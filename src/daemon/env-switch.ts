// Every environment switch of the daemon, read in one place (A/B measurements and field trials).
// Unset or empty = not given; a value outside its spelling, or a BRIDGEHEAD_*, BH_UDP_* or BH_TAP_*
// variable that is not in the table (a misspelt name), is refused with one line, so a typo never
// silently measures the wrong build. The results reach the data plane through its options: the
// native code reads no environment.
//
//   BRIDGEHEAD_FQ / _QOS / _TAP_OFFLOAD  1|0 (true/false, on/off): win over the config keys
//   BRIDGEHEAD_THREAD_NICE              integer in the data plane's nice range: wins over threadNice
//   BRIDGEHEAD_CPU_AFFINITY             off|spread|RX,TX: wins over cpuAffinity (thread CPU pinning, A/B)
//   BRIDGEHEAD_DATA_PATH                auto|light|pipeline: wins over dataPath (A/B of the light path)
//   BRIDGEHEAD_TAP_READER               auto|io_uring|read: wins over tapReader (A/B of batched TAP reads)
//   BRIDGEHEAD_BUSY_POLL_US             0..20000: wins over busyPollUs
//   BRIDGEHEAD_REKEY_AFTER_S            10..120: session rekey age in s, wins over rekeyAfterS (soak runs)
//   BRIDGEHEAD_MEMORY_TRIM_S            0..3600: full V8 GC + malloc_trim every S seconds (default 60; 0 = never)
//   BH_TAP_OFFLOAD=off                  no TAP offloads, whatever else says (on = no effect)
//   BH_UDP_OFFLOAD=off                  no UDP GSO/GRO on the tunnel socket (options.udpOffload)
//   BH_TAP_GRO=off                      TAP offloads read side only (options.tapGro)
//   BRIDGEHEAD_CONFIG, BRIDGEHEAD_DEBUG read by the CLI (src/cli/options.ts, program.ts)

import { LIMITS } from '../dataplane/limits';
import { REKEY_AFTER_S_RANGE } from '../config/config';
import { type CpuAffinity, parseCpuAffinity } from '../config/cpu-affinity';

type Spec = { kind: 'bool' } | { kind: 'int'; min: number; max: number } | { kind: 'enum'; values: readonly string[] } | { kind: 'cpus' } | { kind: 'cli' };
export const DATA_PATHS = ['auto', 'light', 'pipeline'] as const;
export type DataPath = (typeof DATA_PATHS)[number];
export const TAP_READERS = ['auto', 'io_uring', 'read'] as const;
export type TapReader = (typeof TAP_READERS)[number];

export const ENV_SWITCHES = {
  BRIDGEHEAD_FQ: { kind: 'bool' },
  BRIDGEHEAD_QOS: { kind: 'bool' },
  BRIDGEHEAD_TAP_OFFLOAD: { kind: 'bool' },
  BRIDGEHEAD_THREAD_NICE: { kind: 'int', min: LIMITS.threadNice.min, max: LIMITS.threadNice.max },
  BRIDGEHEAD_CPU_AFFINITY: { kind: 'cpus' },
  BRIDGEHEAD_DATA_PATH: { kind: 'enum', values: DATA_PATHS },
  BRIDGEHEAD_TAP_READER: { kind: 'enum', values: TAP_READERS },
  BRIDGEHEAD_BUSY_POLL_US: { kind: 'int', min: LIMITS.busyPollUs.min, max: LIMITS.busyPollUs.max },
  BRIDGEHEAD_REKEY_AFTER_S: { kind: 'int', min: REKEY_AFTER_S_RANGE.min, max: REKEY_AFTER_S_RANGE.max },
  BRIDGEHEAD_MEMORY_TRIM_S: { kind: 'int', min: 0, max: 3600 },
  BH_TAP_OFFLOAD: { kind: 'bool' },
  BH_UDP_OFFLOAD: { kind: 'bool' },
  BH_TAP_GRO: { kind: 'bool' },
  BRIDGEHEAD_CONFIG: { kind: 'cli' },
  BRIDGEHEAD_DEBUG: { kind: 'cli' },
} as const satisfies Record<string, Spec>;

type Name = keyof typeof ENV_SWITCHES;
const CHECKED_PREFIXES = ['BRIDGEHEAD_', 'BH_UDP_', 'BH_TAP_'];

/** The switches that were given (undefined = not set). */
export interface EnvSwitches {
  fq?: boolean;
  qos?: boolean;
  tapOffload?: boolean;
  threadNice?: number;
  cpuAffinity?: CpuAffinity;
  dataPath?: DataPath;
  tapReader?: TapReader;
  busyPollUs?: number;
  rekeyAfterS?: number;
  memoryTrimS?: number;
  udpOffload?: boolean;
  tapGro?: boolean;
}

/** One boolean switch: 1/0, true/false, on/off (any case). */
export function envSwitch(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const s = v.toLowerCase();
  if (s === '1' || s === 'true' || s === 'on') return true;
  if (s === '0' || s === 'false' || s === 'off') return false;
  throw new Error(`${name}=${JSON.stringify(v)}: expected 1, 0, true, false, on or off`);
}

function envInt(env: NodeJS.ProcessEnv, name: Name, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    throw new Error(`${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

function envEnum<T extends string>(env: NodeJS.ProcessEnv, name: Name, values: readonly T[]): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!(values as readonly string[]).includes(raw)) throw new Error(`${name}=${JSON.stringify(raw)}: expected ${values.join(', ')}`);
  return raw as T;
}

function envCpuAffinity(env: NodeJS.ProcessEnv): CpuAffinity | undefined {
  const raw = env.BRIDGEHEAD_CPU_AFFINITY;
  if (raw === undefined || raw === '') return undefined;
  const a = parseCpuAffinity(raw);
  if (typeof a === 'string') throw new Error(`BRIDGEHEAD_CPU_AFFINITY=${JSON.stringify(raw)}: ${a}`);
  return a;
}

/** Reads and checks every switch; throws one line on a bad value or an unknown name. */
export function readEnvSwitches(env: NodeJS.ProcessEnv = process.env): EnvSwitches {
  for (const name of Object.keys(env)) {
    if (CHECKED_PREFIXES.some((p) => name.startsWith(p)) && !(name in ENV_SWITCHES)) {
      throw new Error(`unknown environment variable ${name} (known: ${Object.keys(ENV_SWITCHES).join(', ')})`);
    }
  }
  const nice = ENV_SWITCHES.BRIDGEHEAD_THREAD_NICE;
  const rekey = ENV_SWITCHES.BRIDGEHEAD_REKEY_AFTER_S;
  const out: EnvSwitches = {
    fq: envSwitch(env, 'BRIDGEHEAD_FQ'),
    qos: envSwitch(env, 'BRIDGEHEAD_QOS'),
    tapOffload: envSwitch(env, 'BH_TAP_OFFLOAD') === false ? false : envSwitch(env, 'BRIDGEHEAD_TAP_OFFLOAD'),
    threadNice: envInt(env, 'BRIDGEHEAD_THREAD_NICE', nice.min, nice.max),
    cpuAffinity: envCpuAffinity(env),
    dataPath: envEnum(env, 'BRIDGEHEAD_DATA_PATH', DATA_PATHS),
    tapReader: envEnum(env, 'BRIDGEHEAD_TAP_READER', TAP_READERS),
    busyPollUs: envInt(env, 'BRIDGEHEAD_BUSY_POLL_US', LIMITS.busyPollUs.min, LIMITS.busyPollUs.max),
    rekeyAfterS: envInt(env, 'BRIDGEHEAD_REKEY_AFTER_S', rekey.min, rekey.max),
    memoryTrimS: envInt(env, 'BRIDGEHEAD_MEMORY_TRIM_S', 0, 3600),
    udpOffload: envSwitch(env, 'BH_UDP_OFFLOAD'),
    tapGro: envSwitch(env, 'BH_TAP_GRO'),
  };
  for (const k of Object.keys(out) as Array<keyof EnvSwitches>) if (out[k] === undefined) delete out[k];
  return out;
}
