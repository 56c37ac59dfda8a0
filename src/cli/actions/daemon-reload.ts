// After a command edited the config under the lock: ask a running daemon to reload it, so the
// change applies at once. No daemon -> say so (the change applies at the next start); a daemon
// that refuses (the file is invalid) -> its one-line reason, the daemon keeps its old config.

import { configPaths } from '../../config/store';
import { CtlsockError, callCtlsock } from '../../ipc/ctlsock-client';
import { isReloadReply, type ReloadReply } from '../../ipc/reload-reply';
import { CliError } from '../io';

/** reload reads the file and may resolve hostnames of endpoints */
export const RELOAD_TIMEOUT_MS = 15000;

export type DaemonReload = { running: false } | { running: true; reply: ReloadReply };

/** Ask the daemon to reload; a refusal comes back as ok=false with the daemon's error line. */
export async function reloadDaemon(configDir: string): Promise<DaemonReload> {
  const socket = configPaths(configDir).socket;
  let r: unknown;
  try {
    r = await callCtlsock(socket, 'reload', {}, RELOAD_TIMEOUT_MS);
  } catch (e) {
    if (e instanceof CtlsockError && e.kind === 'not-running') return { running: false };
    if (e instanceof CtlsockError && e.kind === 'remote') {
      return { running: true, reply: { ok: false, error: e.message, added: [], removed: [], updated: [], needRestart: [] } };
    }
    throw e;
  }
  if (!isReloadReply(r)) throw new CliError(`unexpected reload reply from the daemon on ${socket}`);
  return { running: true, reply: r };
}

/** Lines describing a reload's outcome for the text output. */
export function describeReload(d: DaemonReload): string[] {
  if (!d.running) return ['daemon not running: the change takes effect when it starts'];
  const r = d.reply;
  if (!r.ok) return [`reload refused: ${r.error ?? 'unknown error'}; the daemon keeps running with its previous config`];
  const parts: string[] = [];
  if (r.added.length) parts.push(`added ${r.added.join(', ')}`);
  if (r.removed.length) parts.push(`removed ${r.removed.join(', ')}`);
  if (r.updated.length) parts.push(`updated ${r.updated.join(', ')}`);
  const lines = [`reloaded: ${parts.length ? parts.join('; ') : 'no peer changes'}`];
  if (r.needRestart.length) lines.push(`needs a restart to take effect: ${r.needRestart.join(', ')}`);
  return lines;
}
