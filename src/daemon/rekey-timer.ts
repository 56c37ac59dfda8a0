// How old the current session key may get before its initiator starts a new handshake: the
// environment variable BRIDGEHEAD_REKEY_AFTER_S (soak tests, field trials; read and checked with
// every other switch in env-switch.ts) wins over the config key `rekeyAfterS`, which wins over
// WireGuard's 120 s. Shorter only: keys are refused after 180 s, and at least 10 s so that one
// handshake (5 s retry) finishes before the next one is due.
import type { Config } from '../config/types';
import { ENV_SWITCHES, readEnvSwitches } from './env-switch';

export const REKEY_AFTER_S_MIN = ENV_SWITCHES.BRIDGEHEAD_REKEY_AFTER_S.min;
export const REKEY_AFTER_S_MAX = ENV_SWITCHES.BRIDGEHEAD_REKEY_AFTER_S.max;

export function rekeyAfterMs(config: Pick<Config, 'rekeyAfterS'>, env: NodeJS.ProcessEnv = process.env): number {
  return (readEnvSwitches(env).rekeyAfterS ?? config.rekeyAfterS ?? REKEY_AFTER_S_MAX) * 1000;
}
