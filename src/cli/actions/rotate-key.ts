// rotate-key: the running daemon draws a new static key, tells its connected peers over the
// authenticated channel, then writes it (src/daemon/key-rotation.ts). Without a daemon the peers
// could not be told, so nothing is changed.

import { configPaths } from '../../config/store';
import { CtlsockError, callCtlsock } from '../../ipc/ctlsock-client';
import { isRotateKeyReply, type RotateKeyReply } from '../../ipc/rotate-key-reply';
import { CliContext, CliError } from '../io';

export interface RotateKeyOptions { config: string; json: boolean }

/** the daemon waits up to 5 s for the peers' acks */
export const ROTATE_KEY_TIMEOUT_MS = 15000;

export async function rotateKeyAction(o: RotateKeyOptions, ctx: CliContext): Promise<number> {
  const socket = configPaths(o.config).socket;
  let r: unknown;
  try {
    r = await callCtlsock(socket, 'rotate-key', {}, ROTATE_KEY_TIMEOUT_MS);
  } catch (e) {
    if (e instanceof CtlsockError && e.kind === 'not-running') {
      throw new CliError(`daemon not running (no control socket at ${socket}): the peers could not be told, the key is unchanged`);
    }
    throw e;
  }
  if (!isRotateKeyReply(r)) throw new CliError(`unexpected rotate-key reply from the daemon on ${socket}`);
  if (o.json) ctx.out(JSON.stringify(r as RotateKeyReply, null, 2));
  else {
    ctx.out(`new public key: ${r.publicKey}`);
    ctx.out(`peers updated: ${r.updated.length ? r.updated.join(', ') : 'none'}`);
    if (r.notUpdated.length) {
      ctx.out(`warning: not updated (not connected or no answer), re-pair them or set the new key in their config: ${r.notUpdated.join(', ')}`);
    }
  }
  return 0;
}
