// qos: one `qos` request over the control socket -> JSON or the text view (qos-format.ts).

import { configPaths } from '../../config/store';
import { callCtlsock } from '../../ipc/ctlsock-client';
import type { QosReply } from '../../ipc/qos-reply';
import { formatQosReply } from '../qos-format';
import { CliContext, CliError } from '../io';

export interface QosOptions {
  config: string;
  json: boolean;
}

export const QOS_TIMEOUT_MS = 5000;

function isQosReply(x: unknown): x is QosReply {
  if (x === null || typeof x !== 'object') return false;
  const live = (x as { live?: unknown }).live as Record<string, unknown> | undefined;
  return !!live && typeof live === 'object' && typeof live.enabled === 'boolean' && Array.isArray(live.bands) &&
    Array.isArray(live.rules);
}

export async function qosAction(o: QosOptions, ctx: CliContext): Promise<number> {
  const p = configPaths(o.config);
  const reply = await callCtlsock(p.socket, 'qos', {}, QOS_TIMEOUT_MS);
  if (!isQosReply(reply)) throw new CliError(`unexpected qos reply from the daemon on ${p.socket}`);
  if (o.json) ctx.out(JSON.stringify(reply, null, 2));
  else ctx.io.stdout.write(formatQosReply(reply));
  return 0;
}
