// How old the current session key may get before its initiator starts a new handshake: the
// environment variable BRIDGEHEAD_REKEY_AFTER_S (soak tests, field trials) wins over the config key
// `rekeyAfterS`, which wins over WireGuard's 120 s. Shorter only: keys are refused after 180 s,
// and at least 10 s so that one handshake (5 s retry) finishes before the next one is due.
import type { Config } from '../config/types';
import { REKEY_AFTER_TIME_MS } from '../control/session';

export const REKEY_AFTER_S_MIN = 10;
export const REKEY_AFTER_S_MAX = REKEY_AFTER_TIME_MS / 1000;

export function rekeyAfterMs(config: Pick<Config, 'rekeyAfterS'>, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BRIDGEHEAD_REKEY_AFTER_S;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < REKEY_AFTER_S_MIN || n > REKEY_AFTER_S_MAX) {
      throw new Error(`BRIDGEHEAD_REKEY_AFTER_S=${JSON.stringify(raw)}: expected an integer from ${REKEY_AFTER_S_MIN} to ${REKEY_AFTER_S_MAX}`);
    }
    return n * 1000;
  }
  return (config.rekeyAfterS ?? REKEY_AFTER_S_MAX) * 1000;
}
