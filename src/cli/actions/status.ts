// status: one `status` request over the control socket -> JSON or the text summary.

import { configPaths } from '../../config/store';
import { callCtlsock } from '../../ipc/ctlsock-client';
import type { StatusSnapshot } from '../../ipc/status-types';
import { formatStatus, isStatusSnapshot } from '../status-format';
import { CliContext, CliError } from '../io';

export interface StatusOptions {
  config: string;
  json: boolean;
}

export const STATUS_TIMEOUT_MS = 5000;

export async function statusAction(o: StatusOptions, ctx: CliContext): Promise<number> {
  const p = configPaths(o.config);
  const snap = await callCtlsock(p.socket, 'status', {}, STATUS_TIMEOUT_MS);
  if (!isStatusSnapshot(snap)) throw new CliError(`unexpected status reply from the daemon on ${p.socket}`);
  if (o.json) ctx.out(JSON.stringify(snap as StatusSnapshot, null, 2));
  else ctx.io.stdout.write(formatStatus(snap));
  return 0;
}
